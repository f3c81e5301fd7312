"""Alertmanager's firing alerts are kept per component: a component is the worst of
the alerts firing on it, operational only when none fire. The alerts kept are
journaled, so a database rebuilt from the journal holds the same ones. Also through a
receiver on 127.0.0.1."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.unit.inbound.conftest import AM_TOKEN
from tests.unit.inbound.payloads import alertmanager
from tests.helpers.rebuilt import rebuilt
from warroom.inbound import alerts, receiver, sources
from warroom.inbound import alertmanager as am_parser
from warroom.services import components
from warroom.store.models import JournalEvent

STARTS = "2026-11-23T08:59:45.828Z"


def _login(store):
    sources.update(store, "admin", "am", settings={
        "label_rules": [{"label": "service", "value": "login", "component": "Login"}]})
    return sources.get(store, "am")


def _fire(store, src, fp, severity):
    return receiver.receive(store, src, {}, alertmanager("firing", fingerprint=fp, service="login",
                                                         severity=severity))


def _resolve(store, src, fp, severity, ends="2026-11-23T09:10:00Z"):
    return receiver.receive(store, src, {}, alertmanager("resolved", fingerprint=fp, service="login",
                                                         severity=severity, ends=ends))


def test_a_warning_resolving_leaves_the_critical_alert_in_charge(inbound, clock):
    src = _login(inbound)
    _fire(inbound, src, "f1", "critical")
    assert components.get(inbound, "Login").status == "major_outage"
    clock.advance(60)
    [out] = _fire(inbound, src, "f2", "warning")
    # the warning does not lighten a component a critical alert holds down
    assert components.get(inbound, "Login").status == "major_outage"
    assert out.message == "component Login is major_outage (2 alerts firing)"
    assert [(a.alert_key, a.status) for a in alerts.firing(inbound, "Login")] == [
        ("f1", "major_outage"), ("f2", "degraded_performance")]
    clock.advance(60)
    [out] = _resolve(inbound, src, "f2", "warning")
    assert components.get(inbound, "Login").status == "major_outage"
    assert out.message == "component Login is major_outage"
    clock.advance(60)
    _resolve(inbound, src, "f1", "critical")
    c = components.get(inbound, "Login")
    assert (c.status, c.set_by) == ("operational", "inbound:am") and "no alert firing" in c.note
    assert alerts.firing(inbound) == []


def test_the_worst_wins_whichever_order_they_fire_and_clear_in(inbound, clock):
    src = _login(inbound)
    _fire(inbound, src, "w", "warning")
    assert components.get(inbound, "Login").status == "degraded_performance"
    _fire(inbound, src, "e", "error")
    assert components.get(inbound, "Login").status == "partial_outage"
    _fire(inbound, src, "c", "critical")
    assert components.get(inbound, "Login").status == "major_outage"
    _resolve(inbound, src, "c", "critical")
    assert components.get(inbound, "Login").status == "partial_outage"
    _resolve(inbound, src, "e", "error")
    assert components.get(inbound, "Login").status == "degraded_performance"
    # a resolve for an alert never seen firing changes only what is there
    _resolve(inbound, src, "never-fired", "critical")
    assert components.get(inbound, "Login").status == "degraded_performance"
    _resolve(inbound, src, "w", "warning")
    assert components.get(inbound, "Login").status == "operational"


def test_an_alert_without_a_fingerprint_is_known_by_its_labels(inbound):
    src = _login(inbound)

    def body(status, severity, ends="0001-01-01T00:00:00Z"):
        data = json.loads(alertmanager(status, service="login", severity=severity, ends=ends))
        for a in data["alerts"]:
            del a["fingerprint"]
        return json.dumps(data).encode()

    receiver.receive(inbound, src, {}, body("firing", "critical"))
    receiver.receive(inbound, src, {}, body("firing", "warning"))
    assert len(alerts.firing(inbound, "Login")) == 2
    receiver.receive(inbound, src, {}, body("resolved", "warning", ends="2026-11-23T09:10:00Z"))
    [left] = alerts.firing(inbound, "Login")
    assert left.alert_key.startswith("labels:") and left.status == "major_outage"
    assert components.get(inbound, "Login").status == "major_outage"
    labels = {"service": "login", "severity": "critical"}
    assert am_parser.alert_key(None, labels) == am_parser.alert_key("", dict(reversed(labels.items())))


def test_the_firing_alerts_are_rebuilt_from_the_journal(inbound, clock, tmp_path):
    src = _login(inbound)
    _fire(inbound, src, "f1", "critical")
    clock.advance(60)
    _fire(inbound, src, "f2", "warning")
    _fire(inbound, src, "f3", "warning")
    clock.advance(60)
    _resolve(inbound, src, "f3", "warning")
    with inbound.read() as session:
        kinds = list(session.scalars(select(JournalEvent.kind).where(JournalEvent.kind.like("inbound.alert_%"))
                                     .order_by(JournalEvent.seq)))
    assert kinds == ["inbound.alert_firing"] * 3 + ["inbound.alert_cleared"]
    with rebuilt(inbound, tmp_path / "other.db", clock) as other:
        assert len(other.rows["inbound_alert"]) == 2
        assert [a.alert_key for a in alerts.firing(other.store, "Login")] == ["f1", "f2"]
        assert components.get(other.store, "Login").status == "major_outage"


def test_through_the_receiver_two_alerts_on_one_component(inbound, receiver, clock):
    auth = {"Authorization": f"Bearer {AM_TOKEN}"}
    crit = alertmanager("firing", fingerprint="c1", service="checkout", severity="critical")
    warn = alertmanager("firing", fingerprint="w1", service="checkout", severity="warning")
    for body in (crit, warn):
        assert receiver.client.post("/hooks/am", content=body, headers=auth).status_code == 200
    warn_done = alertmanager("resolved", fingerprint="w1", service="checkout", severity="warning",
                             ends="2026-11-23T09:05:00Z")
    assert receiver.client.post("/hooks/am", content=warn_done, headers=auth).status_code == 200
    assert components.get(inbound, "Checkout").status == "major_outage"
    crit_done = alertmanager("resolved", fingerprint="c1", service="checkout", ends="2026-11-23T09:06:00Z")
    assert receiver.client.post("/hooks/am", content=crit_done, headers=auth).status_code == 200
    assert components.get(inbound, "Checkout").status == "operational"

"""Incidents: validation, the status vocabulary, severity, cadence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom import domain
from warroom.domain import Impact, Severity, Status
from warroom.errors import InputError, NotFound, TransitionError
from warroom.services import cadence, incidents, timeline
from warroom.identity import SYSTEM


def test_open_records_every_fact(store, clock):
    inc = incidents.open_incident(
        store, "Ana", title="  Checkout   failing ", severity="sev1", category="third-party",
        impact="full outage", customer_facing=True, components="Checkout, Payments, Checkout",
        detected_at=clock.now() - timedelta(minutes=7), confidential=True, exercise=True)
    assert inc.ref == "INC-1"
    assert inc.title == "Checkout failing"
    assert inc.severity is Severity.SEV1 and inc.category is domain.Category.THIRD_PARTY
    assert inc.impact is Impact.FULL_OUTAGE and inc.status is Status.INVESTIGATING
    assert inc.components == ("Checkout", "Payments")
    assert inc.commander == "Ana"
    assert inc.customer_facing and inc.confidential and inc.exercise
    assert inc.detected_at == clock.now() - timedelta(minutes=7)
    assert inc.declared_at == clock.now()
    second = incidents.open_incident(store, "Ana", title="Second", severity=2)
    assert second.ref == "INC-2"
    assert incidents.get(store, "inc-2", viewer=SYSTEM).id == second.id
    assert incidents.get(store, "2", viewer=SYSTEM).id == second.id
    assert incidents.get(store, str(second.id), viewer=SYSTEM).id == second.id


@pytest.mark.parametrize("kwargs, message", [
    (dict(title="   ", severity="SEV1"), "needs a title"),
    (dict(title="x" * 201, severity="SEV1"), "under 200"),
    (dict(title="ok", severity="SEV5"), "Unknown severity"),
    (dict(title="ok", severity="SEV1", category="weather"), "Unknown category"),
    (dict(title="ok", severity="SEV1", impact="meh"), "Unknown impact"),
])
def test_open_refuses_bad_input(store, kwargs, message):
    with pytest.raises(InputError, match=message):
        incidents.open_incident(store, "Ana", **kwargs)
    assert incidents.count(store) == 0


def test_detection_in_the_future_is_refused(store, clock):
    with pytest.raises(InputError, match="in the future"):
        incidents.open_incident(store, "Ana", title="t", severity="SEV3", detected_at=clock.now() + timedelta(seconds=1))


def test_unknown_incident(store):
    with pytest.raises(NotFound, match="incident list"):
        incidents.get(store, "INC-404", viewer=SYSTEM)


def test_status_walk_and_timeline(store, clock):
    inc = incidents.open_incident(store, "Ana", title="DB slow", severity="SEV2")
    for status in ("identified", "mitigated", "monitoring", "resolved"):
        clock.advance(60)
        inc = incidents.set_status(store, "Ana", inc.ref, status)
    assert inc.status is Status.RESOLVED and inc.resolved_at == clock.now()
    texts = [e.text for e in timeline.entries(store, inc.id, kind="status_change", viewer=SYSTEM)]
    assert texts[1:] == ["Status: Investigating → Identified", "Status: Identified → Mitigated",
                         "Status: Mitigated → Monitoring", "Status: Monitoring → Resolved"]


@pytest.mark.parametrize("path, bad", [
    (["identified"], "identified"),              # same status
    (["monitoring"], "mitigated"),               # monitoring does not fall back to mitigated
    (["resolved"], "monitoring"),                # resolved needs a reopening
])
def test_illegal_transitions_are_refused(store, path, bad):
    inc = incidents.open_incident(store, "Ana", title="DB slow", severity="SEV2")
    for status in path:
        incidents.set_status(store, "Ana", inc.ref, status)
    with pytest.raises(TransitionError):
        incidents.set_status(store, "Ana", inc.ref, bad)
    assert incidents.get(store, inc.ref, viewer=SYSTEM).status.value == path[-1]


def test_reopen(store):
    inc = incidents.open_incident(store, "Ana", title="DB slow", severity="SEV2")
    with pytest.raises(TransitionError, match="Only a resolved"):
        incidents.reopen(store, "Ana", inc.ref, "again")
    incidents.set_status(store, "Ana", inc.ref, "resolved")
    with pytest.raises(InputError, match="why"):
        incidents.reopen(store, "Ana", inc.ref, " ")
    with pytest.raises(TransitionError, match="Investigating or Identified"):
        incidents.reopen(store, "Ana", inc.ref, "errors are back", status="monitoring")
    inc = incidents.reopen(store, "Ana", inc.ref, "errors are back")
    assert inc.status is Status.INVESTIGATING and inc.resolved_at is None
    assert timeline.entries(store, inc.id, viewer=SYSTEM)[-1].text == "Reopened: Resolved → Investigating. errors are back"


# The allowed moves, written out (not derived from the code's own table).
ALLOWED = {
    ("investigating", "identified"), ("investigating", "mitigated"), ("investigating", "monitoring"),
    ("investigating", "resolved"),
    ("identified", "investigating"), ("identified", "mitigated"), ("identified", "monitoring"),
    ("identified", "resolved"),
    ("mitigated", "investigating"), ("mitigated", "identified"), ("mitigated", "monitoring"),
    ("mitigated", "resolved"),
    ("monitoring", "investigating"), ("monitoring", "identified"), ("monitoring", "resolved"),
}


def test_every_status_pair_follows_the_table():
    for current in Status:
        for new in Status:
            allowed = (current.value, new.value) in ALLOWED
            if allowed:
                domain.check_transition(current, new)
            else:
                with pytest.raises(TransitionError):
                    domain.check_transition(current, new)


def test_statuspage_mapping_covers_every_status():
    assert {domain.statuspage_status(s) for s in Status} == {"investigating", "identified", "monitoring", "resolved"}
    assert domain.statuspage_status(Status.MITIGATED) == "identified"
    assert domain.statuspage_impact(Impact.FULL_OUTAGE) == "critical"
    assert domain.statuspage_component_status(Impact.PARTIAL_OUTAGE, Status.RESOLVED) == "operational"
    assert domain.statuspage_component_status(Impact.DEGRADED, Status.MONITORING) == "degraded_performance"


def test_severity_change(store):
    inc = incidents.open_incident(store, "Ana", title="DB slow", severity="SEV3")
    inc = incidents.set_severity(store, "Ana", inc.ref, "SEV1", note="checkout affected")
    assert inc.severity is Severity.SEV1
    last = timeline.entries(store, inc.id, viewer=SYSTEM)[-1]
    assert last.kind.value == "severity_change"
    assert last.text == "Severity raised: SEV3 → SEV1. checkout affected"
    with pytest.raises(InputError, match="already SEV1"):
        incidents.set_severity(store, "Ana", inc.ref, "1")


def test_next_update_due_follows_the_policy(store, clock):
    inc = incidents.open_incident(store, "Ana", title="DB slow", severity="SEV2")
    assert inc.next_update_due == clock.now() + timedelta(hours=1)
    inc = incidents.set_severity(store, "Ana", inc.ref, "SEV1")
    assert inc.next_update_due == inc.declared_at + timedelta(minutes=30)
    cadence.set_update_interval(store, "Ana", "SEV1", timedelta(minutes=15))
    assert incidents.get(store, inc.ref, viewer=SYSTEM).next_update_due == inc.declared_at + timedelta(minutes=15)
    assert incidents.set_status(store, "Ana", inc.ref, "resolved").next_update_due is None


def test_policy_defaults_and_limits(store):
    intervals = cadence.update_intervals(store)
    assert intervals[Severity.SEV1] == timedelta(minutes=30)
    assert intervals[Severity.SEV2] == timedelta(hours=1)
    assert intervals[Severity.SEV3] == timedelta(hours=4)
    assert intervals[Severity.SEV4] == timedelta(hours=24)
    with pytest.raises(InputError):
        cadence.set_update_interval(store, "Ana", "SEV1", timedelta(seconds=30))
    assert cadence.parse_interval("90") == timedelta(minutes=90)
    assert cadence.parse_interval("4h") == timedelta(hours=4)
    with pytest.raises(InputError):
        cadence.parse_interval("soon")


def test_list_puts_active_and_severe_first(store, clock):
    a = incidents.open_incident(store, "Ana", title="minor", severity="SEV4")
    clock.advance(10)
    b = incidents.open_incident(store, "Ana", title="major", severity="SEV1")
    clock.advance(10)
    c = incidents.open_incident(store, "Ana", title="over", severity="SEV1")
    incidents.set_status(store, "Ana", c.ref, "resolved")
    assert [i.ref for i in incidents.list_incidents(store, viewer=SYSTEM)] == [b.ref, a.ref, c.ref]
    assert [i.ref for i in incidents.list_incidents(store, include_resolved=False, viewer=SYSTEM)] == [b.ref, a.ref]


def test_update_incident(store, clock):
    inc = incidents.open_incident(store, "Ana", title="DB slow", severity="SEV2")
    inc = incidents.update_incident(store, "Ana", inc.ref, title="Database slow", customer_facing=True,
                                    components=["DB"])
    assert (inc.title, inc.customer_facing, inc.components) == ("Database slow", True, ("DB",))
    with pytest.raises(InputError, match="Cannot change"):
        incidents.update_incident(store, "Ana", inc.ref, status="resolved")
    with pytest.raises(InputError, match="after the incident was declared"):
        clock.advance(60)
        incidents.update_incident(store, "Ana", inc.ref, detected_at=clock.now())


def test_a_confidential_incident_is_for_its_members(store):
    from tests.helpers.team import team

    team(store, Ana="incident_commander", Lea="incident_commander", Bob="technical_reviewer")
    secret = incidents.open_incident(store, "Ana", title="Suspected breach", severity="SEV1", category="security",
                                     confidential=True, commander="Lea")
    open_ = incidents.open_incident(store, "Ana", title="Slow search", severity="SEV4")
    assert {i.ref for i in incidents.list_incidents(store, viewer="Bob")} == {open_.ref}
    assert {i.ref for i in incidents.list_incidents(store, viewer="Lea")} == {secret.ref, open_.ref}
    assert {i.ref for i in incidents.list_incidents(store, viewer="Ana")} == {secret.ref, open_.ref}  # its author
    with pytest.raises(NotFound):
        incidents.get(store, secret.ref, viewer="Bob")
    with pytest.raises(NotFound):
        incidents.set_members(store, "Bob", secret.ref, add=["Bob"])  # cannot let themselves in
    with pytest.raises(InputError, match="not in the people register"):
        incidents.set_members(store, "Lea", secret.ref, add=["Ghost"])
    incidents.set_members(store, "Lea", secret.ref, add=["Bob"])
    assert incidents.get(store, secret.ref, viewer="Bob").ref == secret.ref

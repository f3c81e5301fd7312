"""The inbound flow against a running receiver on 127.0.0.1: a PagerDuty triggered →
acknowledged → resolved sequence opens, updates and resolves ONE incident with its
first update held for review; duplicates are ignored; forged, oversized and
too-frequent requests are refused with nothing stored; Alertmanager moves a
component to major_outage and back; and the same from saved files."""

from __future__ import annotations

import json
import socket

from sqlalchemy import func, select

from tests.unit.inbound.conftest import AM_TOKEN, PD_SECRET
from tests.unit.inbound.payloads import alertmanager, pagerduty, pd_headers
from warroom.inbound import handle, sources
from warroom.services import components, drafts, incidents, timeline
from warroom.store.models import Delivery, InboundEvent, JournalEvent


def _journal_count(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(JournalEvent))


def _post_pd(receiver, body, secret=PD_SECRET, path="/hooks/pd"):
    return receiver.client.post(path, content=body, headers=pd_headers(secret, body))


def test_pagerduty_sequence_opens_updates_and_resolves_one_incident_with_a_held_draft(inbound, receiver, clock):
    r = _post_pd(receiver, pagerduty("incident.triggered", "EV-1"))
    assert r.status_code == 200, r.text
    [out] = r.json()["outcomes"]
    assert out["result"] == "handled" and out["incident"] == "INC-1"
    inc = incidents.get(inbound, "INC-1", viewer="Dana")
    assert (inc.title, inc.severity.value, inc.commander, inc.components, inc.customer_facing) == (
        "Checkout API returns 500s", "SEV1", "Dana", ("Checkout",), True)
    [lk] = handle.links(inbound, "INC-1", viewer="Dana")
    assert (lk.source, lk.external_id, lk.url) == ("pd", "Q2K9XJ4", "https://acme.pagerduty.com/incidents/Q2K9XJ4")
    # The first update: drafted for the audience the matrix names at SEV1, waiting for review, sent nowhere.
    [d] = drafts.list_drafts(inbound, "INC-1", viewer="Dana")
    assert (d.audience, d.state) == ("customers", "in_review") and [str(d.id)] == out["drafts"]
    with inbound.read() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    told = [e.text for e in timeline.entries(inbound, "INC-1", viewer="Dana") if e.kind == "external"]
    assert any(t.startswith("Opened from PagerDuty Q2K9XJ4 (P1, Checkout API)") and "Commander Dana" in t
               and "waiting for review" in t for t in told)

    clock.advance(60)
    assert _post_pd(receiver, pagerduty("incident.acknowledged", "EV-2")).status_code == 200
    clock.advance(60)
    assert _post_pd(receiver, pagerduty("incident.priority_updated", "EV-3", priority="P2")).status_code == 200
    assert incidents.get(inbound, "INC-1", viewer="Dana").severity.value == "SEV2"
    clock.advance(60)
    assert _post_pd(receiver, pagerduty("incident.annotated", "EV-4", content="Rolled back 4.2")).status_code == 200
    clock.advance(60)
    r = _post_pd(receiver, pagerduty("incident.resolved", "EV-5"))
    assert r.json()["outcomes"][0]["message"] == "INC-1 resolved"

    assert [i.ref for i in incidents.list_incidents(inbound, viewer="Dana")] == ["INC-1"]
    assert incidents.get(inbound, "INC-1", viewer="Dana").status.value == "resolved"
    texts = [e.text for e in timeline.entries(inbound, "INC-1", viewer="Dana")]
    assert "PagerDuty Q2K9XJ4: Acknowledged by Ravi Shah" in texts
    assert "PagerDuty Q2K9XJ4: Rolled back 4.2" in texts
    assert any(t.startswith("Severity lowered: SEV1 → SEV2") for t in texts)
    # Every change was made by the source, in the journal under its own name.
    with inbound.read() as session:
        actors = set(session.scalars(select(JournalEvent.actor).where(JournalEvent.incident_id == inc.id)))
    assert actors == {"inbound:pd"}


def test_a_duplicate_is_ignored_and_changes_nothing(inbound, receiver):
    body = pagerduty("incident.triggered", "EV-1")
    assert _post_pd(receiver, body).status_code == 200
    before = _journal_count(inbound)
    r = _post_pd(receiver, body)
    assert r.status_code == 200 and r.json()["outcomes"][0]["result"] == "duplicate"
    assert _journal_count(inbound) == before
    # Another event for the same PagerDuty incident links to it, never opens a second one.
    r = _post_pd(receiver, pagerduty("incident.triggered", "EV-1b"))
    assert r.json()["outcomes"][0]["message"] == "already open as INC-1"
    assert len(incidents.list_incidents(inbound, viewer="Dana")) == 1


def test_forged_or_unsigned_requests_are_refused_and_store_nothing(inbound, receiver):
    before = _journal_count(inbound)
    body = pagerduty("incident.triggered", "EV-1")
    assert _post_pd(receiver, body, secret="not-the-secret").status_code == 401
    assert receiver.client.post("/hooks/pd", content=body).status_code == 401
    # signed for one body, sent with another
    r = receiver.client.post("/hooks/pd", content=body.replace(b"P1", b"P4"), headers=pd_headers(PD_SECRET, body))
    assert r.status_code == 401
    assert receiver.client.post("/hooks/nobody", content=body).status_code == 404
    assert _journal_count(inbound) == before and incidents.count(inbound) == 0
    # A malformed body, even correctly signed, is a 400 with nothing stored.
    bad = b'{"event": {"event_type": "incident.triggered", "data": {}}}'
    r = _post_pd(receiver, bad)
    assert r.status_code == 400 and "event id" in r.json()["error"]
    assert _journal_count(inbound) == before


def test_alertmanager_turns_a_component_red_and_back(inbound, receiver, clock):
    auth = {"Authorization": f"Bearer {AM_TOKEN}"}
    r = receiver.client.post("/hooks/am", content=alertmanager("firing"), headers=auth)
    assert r.status_code == 200, r.text
    assert components.get(inbound, "Checkout").status == "major_outage"
    assert components.get(inbound, "Checkout").set_by == "inbound:am"
    assert incidents.count(inbound) == 0          # Checkout is not customer-facing for this source
    clock.advance(300)
    resolved = alertmanager("resolved", ends="2026-11-23T09:05:00Z")
    assert receiver.client.post("/hooks/am", content=resolved, headers=auth).status_code == 200
    assert components.get(inbound, "Checkout").status == "operational"
    # a warning on a customer-facing component degrades it and opens an incident
    r = receiver.client.post("/hooks/am", content=alertmanager("firing", fingerprint="ff01", service="search",
                                                               severity="warning"), headers=auth)
    assert components.get(inbound, "Search").status == "degraded_performance"
    assert r.json()["outcomes"][0]["incident"] == "INC-1"
    inc = incidents.get(inbound, "INC-1", viewer="Dana")
    assert inc.severity.value == "SEV3" and inc.components == ("Search",) and inc.customer_facing
    # wrong token: refused, the component untouched
    r = receiver.client.post("/hooks/am", content=alertmanager("resolved", fingerprint="ff01", service="search",
                                                               ends="2026-11-23T09:09:00Z"),
                             headers={"Authorization": "Bearer guess"})
    assert r.status_code == 401 and components.get(inbound, "Search").status == "degraded_performance"


def test_an_oversized_body_gets_413_without_being_read(inbound, receiver):
    host, port = receiver.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"POST /hooks/pd HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 50000000\r\n\r\n" + b"{" * 1000)
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")
    with inbound.read() as session:
        assert session.scalar(select(func.count()).select_from(InboundEvent)) == 0


def test_over_the_rate_a_source_gets_429_with_retry_after(inbound, receiver):
    sources.update(inbound, "admin", "pd", settings={"rate_per_minute": 2})
    codes = []
    for n in range(3):
        codes.append(_post_pd(receiver, pagerduty("incident.annotated", f"EV-{n}")))
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert 1 <= int(codes[2].headers["Retry-After"]) <= 60
    # an unlinked annotation was received and recorded as ignored, with the reason
    outcome = codes[0].json()["outcomes"][0]
    assert outcome["result"] == "ignored" and "no incident is linked" in outcome["message"]


def test_the_same_sequence_from_saved_files(inbound, cli, tmp_path, db_path):
    inbound.close()
    for n, kind in enumerate(("incident.triggered", "incident.acknowledged", "incident.resolved"), 1):
        f = tmp_path / f"pd{n}.json"
        f.write_bytes(pagerduty(kind, f"EV-{n}"))
        code, out, err = cli("--as", "admin", "inbound", "import", str(f), "--source", "pd")
        assert code == 0, err
    assert "INC-1 resolved" in out
    code, out, err = cli("--as", "admin", "inbound", "import", str(tmp_path / "pd1.json"), "--source", "pd")
    assert code == 0 and "duplicate" in out
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 * 1024 * 1024))
    code, out, err = cli("--as", "admin", "inbound", "import", str(big), "--source", "pd")
    assert code == 2 and "bytes" in err
    code, out, err = cli("--as", "Dana", "incident", "show", "INC-1")
    assert "linked      pd Q2K9XJ4 https://acme.pagerduty.com/incidents/Q2K9XJ4" in out
    code, out, err = cli("--json", "incident", "list")
    rows = json.loads(out)
    assert [(r["ref"], r["status"]) for r in rows] == [("INC-1", "resolved")]


def test_a_token_in_the_url_is_checked_and_never_logged(inbound, receiver, caplog):
    import logging

    sources.add(inbound, "admin", "page", "statuspage", secret="url-token-7f3a")
    body = json.dumps({"component_update": {"id": "cu1", "component_id": "c1", "new_status": "major_outage",
                                            "old_status": "operational"},
                       "component": {"id": "c1", "name": "Checkout"}}).encode()
    with caplog.at_level(logging.INFO, logger="warroom.inbound"):
        assert receiver.client.post("/hooks/page/wrong-token", content=body).status_code == 401
        assert receiver.client.post("/hooks/page?token=url-token-7f3a", content=body).status_code == 200
    assert components.get(inbound, "Checkout").status == "major_outage"
    assert "url-token-7f3a" not in caplog.text and "wrong-token" not in caplog.text
    assert "inbound page: 401" in caplog.text and "inbound page: 200" in caplog.text


def test_bind_is_host_and_port():
    import pytest

    from warroom.errors import InputError
    from warroom.inbound.receiver import parse_bind

    assert parse_bind("127.0.0.1:8787") == ("127.0.0.1", 8787)
    assert parse_bind("[::1]:9000") == ("::1", 9000)
    for bad in ("8787", "localhost:http", "127.0.0.1:70000"):
        with pytest.raises(InputError, match="HOST:PORT"):
            parse_bind(bad)


def test_forged_requests_do_not_use_up_the_vendors_allowance(inbound, receiver):
    sources.update(inbound, "admin", "pd", settings={"rate_per_minute": 2})
    forged = [_post_pd(receiver, pagerduty("incident.annotated", f"F-{n}"), secret="guess") for n in range(5)]
    assert {r.status_code for r in forged} == {401}
    real = [_post_pd(receiver, pagerduty("incident.annotated", f"EV-{n}")) for n in range(2)]
    assert [r.status_code for r in real] == [200, 200]


def test_one_client_flooding_a_source_is_cut_off_before_its_bodies_are_read(inbound, receiver):
    from warroom.inbound import receiver as receiver_module

    sources.update(inbound, "admin", "pd", settings={"rate_per_minute": 1})
    limit = receiver_module.UNVERIFIED_FACTOR
    codes = [_post_pd(receiver, pagerduty("incident.annotated", f"F-{n}"), secret="guess").status_code
             for n in range(limit + 1)]
    assert codes == [401] * limit + [429]


def test_two_imports_of_one_event_at_once_open_one_incident(inbound, tmp_path, db_path):
    import subprocess
    import sys

    inbound.close()
    saved = tmp_path / "pd1.json"
    saved.write_bytes(pagerduty("incident.triggered", "EV-1"))
    args = [sys.executable, "-m", "warroom.cli", "--db", str(db_path), "--as", "admin", "--json", "inbound", "import",
            str(saved), "--source", "pd"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [code for _out, _err, code in results] == [0, 0], results
    outcomes = sorted(json.loads(out)[0]["result"] for out, _err, _code in results)
    assert outcomes == ["duplicate", "handled"]
    from warroom.app import open_store

    store = open_store(db_path)
    try:
        assert [i.ref for i in incidents.list_incidents(store, viewer="Dana")] == ["INC-1"]
    finally:
        store.close()


def test_more_connections_than_threads_are_told_to_come_back(inbound, monkeypatch):
    import threading

    from warroom.inbound import receiver as receiver_module

    monkeypatch.setattr(receiver_module, "MAX_CONNECTIONS", 2)
    server = receiver_module.Receiver(inbound, ("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    held = []
    try:
        for _ in range(2):   # two slow clients hold both threads (headers never finished)
            s = socket.create_connection(server.server_address[:2], timeout=10)
            s.sendall(b"POST /hooks/pd HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        with socket.create_connection(server.server_address[:2], timeout=10) as s:
            s.sendall(b"POST /hooks/pd HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 503") and b"Retry-After: 5" in reply
    finally:
        for s in held:
            s.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_inbound_serve_tells_its_operator_what_opened_an_incident(inbound, receiver, capsys):
    """Without a window the operator of inbound serve is who hears of it: a line as each
    request is handled, the new incident first; a repeat says nothing."""
    from warroom.cli.inbound import print_handled

    receiver.on_handled = print_handled
    body = pagerduty("incident.triggered", "EV-1")
    assert _post_pd(receiver, body).status_code == 200
    assert _post_pd(receiver, body).status_code == 200                     # the vendor's retry: a duplicate
    assert _post_pd(receiver, pagerduty("incident.acknowledged", "EV-2")).status_code == 200
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "NEW INCIDENT pd: opened INC-1 (SEV1) — 1 draft(s) wait for review"
    assert len(lines) == 2 and lines[1].startswith("pd: ") and "NEW INCIDENT" not in lines[1]

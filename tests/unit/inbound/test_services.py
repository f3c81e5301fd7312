"""Sources and component status at the service level: who may, what is refused, the
secret kept in the keyring only; the inbound actor's limits (it never reviews,
approves, overrides or publishes); and every row rebuilt on another database from
the journal alone."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.unit.inbound.conftest import PD_SECRET
from tests.unit.inbound.payloads import alertmanager, pagerduty
from warroom import secrets
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.identity import SYSTEM, Source
from warroom.inbound import handle, receiver, sources
from warroom.inbound import pagerduty as pd
from warroom.services import components, drafts, people, publishing, review
from warroom.store import Store
from warroom.store.models import JournalEvent
from warroom.sync.apply import rebuild
from warroom.sync.apply_compare import differences, snapshot


def test_a_source_secret_lives_in_the_keyring_never_in_the_database(inbound, db_path):
    src = sources.get(inbound, "pd")
    assert sources.read_secret(src) == PD_SECRET
    with inbound.read() as session:
        payloads = [r.payload for r in session.scalars(select(JournalEvent).where(
            JournalEvent.kind.like("inbound.%")))]
    assert payloads and all(PD_SECRET not in p for p in payloads)
    inbound.close()
    for f in db_path.parent.glob("warroom.db*"):
        assert PD_SECRET.encode() not in f.read_bytes()


def test_only_an_administrator_adds_or_removes_and_bad_settings_are_named(inbound):
    for actor in ("Dana", "Sam", "Vic Viewer"):
        with pytest.raises(NotPermitted, match="Only an administrator"):
            sources.add(inbound, actor, "jira", "jira", secret="s")
    with pytest.raises(InputError, match="Unknown source kind") as caught:
        sources.add(inbound, "admin", "x", "nagios", secret="s")
    assert caught.value.field == "kind"
    with pytest.raises(InputError, match="lowercase") as caught:
        sources.add(inbound, "admin", "Has Spaces", "jira", secret="s")
    assert caught.value.field == "name"
    with pytest.raises(InputError, match="needs its secret") as caught:
        sources.add(inbound, "admin", "jira", "jira", secret="  ")
    assert caught.value.field == "secret"
    with pytest.raises(InputError, match="Unknown severity"):
        sources.add(inbound, "admin", "jira", "jira", secret="s", settings={"severity": {"Highest": "SEV9"}})
    with pytest.raises(InputError, match="Unknown source setting") as caught:
        sources.add(inbound, "admin", "jira", "jira", secret="s", settings={"colour": "red"})
    assert caught.value.field == "settings"
    with pytest.raises(InputError, match="already a source"):
        sources.add(inbound, "admin", "pd", "pagerduty", secret="s")
    assert [s.name for s in sources.list_sources(inbound)] == ["am", "pd"]
    src = sources.get(inbound, "am")
    sources.remove(inbound, "admin", "am")
    assert secrets.get(sources.secret_key(src.id)) is None
    with pytest.raises(NotFound):
        sources.get(inbound, "am")


def test_component_status_set_by_a_person_listed_worst_first(inbound, clock):
    components.set_status(inbound, "Dana", "Checkout", "partial_outage", note="Card payments fail")
    components.set_status(inbound, "Sam", "Search", "operational")
    components.set_status(inbound, "Dana", "Login", "major_outage")
    assert [(c.name, c.status) for c in components.list_components(inbound)] == [
        ("Login", "major_outage"), ("Checkout", "partial_outage"), ("Search", "operational")]
    with pytest.raises(InputError, match="Unknown component status") as caught:
        components.set_status(inbound, "Dana", "Checkout", "broken")
    assert caught.value.field == "status"
    with pytest.raises(NotPermitted):
        components.set_status(inbound, "Ravi Shah", "Checkout", "operational")
    with inbound.read() as session:
        before = len(session.scalars(select(JournalEvent.id)).all())
    components.set_status(inbound, "Dana", "Checkout", "partial_outage")      # no change: nothing journaled
    with inbound.read() as session:
        assert len(session.scalars(select(JournalEvent.id)).all()) == before


def test_the_inbound_actor_cannot_approve_override_or_publish(inbound, memory_keyring):
    [out] = handle.handle(inbound, sources.get(inbound, "pd"), pd.parse({}, pagerduty("incident.triggered", "EV-1")))
    [draft_id] = out.drafts
    actor = sources.get(inbound, "pd").actor
    assert isinstance(actor, Source) and str(actor) == "inbound:pd"
    # Even a person registered under the source's name, holding every review role, lends it nothing.
    people.save(inbound, SYSTEM, "inbound:pd", roles="technical_reviewer,comms_reviewer,incident_commander")
    with pytest.raises(NotPermitted, match="inbound source"):
        review.decide(inbound, actor, draft_id, "approve")
    with pytest.raises(NotPermitted, match="inbound source"):
        review.override(inbound, actor, draft_id, "Customers must know now")
    with pytest.raises(NotPermitted, match="inbound source"):
        publishing.publish(inbound, actor, draft_id)
    assert drafts.get(inbound, draft_id, viewer="Dana").state == "in_review"
    # What it may do, it may: log on the incident it opened.
    [logged] = handle.handle(inbound, sources.get(inbound, "pd"), pd.parse({}, pagerduty("incident.annotated", "EV-2")))
    assert logged.result == "handled" and logged.incident == out.incident


def test_the_journal_alone_rebuilds_the_same_rows(inbound, clock, tmp_path):
    pd_source = sources.get(inbound, "pd")
    am = sources.get(inbound, "am")
    receiver.receive(inbound, pd_source, {}, pagerduty("incident.triggered", "EV-1"))
    clock.advance(60)
    receiver.receive(inbound, am, {}, alertmanager("firing"))
    receiver.receive(inbound, pd_source, {}, pagerduty("incident.resolved", "EV-2"))
    sources.update(inbound, "admin", "am", settings={"customer_facing": ["Checkout"]})
    components.set_status(inbound, "Dana", "Search", "degraded_performance")
    other = Store.open(tmp_path / "other.db", clock=clock)
    try:
        assert rebuild(inbound, other) > 10
        with inbound.read() as session:
            want = snapshot(session)
        with other.read() as session:
            got = snapshot(session)
        for table in ("inbound_source", "inbound_event", "incident_link", "component_status"):
            assert want[table], table
        assert differences(want, got) == []
        assert handle.seen(other, "pd", "EV-1")
    finally:
        other.close()


def test_the_command_line_adds_lists_and_sets_components(cli, db_path, memory_keyring, monkeypatch):
    import io

    from tests.helpers.team import team_file

    team_file(db_path)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"from-stdin-secret\n")))
    code, out, err = cli("--as", "admin", "inbound", "add", "pd", "--kind", "pagerduty",
                         "--settings", '{"commander": "Dana"}')
    assert code == 0, err
    assert "/hooks/pd" in out and "from-stdin-secret" not in out
    code, out, err = cli("--as", "admin", "--json", "inbound", "list")
    [row] = json.loads(out)
    assert (row["name"], row["kind"], row["settings"]) == ("pd", "pagerduty", {"commander": "Dana"})
    code, out, err = cli("--as", "admin", "inbound", "add", "x", "--kind", "pagerduty", "--settings", "[1]")
    assert code == 2 and "JSON object" in err
    code, out, err = cli("--as", "Dana", "component", "set", "Checkout", "major_outage", "--note", "down")
    assert code == 0 and "Checkout is major outage" in out
    code, out, err = cli("--as", "Vic Viewer", "component", "set", "Checkout", "operational")
    assert code == 3
    code, out, err = cli("--as", "Dana", "component", "list")
    assert "Checkout" in out and "major_outage" in out
    code, out, err = cli("--as", "Dana", "inbound", "remove", "pd")
    assert code == 3

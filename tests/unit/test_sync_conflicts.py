"""Two laptops change one field of one incident at the same time: every laptop ends
with the last writer's value by the hybrid logical clock, and the other value is kept
on the timeline."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import T0
from tests.helpers import teamserver
from tests.helpers.bundles import told
from warroom.cli.sync import default_applier
from warroom.clock import SimulatedClock
from warroom.services import incidents, integrity, people
from warroom.store import Store
from warroom.store.models import Incident, JournalEvent, TimelineEntry
from warroom.sync import apply_compare, bundle, client


@pytest.fixture
def team(pg_cluster, pg_database, memory_keyring):
    server = teamserver.start(pg_cluster, pg_database)
    yield server
    for store in server.laptops:
        store.close()


def _state(store) -> dict:
    with store.read() as session:
        return apply_compare.snapshot(session)


def _incident(store, inc_id) -> tuple[Incident, list[str]]:
    with store.read() as session:
        row = session.get(Incident, inc_id)
        session.expunge(row)
        notes = session.scalars(select(TimelineEntry.text).where(TimelineEntry.incident_id == inc_id)
                                .order_by(TimelineEntry.occurred_at)).all()
    return row, list(notes)


def test_the_last_title_wins_on_both_laptops_and_the_other_is_shown(team, tmp_path, clock):
    apply = default_applier()
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
    people.save(a, "Alice", "Bob", roles="incident_commander,administrator")
    inc = incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
    assert client.sync_once(a, apply, url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, apply, url=team.url("bob")).ok

    # Apart: both rename it, Bob a minute later; Alice also changes the impact, unopposed.
    incidents.update_incident(a, "Alice", inc.id, title="Checkout errors for card payments",
                              impact="partial_outage")
    clock.advance(timedelta(minutes=1))
    incidents.update_incident(b, "Bob", inc.id, title="Checkout down in the EU")
    for store in (a, b, a):
        assert client.sync_once(store, apply).ok

    for store in (a, b):
        row, notes = _incident(store, inc.id)
        assert row.title == "Checkout down in the EU"
        assert row.impact == "partial_outage"
        assert [n for n in notes if "at the same time" in n] == [
            "Alice changed the title at the same time: Checkout errors for card payments (not kept)"]
        assert integrity.check(store).ok
    assert apply_compare.differences(_state(a), _state(b)) == []

    # Seen, then changed: no conflict, and the later edit wins.
    clock.advance(timedelta(minutes=1))
    incidents.update_incident(a, "Alice", inc.id, title="Checkout down in the EU and the UK")
    for store in (a, b):
        assert client.sync_once(store, apply).ok
    row, notes = _incident(b, inc.id)
    assert row.title == "Checkout down in the EU and the UK"
    assert sum("at the same time" in n for n in notes) == 1


def test_an_edit_made_after_seeing_another_wins_even_on_a_slow_clock(tmp_path, memory_keyring):
    fast, slow = SimulatedClock(T0 + timedelta(minutes=10)), SimulatedClock(T0)
    a = Store.open(tmp_path / "a.db", clock=fast)
    b = Store.open(tmp_path / "b.db", clock=slow)
    try:
        people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
        people.save(a, "Alice", "Bob", roles="incident_commander,administrator")
        inc = incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
        incidents.update_incident(a, "Alice", inc.id, title="Checkout errors (fast clock)")
        out = tmp_path / "a.wrb"
        bundle.export(a, out)
        bundle.import_(b, out, signer=told(out))
        # Bob's laptop runs ten minutes behind, and Bob renames what he saw.
        incidents.update_incident(b, "Bob", inc.id, title="Checkout errors, seen and corrected")
        with b.read() as session:
            mine = session.scalars(select(JournalEvent).where(JournalEvent.device_id == b.device_id,
                                                              JournalEvent.kind == "incident.updated")).one()
            assert mine.at < fast.now()                       # by wall time it would lose
        back = tmp_path / "b.wrb"
        bundle.export(b, back, since={k: v for k, v in bundle.parse_heads(json.dumps(bundle.heads(a))).items()})
        bundle.import_(a, back, signer=told(back))
        for store in (a, b):
            row, notes = _incident(store, inc.id)
            assert row.title == "Checkout errors, seen and corrected"
            assert not any("at the same time" in n for n in notes)
            assert integrity.check(store).ok
        assert apply_compare.differences(_state(a), _state(b)) == []
    finally:
        a.close()
        b.close()


def test_concurrent_edits_applied_in_either_order_end_the_same(tmp_path, clock, memory_keyring):
    """Three laptops: C receives Bob's edit before Alice's, A and B each their own first."""
    a = Store.open(tmp_path / "a.db", clock=clock)
    stores = [a]
    try:
        people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
        people.save(a, "Alice", "Bob", roles="incident_commander,administrator")
        inc = incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
        base = tmp_path / "base.wrb"
        bundle.export(a, base)
        b, c = Store.open(tmp_path / "b.db", clock=clock), Store.open(tmp_path / "c.db", clock=clock)
        stores += [b, c]
        for store in (b, c):
            bundle.import_(store, base, signer=told(base))
        incidents.update_incident(b, "Bob", inc.id, title="Bob's title", components=["Payments"])
        clock.advance(timedelta(seconds=30))
        incidents.update_incident(a, "Alice", inc.id, title="Alice's title")
        from_a, from_b = tmp_path / "from-a.wrb", tmp_path / "from-b.wrb"
        bundle.export(a, from_a)
        bundle.export(b, from_b)
        for store, order in ((a, [from_b]), (b, [from_a]), (c, [from_b, from_a])):
            for path in order:
                bundle.import_(store, path, signer=told(path))
        states = [_state(s) for s in stores]
        assert apply_compare.differences(states[0], states[1]) == []
        assert apply_compare.differences(states[0], states[2]) == []
        row, notes = _incident(c, inc.id)
        assert (row.title, row.components) == ("Alice's title", ["Payments"])
        assert "Bob changed the title at the same time: Bob's title (not kept)" in notes
    finally:
        for store in stores:
            store.close()


def _two_laptops(team, tmp_path, clock):
    apply = default_applier()
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
    people.save(a, "Alice", "Bob", roles="incident_commander,administrator")
    inc = incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV3")
    assert client.sync_once(a, apply, url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, apply, url=team.url("bob")).ok
    return apply, a, b, inc


def test_severity_moved_on_two_laptops_at_once_ends_the_same_on_both(team, tmp_path, clock):
    apply, a, b, inc = _two_laptops(team, tmp_path, clock)
    incidents.set_severity(a, "Alice", inc.id, "SEV1", note="Every region")
    clock.advance(timedelta(minutes=1))
    incidents.set_severity(b, "Bob", inc.id, "SEV2", note="Europe only")
    for store in (a, b, a):
        assert client.sync_once(store, apply).ok
    for store in (a, b):
        row, notes = _incident(store, inc.id)
        assert row.severity == "SEV2", store.path.name              # Bob's, the later one
        assert [n for n in notes if "at the same time" in n] == [
            "Alice changed the severity at the same time: SEV1 (not kept)"]
        assert sum(n.startswith("Severity raised") for n in notes) == 2    # both moves stay on the record
        report = integrity.check(store)
        assert report.ok, (store.path.name, report.problems)
    assert apply_compare.differences(_state(a), _state(b)) == []
    # A move made after seeing the other: no conflict, and it wins everywhere.
    clock.advance(timedelta(minutes=1))
    incidents.set_severity(a, "Alice", inc.id, "SEV1")
    for store in (a, b):
        assert client.sync_once(store, apply).ok
    assert _incident(b, inc.id)[0].severity == "SEV1"
    assert sum("at the same time" in n for n in _incident(b, inc.id)[1]) == 1


def test_status_moved_on_two_laptops_at_once_ends_the_same_on_both(team, tmp_path, clock):
    apply, a, b, inc = _two_laptops(team, tmp_path, clock)
    # Bob's laptop clock is behind, but his move is made later: the stamp orders it after Alice's.
    incidents.set_status(a, "Alice", inc.id, "identified")
    clock.advance(timedelta(minutes=1))
    incidents.set_status(b, "Bob", inc.id, "mitigated")
    for store in (b, a, b):
        assert client.sync_once(store, apply).ok
    for store in (a, b):
        row, notes = _incident(store, inc.id)
        assert row.status == "mitigated", store.path.name
        assert [n for n in notes if "at the same time" in n] == [
            "Alice changed the status at the same time: Identified (not kept)"]
        assert integrity.check(store).ok
    assert apply_compare.differences(_state(a), _state(b)) == []

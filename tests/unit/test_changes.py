"""What a write changed, read from the journal events its transaction recorded:
the flags the window redraws from, for its own writes and for another program's."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from warroom.errors import WarroomError
from warroom.services import incidents, matrix, stakeholders, timeline
from warroom.store import Store
from warroom.changes import Change, change_of, changes_of, collect, heads, since


@pytest.fixture
def incident(store):
    return incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV2", category="application")


def test_a_log_entry_changes_the_timeline_only(store, incident):
    with collect() as seen:
        timeline.log(store, "Dana", incident.id, "Error rate at 38%", kind="note")
    assert seen.flags == Change.TIMELINE
    assert len(seen.events) == 1


def test_a_status_change_changes_the_incident_and_its_timeline(store, incident):
    with collect() as seen:
        incidents.set_status(store, "Dana", incident.id, "identified")
    assert seen.flags == Change.INCIDENTS | Change.TIMELINE


def test_the_register_and_the_matrix_have_their_own_flags(store):
    with collect() as seen:
        stakeholders.save(store, "Tess Tester", name="Acme Bank", kind="group", audience="customers",
                          email="ops@acme.example.com")
    assert seen.flags == Change.STAKEHOLDERS
    with collect() as seen:
        matrix.set_cell(store, "Tess Tester", "customers", "SEV1", cadence=timedelta(minutes=30))
    assert seen.flags == Change.MATRIX


def test_a_refused_write_changes_nothing(store, incident):
    with collect() as seen:
        with pytest.raises(WarroomError):
            timeline.log(store, "Dana", incident.id, "   ", kind="note")
    assert seen.flags == Change.NONE and not seen.events


def test_writes_outside_the_block_or_on_another_thread_are_not_counted(store, incident):
    with collect() as seen:
        worker = threading.Thread(target=lambda: timeline.log(store, "Dana", incident.id, "elsewhere"))
        worker.start()
        worker.join()
    timeline.log(store, "Dana", incident.id, "after")
    assert seen.flags == Change.NONE


def test_kinds_map_to_flags_and_an_unknown_kind_to_everything():
    assert change_of("update.published") & Change.DELIVERIES and change_of("update.published") & Change.TIMELINE
    assert change_of("delivery.dead") & Change.TIMELINE
    assert not change_of("delivery.retried") & Change.TIMELINE
    assert change_of("journal.signed_late") == Change.NONE
    assert changes_of(["channel.added", "person.added"]) == Change.CHANNELS | Change.PEOPLE
    assert change_of("something.new") == ~Change.NONE


def test_another_programs_writes_are_read_from_the_journal(store, db_path, clock, incident):
    marks = heads(store)
    other = Store.open(db_path, clock=clock)   # the command line, on the same file
    try:
        stakeholders.save(other, "Tess Tester", name="All staff", kind="group", audience="employees",
                          email="all@example.com")
        timeline.log(other, "Dana", incident.id, "Rolled back")
    finally:
        other.close()
    flags, marks = since(store, marks)
    assert flags == Change.STAKEHOLDERS | Change.TIMELINE
    assert since(store, marks)[0] == Change.NONE


def test_writes_the_reader_made_itself_can_be_left_out(store, incident):
    marks = heads(store)
    with collect() as mine:
        timeline.log(store, "Dana", incident.id, "mine")
    incidents.set_severity(store, "Dana", incident.id, "SEV1")      # not collected: "someone else"
    flags, _ = since(store, marks, skip=mine.events)
    assert flags == Change.INCIDENTS | Change.TIMELINE
    flags, _ = since(store, marks)
    assert flags == Change.INCIDENTS | Change.TIMELINE
    timeline.log(store, "Dana", incident.id, "x")
    marks2 = heads(store)
    with collect() as mine:
        timeline.log(store, "Dana", incident.id, "only mine")
    assert since(store, marks2, skip=mine.events)[0] == Change.NONE

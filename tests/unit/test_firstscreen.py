"""The window's first screen, read with plain sqlite3 before the ORM: the same rows
the services give, for the same viewer, and no SQLAlchemy import on the way."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.helpers.team import team
from warroom import firstscreen
from warroom.domain import EntryKind
from warroom.services import cadence, incidents, timeline
from warroom.services.incidents import IncidentView
from warroom.services.timeline import EntryView, TimelineQuery
from warroom.store.db import SCHEMA_HEAD


@pytest.fixture
def world(store, clock):
    """A closed register; a SEV1 with a long timeline (more than two model pages, an
    edited and a multi-line entry), a confidential SEV2, a resolved SEV3."""
    team(store)
    cadence.set_update_interval(store, "admin", "SEV1", timedelta(minutes=20))
    main = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1",
                                   components=["Checkout", "API"], customer_facing=True)
    start = clock.now()
    timeline.bulk_log(store, "Dana", main.id, ((EntryKind.NOTE, f"probe {i}", start + timedelta(seconds=i))
                                               for i in range(430)))
    clock.advance(timedelta(minutes=10))
    edited = timeline.log(store, "Dana", main.id, "first line\nsecond line", kind="decision")
    clock.advance(timedelta(minutes=1))
    timeline.edit(store, "Dana", edited.id, "first line\nsecond line, corrected")
    secret = incidents.open_incident(store, "Dana", title="Payroll export leak", severity="SEV2",
                                     confidential=True, category="security")
    old = incidents.open_incident(store, "Dana", title="Slow search", severity="SEV3")
    incidents.set_status(store, "Dana", old.id, "resolved", note="Index rebuilt.")
    return {"main": main, "secret": secret, "old": old}


def _as_dicts(rows) -> list[dict]:
    return [dataclasses.asdict(r) for r in rows]


@pytest.mark.parametrize("viewer", ["Dana", "Vic Viewer"])
def test_the_first_screen_is_what_the_services_show(world, store, db_path, viewer):
    screen = firstscreen.read(db_path, viewer)
    assert screen is not None
    expected = incidents.list_incidents(store, viewer=viewer)
    assert _as_dicts(screen.incidents) == _as_dicts(expected)
    assert (world["secret"].id in {i.id for i in screen.incidents}) == (viewer == "Dana")
    assert screen.incident.id == world["main"].id and screen.incident.next_update_due is not None

    query = TimelineQuery(store, world["main"].id, viewer=viewer)
    assert screen.count == query.count() == 432
    # From a page boundary, at least a page before the end: what the model needs at the end.
    assert screen.first % firstscreen.PAGE == 0 and screen.count - screen.first >= firstscreen.PAGE
    assert _as_dicts(screen.entries) == _as_dicts(query.page(screen.first, screen.count - screen.first))
    assert screen.entries[-1].edited_at is not None and "\n" in screen.entries[-1].text


def test_row_shapes_are_the_services_own():
    from warroom import views

    # one incident view, and with it one confidentiality rule, whoever reads
    assert firstscreen.IncidentView is IncidentView is views.IncidentView
    assert [(f.name, f.type) for f in dataclasses.fields(firstscreen.EntryView)] == \
        [(f.name, f.type) for f in dataclasses.fields(EntryView)]
    assert firstscreen.schema_head() == SCHEMA_HEAD


def test_a_short_timeline_and_an_open_register(store, db_path):
    inc = incidents.open_incident(store, "anyone", title="Login slow", severity="SEV3")
    screen = firstscreen.read(db_path, "anyone")
    assert screen is not None and (screen.first, screen.count) == (0, 1)
    assert screen.entries[0].kind == EntryKind.STATUS_CHANGE and screen.entries[0].incident_id == inc.id


def test_it_leaves_to_the_store_what_it_is_not_sure_of(world, store, db_path, tmp_path):
    assert firstscreen.read(db_path, "Somebody Unknown") is None        # the store refuses them, with words
    assert firstscreen.read(tmp_path / "missing.db", "Dana") is None
    assert not (tmp_path / "missing.db").exists()                         # and nothing was created
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    assert firstscreen.read(other, "Dana") is None
    (tmp_path / "text.db").write_text("not a database")
    assert firstscreen.read(tmp_path / "text.db", "Dana") is None
    with sqlite3.connect(db_path) as con:                                 # an older (or newer) schema
        con.execute("UPDATE alembic_version SET version_num = '0001'")
    assert firstscreen.read(db_path, "Dana") is None


def test_no_incidents_yet(store, db_path):
    screen = firstscreen.read(db_path, "anyone")
    assert screen is not None and screen.incidents == [] and screen.incident is None


def test_reading_the_first_screen_imports_no_sqlalchemy(world, db_path):
    code = ("import json, sys\n"
            "from warroom import firstscreen\n"
            f"screen = firstscreen.read({str(db_path)!r}, 'Dana')\n"
            "print(json.dumps([screen.count, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'alembic', 'PySide6'))]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    count, heavy = json.loads(out.stdout)
    assert count == 432 and heavy == []



@pytest.mark.parametrize("viewer", ["Dana", "Vic Viewer"])
@pytest.mark.parametrize("flags", [(), ("--active",), ("--json",), ("--active", "--json")])
def test_incident_list_reads_quickly_what_the_store_gives(world, store, db_path, cli, monkeypatch, viewer, flags):
    """``incident list`` answers from plain sqlite3; its words are the store's, to the byte."""
    from warroom.cli import quick

    quick_run = cli("--as", viewer, "incident", "list", *flags)
    monkeypatch.setattr(quick, "incident_list", lambda db, args, out: None)   # as if it were not sure
    store_run = cli("--as", viewer, "incident", "list", *flags)
    assert quick_run == store_run and quick_run[0] == 0
    assert ("Payroll export leak" in quick_run[1]) == (viewer == "Dana")     # confidential: its people only
    assert ("Slow search" in quick_run[1]) == ("--active" not in flags)


def test_incident_list_leaves_to_the_store_what_it_is_not_sure_of(world, db_path, cli):
    code, out, err = cli("--as", "Somebody Unknown", "incident", "list")
    assert code == 3 and "not in the people register" in err and out == ""
    with sqlite3.connect(db_path) as con:                                 # an older schema: the store upgrades
        con.execute("UPDATE alembic_version SET version_num = '0020'")
    assert firstscreen.incidents(db_path, "Dana") is None


def test_incident_list_imports_no_sqlalchemy(world, db_path):
    code = ("import sys\n"
            "from warroom.cli.app import main\n"
            f"code = main(['--db', {str(db_path)!r}, '--as', 'Dana', 'incident', 'list'])\n"
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "Checkout failing" in out.stdout and out.stdout.strip().endswith("0 []")

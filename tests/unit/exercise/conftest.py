"""What the exercise tests share: a scenario on disk, a facilitator, the journal of one incident."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.fakes.keyrings import memory_keyring as make_memory_keyring
from warroom import demo
from warroom.app import open_store
from warroom.store.models import JournalEvent

SCENARIOS = Path(__file__).resolve().parents[3] / "resources" / "scenarios"
FACILITATOR = "Fran Facilitator"

#: A small scenario: three injects at 5, 10 and 20 minutes, one of each kind that touches the tables.
SMALL = """
[scenario]
name = "Small drill"
speed = 60

[incident]
title = "Checkout slow"
severity = "SEV3"
category = "application"
commander = "Alex Rivera"
detected_before = "4m"

[[people]]
name = "Alex Rivera"
roles = ["incident_commander"]

[[people]]
name = "Priya Nair"
roles = ["technical_reviewer"]

[[channels]]
name = "drill-mail"
kind = "email"
config = { host = "smtp.example.com", from_addr = "status@example.com" }

[[injects]]
at = "5m"
kind = "log"
text = "Error rate at 12 %."

[[injects]]
at = "10m"
kind = "channel_down"
channel = "drill-mail"

[[injects]]
at = "20m"
kind = "severity"
to = "SEV2"
text = "Checkout fails for a third of the customers."

[targets]
first_update = "15m"
"""


@pytest.fixture
def ex_store(db_path, clock, memory_keyring):
    s = open_store(db_path, clock=clock)
    yield s
    s.close()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """One demo database for the module (real channels, a matrix, people and
    stakeholders); each test plays on a copy of it (:func:`demo_store`)."""
    import keyring

    from warroom.clock import SystemClock

    previous = keyring.get_keyring()
    keyring.set_keyring(make_memory_keyring())
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(path, clock=SystemClock())
    try:
        demo.create(store)
    finally:
        store.close()
        keyring.set_keyring(previous)
    return path


@pytest.fixture
def demo_store(demo_file, tmp_path, clock, memory_keyring):
    path = tmp_path / "copy.db"
    shutil.copy(demo_file, path)
    s = open_store(path, clock=clock)
    yield s
    s.close()


def incident_events(store, incident_id) -> list[tuple[str, object, dict]]:
    """(kind, at, payload) of every event of one incident, in the journal's order."""
    with store.read() as session:
        rows = session.scalars(select(JournalEvent).where(JournalEvent.incident_id == incident_id)
                               .order_by(JournalEvent.seq)).all()
        return [(r.kind, r.at, json.loads(r.payload)) for r in rows]

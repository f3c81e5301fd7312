"""The permission table, row by row, at the service level: for every action, every
role the table allows does it through the service, and every other role (and a
name not in the register) is refused with the role needed, the database unchanged.

A new caller (command line, window, team sync, an inbound feed) goes through these
same services, so it cannot skip a row."""

from __future__ import annotations

import base64
import shutil
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from warroom.app import open_store
from warroom.domain import Role
from warroom.errors import NotFound, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import (
    audit, cadence, channels, drafts, followups, incidents, matrix, outbox, people, publishing, review, review_rules, settings, stakeholders, templates, timeline,
    trust,
)
from warroom.services.access import PERMISSIONS, Action
from warroom.store.models import JournalEvent

#: The table as the README prints it. A change to the table must change this too.
EXPECTED: dict[Action, set[str]] = {
    Action.READ: {"commander", "ic", "tech", "comms", "legal", "owner", "admin", "viewer"},
    Action.DECLARE: {"commander", "ic", "tech", "owner"},
    Action.STATUS: {"commander", "ic"},
    Action.LOG: {"commander", "ic", "tech", "comms", "legal", "owner"},
    Action.EDIT_INCIDENT: {"commander", "ic"},
    Action.MEMBERS: {"commander", "ic"},
    Action.COMPOSE: {"commander", "ic", "tech", "comms", "owner"},
    Action.REVIEW: {"tech", "comms", "legal"},
    Action.OVERRIDE: {"commander"},
    Action.PUBLISH: {"commander", "comms", "owner"},
    Action.RETRACT: {"commander", "owner"},
    Action.DELIVERIES: {"commander", "ic", "owner"},
    Action.ARCHIVE: {"commander", "ic", "legal", "owner"},
    Action.TRUST: {"legal", "admin"},
    Action.PREAPPROVE: {"comms", "legal"},
    Action.TEMPLATES: {"admin", "owner"},
    Action.STAKEHOLDERS: {"admin", "owner"},
    Action.PEOPLE: {"admin"},
    Action.REVIEW_POLICY: {"admin"},
    Action.CADENCE: {"admin"},
    Action.MATRIX: {"admin"},
    Action.CHANNELS: {"admin"},
    Action.SETTINGS: {"admin"},
    Action.EXERCISE: {"commander", "ic", "admin"},
    Action.FOLLOWUPS: {"commander", "ic", "owner"},
    Action.SOURCES: {"admin"},
    Action.COMPONENTS: {"commander", "ic", "owner"},
}

#: Who plays which part: name -> roles. "commander" commands the incident; "ic"
#: holds the same role but commands another one.
PEOPLE = {
    "commander": "incident_commander",
    "ic": "incident_commander",
    "tech": "technical_reviewer",
    "comms": "comms_reviewer",
    "legal": "legal_reviewer",
    "owner": "communications_owner",
    "admin": "administrator",
    "viewer": "viewer",
}
ACTORS = list(PEOPLE) + ["stranger"]


def test_the_table_is_the_one_the_readme_prints():
    own = {a for a, rule in PERMISSIONS.items() if rule.own_commander}
    for action, rule in PERMISSIONS.items():
        allowed = {name for name, role in PEOPLE.items() if Role(role) in rule.roles}
        if action in own:
            allowed.add("commander")
        if Role.INCIDENT_COMMANDER in rule.roles:
            allowed.add("commander")
        assert allowed == EXPECTED[action], action
    assert set(PERMISSIONS) == set(Action)
    # Viewers only read.
    assert [a for a, rule in PERMISSIONS.items() if Role.VIEWER in rule.roles] == [Action.READ]


@dataclass
class World:
    store: object
    ref: str
    draft_id: object       # in review, every review asked for (a security incident)
    approved_id: object    # approved: publishable
    delivery_id: object    # queued


@pytest.fixture(scope="module")
def template_db(tmp_path_factory, memory_keyring_module):
    """One database with the cast, an incident and updates in every state, copied per test."""
    from warroom.clock import SimulatedClock
    from tests.conftest import T0

    path = tmp_path_factory.mktemp("access") / "world.db"
    store = open_store(path, clock=SimulatedClock(T0))
    people.save(store, SYSTEM, "first admin")
    for name, roles in PEOPLE.items():
        people.save(store, "first admin", name, roles=roles)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(path.parent / "site")})
    matrix.set_cell(store, "admin", "customers", "all", channels="site")
    inc = incidents.open_incident(store, "commander", title="Card data exposure", severity="SEV2",
                                  category="security")
    d = drafts.compose_drafts(store, "owner", inc.id, ["customers"])[0]
    review.submit(store, "owner", d.id)
    a = drafts.compose_drafts(store, "owner", inc.id, ["customers"])[0]
    review.submit(store, "owner", a.id)
    review.override(store, "commander", a.id, "Legal is in court")
    p = drafts.compose_drafts(store, "owner", inc.id, ["customers"])[0]
    review.submit(store, "owner", p.id)
    review.override(store, "commander", p.id, "Legal is in court")
    publishing.publish(store, "commander", p.id)
    delivery = outbox.list_deliveries(store, viewer=SYSTEM, incident_id=inc.id)[0]
    store.close()
    return path, inc.ref, d.id, a.id, delivery.id


@pytest.fixture(scope="module")
def memory_keyring_module():
    import keyring

    from tests.fakes.keyrings import memory_keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(memory_keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def world(template_db, tmp_path, clock):
    path, ref, draft_id, approved_id, delivery_id = template_db
    copy = tmp_path / "world.db"
    shutil.copy(path, copy)
    store = open_store(copy, clock=clock)
    yield World(store, ref, draft_id, approved_id, delivery_id)
    store.close()


def _events(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(JournalEvent))


#: One call of the service per action, as ``actor``.
def _do(action: Action, w: World, actor: str, tmp_path):
    s, ref = w.store, w.ref
    if action is Action.READ:
        return timeline.entries(s, ref, viewer=actor)
    if action is Action.DECLARE:
        return incidents.open_incident(s, actor, title="Login slow", severity="SEV3", commander="commander")
    if action is Action.STATUS:
        return incidents.set_status(s, actor, ref, "identified")
    if action is Action.LOG:
        return timeline.log(s, actor, ref, "Rotated the exposed keys", kind="action")
    if action is Action.EDIT_INCIDENT:
        return incidents.update_incident(s, actor, ref, impact="full_outage")
    if action is Action.MEMBERS:
        return incidents.set_members(s, actor, ref, add=["viewer"])
    if action is Action.COMPOSE:
        return drafts.compose_drafts(s, actor, ref, ["employees"])
    if action is Action.REVIEW:
        return review.decide(s, actor, w.draft_id, "approve")
    if action is Action.OVERRIDE:
        return review.override(s, actor, w.draft_id, "No time to wait")
    if action is Action.PUBLISH:
        return publishing.publish(s, actor, w.approved_id)
    if action is Action.RETRACT:
        pytest.skip("retraction has its own tests")
    if action is Action.DELIVERIES:
        return outbox.cancel(s, actor, w.delivery_id)
    if action is Action.ARCHIVE:
        return audit.export(s, actor, ref, tmp_path / "archive.zip")
    if action is Action.TRUST:
        return trust.trust(s, actor, base64.b64encode(b"\x07" * 32).decode(), "Legal's laptop")
    if action is Action.PREAPPROVE:
        pytest.skip("template pre-approval has its own tests")
    if action is Action.TEMPLATES:
        t = templates.get(s, "any-customers-update", "en")
        return templates.save(s, actor, **{**t.as_dict(), "long": t.long + "\nThank you."})
    if action is Action.STAKEHOLDERS:
        return stakeholders.save(s, actor, name="Acme GmbH", audience="customers", email="it@acme.example")
    if action is Action.PEOPLE:
        return people.save(s, actor, "New Hire", roles="technical_reviewer")
    if action is Action.REVIEW_POLICY:
        return review_rules.set_window(s, actor, "SEV1", timedelta(minutes=5))
    if action is Action.CADENCE:
        return cadence.set_update_interval(s, actor, "SEV1", timedelta(minutes=15))
    if action is Action.MATRIX:
        return matrix.set_cell(s, actor, "employees", "SEV1", channels="site")
    if action is Action.CHANNELS:
        return channels.add(s, actor, "site2", "sitepage", {"out_dir": str(tmp_path / "site2")})
    if action is Action.SETTINGS:
        return settings.set_org(s, actor, name="Example Corp")
    if action is Action.EXERCISE:
        from warroom.exercise import run, scenario

        return run.start(s, actor, scenario.parse('[scenario]\nname = "Drill"\n[incident]\ntitle = "Drill"\n'
                                                  'severity = "SEV3"\ncommander = "commander"\n'))
    if action is Action.FOLLOWUPS:
        return followups.add_followup(s, actor, ref, "Alert on expiring certificates", owner="tech", due="2026-12-20")
    if action is Action.SOURCES:
        from warroom.inbound import sources

        return sources.add(s, actor, "pd", "pagerduty", secret="signing-secret")
    if action is Action.COMPONENTS:
        from warroom.services import components

        return components.set_status(s, actor, "Checkout", "major_outage")
    raise AssertionError(f"no call for {action}")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name.lower())
def test_every_row_of_the_table_holds_in_the_service(world, action, actor, tmp_path):
    allowed = actor in EXPECTED[action]
    before = _events(world.store)
    if allowed:
        _do(action, world, actor, tmp_path)
        return
    with pytest.raises((NotPermitted, NotFound)) as caught:
        _do(action, world, actor, tmp_path)
    assert _events(world.store) == before, "a refused action changed the database"
    if isinstance(caught.value, NotPermitted):
        assert caught.value.exit_code == 3
        if actor == "stranger":
            assert "not in the people register" in str(caught.value)
        else:
            # The refusal names who may, e.g. "Only an administrator may change the stakeholder matrix".
            assert str(caught.value).startswith(("Only ", f"{actor} cannot decide")), str(caught.value)


def test_a_confidential_incident_is_refused_to_everyone_outside_it_whatever_their_role(world):
    incidents.update_incident(world.store, "commander", world.ref, confidential=True)
    for actor in ("ic", "admin", "tech", "owner"):
        with pytest.raises(NotFound):
            incidents.get(world.store, world.ref, viewer=actor)
        with pytest.raises(NotFound):
            timeline.log(world.store, actor, world.ref, "peek")
        assert world.ref not in {i.ref for i in incidents.list_incidents(world.store, viewer=actor)}
        assert all(d.incident_id != incidents.get(world.store, world.ref, viewer=SYSTEM).id
                   for d in outbox.list_deliveries(world.store, viewer=actor))
    incidents.set_members(world.store, "commander", world.ref, add=["tech"])
    timeline.log(world.store, "tech", world.ref, "Member now")


def test_a_journal_write_without_a_permission_check_is_impossible(store):
    """The gate's own guard: a service that forgets the check cannot journal."""
    with pytest.raises(RuntimeError, match="without a permission check"):
        with store.write("Somebody") as tx:
            tx.record("incident.opened", {"title": "sneaked in"})
    with store.write(SYSTEM) as tx:  # the program's own work needs none
        tx.record("test.system", {})


def test_while_the_register_is_empty_anyone_may_but_confidentiality_holds(store):
    inc = incidents.open_incident(store, "Ana", title="Breach", severity="SEV1", confidential=True)
    with pytest.raises(NotFound):
        incidents.get(store, inc.ref, viewer="Bob")
    incidents.set_status(store, "Ana", inc.ref, "identified")


def test_the_readme_prints_this_table():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for action, rule in PERMISSIONS.items():
        line = next((row for row in readme.splitlines() if row.startswith(f"| {action.label} |")), None)
        assert line is not None, f"README: no row for {action.label!r}"
        marks = [cell.strip() == "✓" for cell in line.strip("|").split("|")[1:]]
        expected = [rule.own_commander] + [role in rule.roles for role in Role]
        assert marks == expected, f"README row for {action.label!r} differs from the table in the core"

"""People: roles, validated e-mail, backups, availability, and the register's rules."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from warroom.domain import Role
from warroom.errors import InputError, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import incidents, people


@pytest.fixture
def admin(store):
    """The first person: commander and administrator, as the first always is."""
    people.save(store, SYSTEM, "admin")
    return "admin"


def test_add_change_and_availability(store, clock, admin):
    people.save(store, admin, "Mia Lindqvist", email="mia@example.com", roles="comms_reviewer")
    p = people.save(store, admin, "Ravi Shah", email="Ravi.Shah@Example.com", roles=["technical_reviewer"],
                    backups=None)
    assert p.roles == (Role.TECHNICAL_REVIEWER,) and p.email == "Ravi.Shah@example.com"
    p = people.save(store, admin, "Ravi Shah", backups={"technical_reviewer": "Mia Lindqvist"},
                    availability="until", available_until=clock.now() + timedelta(hours=1))
    assert p.backups == {"technical_reviewer": "Mia Lindqvist"}
    assert p.available(clock.now()) and not p.available(clock.now() + timedelta(hours=2))
    assert [x.name for x in people.list_people(store)] == ["admin", "Mia Lindqvist", "Ravi Shah"]
    assert people.get(store, "Ravi  Shah").email == "Ravi.Shah@example.com"


@pytest.mark.parametrize("kwargs, message", [
    (dict(email="not-an-address"), "not an e-mail address"),
    (dict(roles="wizard"), "Unknown role"),
    (dict(roles="viewer,comms_reviewer"), "viewer only reads"),
    (dict(backups={"technical_reviewer": "Nobody Known"}), "not known yet"),
    (dict(backups={"incident_commander": "Mia Lindqvist"}), "review roles"),
    (dict(backups={"comms_reviewer": "Ana Ng"}), "own backup"),
    (dict(availability="until"), "until when"),
])
def test_bad_people_are_refused(store, admin, kwargs, message):
    people.save(store, admin, "Mia Lindqvist", roles="comms_reviewer")
    with pytest.raises(InputError, match=message) as caught:
        people.save(store, admin, "Ana Ng", **kwargs)
    assert caught.value.field in ("email", "roles", "backups", "availability", "available_until", None)
    assert [p.name for p in people.list_people(store)] == ["admin", "Mia Lindqvist"]


def test_the_first_person_is_commander_and_administrator(store):
    first = people.save(store, "whoever typed it", "Dana Okafor", roles="comms_reviewer")
    assert set(first.roles) == {Role.INCIDENT_COMMANDER, Role.ADMINISTRATOR, Role.COMMS_REVIEWER}
    # From now on only people in the register act, and only administrators change people.
    with pytest.raises(NotPermitted, match="not in the people register"):
        people.save(store, "whoever typed it", "Eve", roles="incident_commander")
    with pytest.raises(NotPermitted, match="not in the people register"):
        incidents.open_incident(store, "Eve", title="Checkout failing", severity="SEV1")
    people.save(store, "Dana Okafor", "Mia Lindqvist", roles="comms_reviewer")
    with pytest.raises(NotPermitted, match="administrator") as caught:
        people.save(store, "Mia Lindqvist", "Mia's friend", roles="incident_commander")
    assert caught.value.exit_code == 3 and caught.value.field == "actor"
    assert [p.name for p in people.list_people(store)] == ["Dana Okafor", "Mia Lindqvist"]


def test_nobody_changes_their_own_roles_and_the_last_administrator_stays(store, admin):
    people.save(store, admin, "Ravi Shah", roles="technical_reviewer")
    with pytest.raises(NotPermitted, match="own roles"):
        people.save(store, admin, "admin", roles="incident_commander")
    with pytest.raises(NotPermitted, match="Only an administrator may change people"):
        people.save(store, "Ravi Shah", "Ravi Shah", roles="administrator")
    people.save(store, admin, "Ravi Shah", roles="technical_reviewer,administrator")
    # Now there are two: Ravi may take admin's role away, but not the other way round afterwards.
    people.save(store, "Ravi Shah", "admin", roles="incident_commander")
    assert Role.ADMINISTRATOR not in people.get(store, "admin").roles
    people.save(store, "Ravi Shah", "Mia Lindqvist", roles="administrator")
    people.save(store, "Mia Lindqvist", "Ravi Shah", roles="technical_reviewer")
    with pytest.raises(NotPermitted, match="last administrator"):
        people.save(store, SYSTEM, "Mia Lindqvist", roles="comms_reviewer")
    assert Role.ADMINISTRATOR in people.get(store, "Mia Lindqvist").roles


def test_anyone_says_when_they_can_be_reached_but_changes_nothing_else_of_theirs(store, admin, clock):
    people.save(store, admin, "Ravi Shah", roles="technical_reviewer")
    p = people.save(store, "Ravi Shah", "Ravi Shah", availability="off_duty")
    assert not p.available(clock.now())
    with pytest.raises(NotPermitted):
        people.save(store, "Ravi Shah", "Ravi Shah", email="ravi@example.com")


def test_backups_are_merged_not_replaced(store, admin):
    for name, roles in (("Ravi Shah", "technical_reviewer,comms_reviewer"), ("Tom Berg", "technical_reviewer"),
                        ("Mia Lindqvist", "comms_reviewer")):
        people.save(store, admin, name, roles=roles)
    people.save(store, admin, "Ravi Shah", backups={"technical_reviewer": "Tom Berg"})
    p = people.save(store, admin, "Ravi Shah", backups={"comms_reviewer": "Mia Lindqvist"})
    assert p.backups == {"technical_reviewer": "Tom Berg", "comms_reviewer": "Mia Lindqvist"}
    p = people.save(store, admin, "Ravi Shah", backups={"technical_reviewer": ""})
    assert p.backups == {"comms_reviewer": "Mia Lindqvist"}


@pytest.mark.parametrize("name", ["system", "Dispatcher"])
def test_the_programs_own_names_are_not_for_people(store, name):
    with pytest.raises(InputError, match="records its own work"):
        people.save(store, SYSTEM, name)
    assert people.list_people(store) == []


def test_people_from_the_command_line(cli):
    # Tess Tester (WARROOM_USER) adds herself first: commander and administrator.
    code, out, _ = cli("person", "add", "Tess Tester", "--json")
    assert code == 0 and set(json.loads(out)["roles"]) == {"incident_commander", "administrator"}
    assert cli("person", "add", "Mia Lindqvist", "--roles", "comms_reviewer", "--email", "mia@example.com")[0] == 0
    code, out, _ = cli("person", "add", "Ravi Shah", "--roles", "technical_reviewer,incident_commander",
                       "--backup", "technical_reviewer=Mia Lindqvist", "--until", "2h", "--json")
    assert code == 0 and json.loads(out)["backups"] == {"technical_reviewer": "Mia Lindqvist"}
    code, out, _ = cli("person", "list")
    assert "Ravi Shah" in out and "available" in out
    code, _, err = cli("person", "set", "Ravi Shah", "--backup", "technical_reviewer")
    assert code == 2 and "ROLE=NAME" in err
    code, _, err = cli("person", "add", "X", "--email", "x@")
    assert code == 2 and "not an e-mail address" in err
    code, _, err = cli("person", "set", "Mia Lindqvist", "--roles", "administrator", "--as", "Mia Lindqvist")
    assert code == 3 and "administrator" in err

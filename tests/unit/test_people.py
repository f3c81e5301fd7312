"""People: roles, validated e-mail, backups, availability."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from warroom.domain import Role
from warroom.errors import InputError
from warroom.services import people


def test_add_change_and_availability(store, clock):
    people.save(store, "admin", "Mia Lindqvist", email="mia@example.com", roles="comms_reviewer")
    p = people.save(store, "admin", "Ravi Shah", email="Ravi.Shah@Example.com", roles=["technical_reviewer"],
                    backups=None)
    assert p.roles == (Role.TECHNICAL_REVIEWER,) and p.email == "Ravi.Shah@example.com"
    p = people.save(store, "admin", "Ravi Shah", backups={"technical_reviewer": "Mia Lindqvist"},
                    availability="until", available_until=clock.now() + timedelta(hours=1))
    assert p.backups == {"technical_reviewer": "Mia Lindqvist"}
    assert p.available(clock.now()) and not p.available(clock.now() + timedelta(hours=2))
    assert [x.name for x in people.list_people(store)] == ["Mia Lindqvist", "Ravi Shah"]
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
def test_bad_people_are_refused(store, kwargs, message):
    people.save(store, "admin", "Mia Lindqvist", roles="comms_reviewer")
    with pytest.raises(InputError, match=message):
        people.save(store, "admin", "Ana Ng", **kwargs)
    assert [p.name for p in people.list_people(store)] == ["Mia Lindqvist"]


def test_people_from_the_command_line(cli):
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

"""The stakeholder register: validated contacts, CSV in and out, the validation report."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from warroom.app import open_store
from warroom.errors import InputError
from warroom.services import stakeholders


@pytest.fixture
def full(db_path, clock):
    s = open_store(db_path, clock=clock)
    yield s
    s.close()


def test_contacts_are_validated_and_normalised(full):
    s = stakeholders.save(full, "Mia", name="Acme Bank", kind="group", audience="customers",
                          email="Ops@ACME-bank.example.com", phone="030 1234567", region="DE",
                          timezone="Europe/Berlin", locale="de_DE")
    assert s.phone == "+49301234567" and s.email == "Ops@acme-bank.example.com" and s.external
    with pytest.raises(InputError, match="not a phone number|not a valid phone"):
        stakeholders.save(full, "Mia", name="X", audience="customers", phone="12")
    with pytest.raises(InputError, match="not an e-mail"):
        stakeholders.save(full, "Mia", name="X", audience="customers", email="x@")
    with pytest.raises(InputError, match="unknown audience"):
        stakeholders.save(full, "Mia", name="X", audience="martians")


CSV = """name,audience,email,phone,timezone,verified_at
Acme Bank,customers,ops@acme.example.com,+44 20 7946 0958,Europe/London,2026-11-01T00:00Z
All staff,employees,all@example.com,,,
"""


def test_csv_round_trip_and_a_bad_file_imports_nothing(full, tmp_path):
    assert stakeholders.import_csv(full, "Mia", CSV) == 2
    exported = stakeholders.export_csv(full)
    assert "+442079460958" in exported and "Acme Bank" in exported
    bad = CSV + "Broken,customers,not-an-address,,,\n"
    with pytest.raises(InputError, match="line 4 \\(Broken\\)"):
        stakeholders.import_csv(full, "Mia", bad.replace("Acme Bank", "Acme Two").replace("All staff", "Staff2"))
    assert {s.name for s in stakeholders.list_stakeholders(full)} == {"Acme Bank", "All staff"}


def test_validation_report(full, clock):
    stakeholders.import_csv(full, "Mia", CSV)
    stakeholders.save(full, "Mia", name="Regulator", audience="regulators", slack="@reg")
    clock.advance(timedelta(days=100))
    report = stakeholders.validate(full)
    assert not report.ok
    assert any("Regulator" in m and "no e-mail or phone" in m for m in report.missing)
    assert any("Acme Bank: contacts last verified 2026-11-01" in m for m in report.stale)
    assert any("All staff: contacts never verified" in m for m in report.stale)
    assert report.invalid == []


def test_the_report_names_stored_contacts_that_no_longer_pass(full):
    from sqlalchemy import update

    from warroom.store.models import Stakeholder

    stakeholders.save(full, "Mia", name="Old Row", audience="customers", email="ok@example.com",
                      phone="+49 30 1234567", verified_at=full.clock.now())
    with full.write("by hand") as tx:   # written by an older version, or edited outside the app
        tx.session.execute(update(Stakeholder).values(email="not-an-address", phone="030 1234567",
                                                      timezone="Mars/Olympus"))
    report = stakeholders.validate(full)
    assert not report.ok
    assert [m.split(":")[1].strip().split(" ")[0] for m in report.invalid] == ["e-mail", "phone", "time"]


def test_stakeholders_on_the_command_line(cli, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(CSV, encoding="utf-8")
    code, out, _ = cli("stakeholder", "import", str(path))
    assert code == 0 and "Imported 2" in out
    code, out, _ = cli("stakeholder", "list", "--json")
    assert {s["name"] for s in json.loads(out)} == {"Acme Bank", "All staff"}
    code, out, _ = cli("stakeholder", "validate")
    assert code == 1 and "never verified" in out
    code, _, err = cli("stakeholder", "add", "Bad", "--audience", "customers", "--phone", "abc")
    assert code == 2 and "phone" in err


VCARDS = """BEGIN:VCARD
VERSION:3.0
FN:Jane Roe
EMAIL;TYPE=work:jane@acme.example.com
TEL;TYPE=cell:+1 415 555 0100
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Max Muster
TEL:030 1234567
END:VCARD
"""


def test_vcard_import(full):
    assert stakeholders.import_vcard(full, "Mia", VCARDS, audience="partners", region="DE") == 2
    jane = stakeholders.get(full, "Jane Roe")
    assert jane.phone == "+14155550100" and jane.audience == "partners" and jane.external
    assert stakeholders.get(full, "Max Muster").phone == "+49301234567"
    with pytest.raises(InputError, match="no name"):
        stakeholders.import_vcard(full, "Mia", "BEGIN:VCARD\nVERSION:3.0\nEMAIL:a@b.example.com\nEND:VCARD\n",
                                  audience="partners")
    with pytest.raises(InputError, match="cannot be read"):
        stakeholders.import_vcard(full, "Mia", "BEGIN:VCARD\nthis is not a card", audience="partners")

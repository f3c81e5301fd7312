"""Imports name every bad row at once (row, field, message) and write nothing
when any row is bad."""

from __future__ import annotations

import json
import sqlite3

CSV = """name,audience,email,phone,timezone
Acme Bank,customers,it@acme.example,,Europe/Berlin
Broken,customers,not-an-address,,Europe/Berlin
Globex,martians,ops@globex.example,,
Initech,customers,it@initech.example,,Mars/Olympus
Acme Bank,customers,other@acme.example,,
Twice Bad,customers,nope,12,Nowhere/Else
"""


def _stakeholders(db_path) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute("SELECT count(*) FROM stakeholder").fetchone()[0]
    finally:
        con.close()


def test_every_bad_row_is_named_and_nothing_is_written(cli, db_path, tmp_path):
    assert cli("init")[0] == 0
    assert cli("person", "add", "Tess Tester")[0] == 0
    f = tmp_path / "people.csv"
    f.write_text(CSV, encoding="utf-8")
    code, _, err = cli("stakeholder", "import", str(f))
    assert code == 2
    assert "5 bad lines; nothing was imported" in err
    for needle in ("line 3 (Broken)", "line 4 (Globex): unknown audience 'martians'", "line 5 (Initech)",
                   "line 6: 'Acme Bank' appears twice (also line 2)", "line 7 (Twice Bad)"):
        assert needle in err
    assert err.count("line 7") == 3  # e-mail, phone and time zone of one row, each named
    assert _stakeholders(db_path) == 0

    code, _, err = cli("--json", "stakeholder", "import", str(f))
    rows = json.loads(err)["rows"]
    assert {(r["row"], r["field"]) for r in rows} >= {(3, "email"), (4, "audience"), (5, "timezone"), (6, "name"),
                                                     (7, "email"), (7, "phone"), (7, "timezone")}
    assert _stakeholders(db_path) == 0


def test_bad_vcards_are_numbered_as_cards(cli, db_path, tmp_path):
    assert cli("init")[0] == 0
    assert cli("person", "add", "Tess Tester")[0] == 0
    f = tmp_path / "book.vcf"
    f.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Good One\nEMAIL:good@example.com\nEND:VCARD\n"
                 "BEGIN:VCARD\nVERSION:3.0\nFN:Bad One\nEMAIL:bad@@example\nEND:VCARD\n", encoding="utf-8")
    code, _, err = cli("stakeholder", "import", str(f), "--audience", "customers")
    assert code == 2 and "card 2 (Bad One)" in err and "1 bad card" in err
    assert _stakeholders(db_path) == 0


def test_bad_templates_are_all_named(cli, tmp_path):
    assert cli("init")[0] == 0
    assert cli("person", "add", "Tess Tester")[0] == 0
    f = tmp_path / "t.toml"
    f.write_text('[[template]]\nname = "one"\ncategory = "nope"\naudience = "customers"\nphase = "update"\n'
                 'subject = "s"\nlong = "x"\n\n'
                 '[[template]]\nname = "two"\ncategory = "network"\naudience = "martians"\nphase = "update"\n'
                 'subject = "s"\nlong = "x"\n', encoding="utf-8")
    code, _, err = cli("template", "import", str(f))
    assert code == 2 and "2 bad templates" in err
    assert "template 1" in err and "template 2" in err

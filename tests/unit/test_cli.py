"""``warroom-cli``: the commands, their output, exit codes and bad input."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.helpers.team import team_file


def test_version_and_help(cli):
    code, out, _ = cli("--version", db=False)
    assert code == 0 and "warroom 0." in out
    code, _, err = cli(db=False)
    assert code == 2 and "COMMAND" in err


def test_db_from_environment(cli, tmp_path, monkeypatch):
    path = tmp_path / "env.db"
    monkeypatch.setenv("WARROOM_DB", str(path))
    code, out, _ = cli("init", db=False)
    assert code == 0 and str(path) in out and path.exists()


def test_a_session_from_the_command_line(cli):
    code, out, _ = cli("incident", "open", "Checkout failing", "--severity", "SEV2", "--category", "application",
                       "--components", "Checkout,Payments", "--customer-facing", "--json")
    assert code == 0
    inc = json.loads(out)
    assert inc["ref"] == "INC-1" and inc["severity"] == "SEV2" and inc["components"] == ["Checkout", "Payments"]
    assert inc["commander"] == "Tess Tester"
    assert cli("log", "INC-1", "Rolled back the deploy", "--kind", "action")[0] == 0
    assert cli("log", "1", "Vendor confirms", "--kind", "external", "--at", "1m ago", "--as", "Ravi")[0] == 0
    assert cli("incident", "status", "INC-1", "identified", "--note", "bad deploy")[0] == 0
    assert cli("incident", "severity", "INC-1", "SEV1")[0] == 0
    code, out, _ = cli("timeline", "INC-1", "--json")
    rows = json.loads(out)
    # back-dated a minute: before the declaration
    assert [r["kind"] for r in rows] == ["external", "status_change", "action", "status_change", "severity_change"]
    assert rows[0]["author"] == "Ravi"
    code, out, _ = cli("timeline", "INC-1", "--search", "deploy")
    assert code == 0 and out.count("\n") == 2
    code, out, _ = cli("incident", "list")
    assert "INC-1" in out and "Identified" in out
    code, out, _ = cli("incident", "show", "INC-1")
    assert "SEV1" in out and "next update" in out
    code, out, _ = cli("export", "INC-1", "--format", "json")
    doc = json.loads(out)
    assert doc["incident"]["status"] == "identified" and len(doc["timeline"]) == 5
    code, out, _ = cli("export", "INC-1", "--format", "markdown")
    assert out.startswith("# INC-1: Checkout failing") and "| Rolled back the deploy |" in out
    code, out, _ = cli("verify")
    assert code == 0 and "intact" in out


def _journal_count(db_path):
    con = sqlite3.connect(db_path)
    n = con.execute("SELECT count(*) FROM journal_event").fetchone()[0]
    con.close()
    return n


@pytest.mark.parametrize("argv, message", [
    (["incident", "open", "", "--severity", "SEV1"], "needs a title"),
    (["incident", "open", "x", "--severity", "SEV9"], "Unknown severity"),
    (["incident", "open", "x", "--severity", "SEV1", "--detected", "2099-01-01T00:00Z"], "in the future"),
    (["log", "INC-1", "later", "--at", "2099-01-01T00:00Z"], "in the future"),
    (["log", "INC-1", "when?", "--at", "yesterday-ish"], "Cannot read the time"),
    (["log", "INC-1", "note", "--kind", "rumour"], "Unknown entry kind"),
    (["log", "INC-9", "note"], "No incident"),
    (["incident", "status", "INC-1", "investigating"], "already Investigating"),
    (["incident", "status", "INC-1", "done"], "Unknown status"),
    (["export", "INC-1", "--format", "pdf"], "Unknown export format"),
    (["demo", "--events", "99999999999999999999"], "--events must be between"),
    (["policy", "set", "SEV1", "inf"], "Cannot read the interval"),
    (["policy", "set", "SEV1", "1e30"], "Cannot read the interval"),
    (["log", "INC-1", "old", "--at", "0001-01-01T00:00+01:00"], "out of range"),
    (["log", "INC-1", "old", "--at", "99999999999999999999m ago"], "out of range"),
    (["log", "INC-1", "beep\x1b[31mred"], "control character"),
    (["log", "INC-1", "x", "--as", "b\udcffd"], "not valid UTF-8"),
    (["incident", "status", "INC-1", "resolved"], None),
    (["demo", "--events", "-1"], "--events must be between"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(cli, db_path, argv, message):
    assert cli("incident", "open", "Base", "--severity", "SEV3")[0] == 0
    if message is None:  # a setup step: resolve, then reopening needs a reason
        assert cli(*argv)[0] == 0
        argv, message = ["incident", "status", "INC-1", "identified", "--reopen"], "why the incident is reopened"
    before = _journal_count(db_path)
    code, out, err = cli(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert _journal_count(db_path) == before


def test_a_ten_megabyte_note_from_a_file(cli, db_path, tmp_path):
    cli("incident", "open", "Base", "--severity", "SEV3")
    big = tmp_path / "big.txt"
    big.write_text("x" * 10_000_000)
    before = _journal_count(db_path)
    code, _, err = cli("log", "INC-1", "--file", str(big))
    assert code == 2 and "at most" in err
    assert _journal_count(db_path) == before


def test_invalid_utf8_in_a_file(cli, db_path, tmp_path):
    cli("incident", "open", "Base", "--severity", "SEV3")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Störung im Rechenzentrum".encode("latin-1"))
    code, _, err = cli("log", "INC-1", "--file", str(bad))
    assert code == 2 and "not UTF-8" in err and "0xf6" in err
    good = tmp_path / "utf8.txt"
    good.write_text("Störung im Rechenzentrum", encoding="utf-8")
    assert cli("log", "INC-1", "--file", str(good))[0] == 0


def test_verify_names_the_first_bad_event(cli, db_path):
    cli("incident", "open", "Base", "--severity", "SEV3")
    for i in range(3):
        cli("log", "INC-1", f"entry {i}")
    con = sqlite3.connect(db_path)
    row = con.execute("SELECT id FROM journal_event WHERE kind = 'timeline.logged' ORDER BY seq LIMIT 1 OFFSET 1").fetchone()
    con.execute("DROP TRIGGER journal_event_no_update")
    con.execute("UPDATE journal_event SET payload = replace(payload, 'entry', 'ENTRY') WHERE id = ?", row)
    con.commit()
    con.close()
    code, out, _ = cli("verify")
    assert code == 1 and "FAILED" in out
    code, out, _ = cli("verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert report["first_bad_event"].replace("-", "") == row[0]


def test_a_foreign_file_is_refused_with_exit_2(cli, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    code, _, err = cli("--db", str(path), "incident", "list", db=False)
    assert code == 2 and "not a War room database" in err
    assert path.read_bytes() == b"\xff\xd8\xff\xe0" + b"\x00" * 100


def test_policy(cli):
    code, out, _ = cli("policy", "set", "SEV2", "45m")
    assert code == 0 and "SEV2  update every 45 min" in out
    code, out, _ = cli("policy", "show", "--json")
    assert json.loads(out)["SEV2"] == 45 * 60


def test_demo_and_if_empty(cli):
    code, out, _ = cli("demo", "--events", "50")
    assert code == 0 and "INC-1" in out
    code, out, _ = cli("demo", "--if-empty")
    assert "already has incidents" in out
    code, _, err = cli("timeline", "INC-1", "--json")
    assert code == 3 and "not in the people register" in err  # the demo's people use it now
    code, out, _ = cli("timeline", "INC-1", "--json", "--as", "Dana Okafor")
    assert len(json.loads(out)) > 70
    assert cli("verify")[0] == 0


def test_edit_entry(cli):
    cli("incident", "open", "Base", "--severity", "SEV3")
    code, out, _ = cli("log", "INC-1", "tpyo", "--json")
    entry = json.loads(out)["id"]
    code, out, _ = cli("edit-entry", entry, "typo")
    assert code == 0
    code, out, _ = cli("timeline", "INC-1", "--search", "typo")
    assert "(edited)" in out


def test_templates_render_and_lint_from_the_command_line(cli, tmp_path):
    assert cli("org", "--name", "Example Corp", "--status-url", "https://status.example.com",
               "--internal-domain", "corp.example.com", "--staff-domain", "example.com")[0] == 0
    code, out, _ = cli("template", "list", "--audience", "customers", "--locale", "en", "--json")
    listed = json.loads(out)
    assert code == 0 and {t["phase"] for t in listed} >= {"initial", "update", "resolved", "holding"}
    cli("incident", "open", "Checkout failing", "--severity", "SEV1", "--category", "application",
        "--components", "Checkout,Payments", "--customer-facing")
    code, out, _ = cli("render", "INC-1", "--audience", "customers", "--json")
    r = json.loads(out)
    assert code == 0 and r["template"] == "application-customers-initial"
    assert "Checkout" in r["long"] and r["sms"]["segments"] >= 1
    # what a default template renders must pass the linter for that audience
    draft = tmp_path / "draft.md"
    draft.write_text(r["long"], encoding="utf-8")
    code, out, _ = cli("lint", str(draft), "--audience", "customers", "--status", "investigating",
                       "--channel", "long")
    assert code == 0, out
    draft.write_text("We believe db01.corp.example.com failed.", encoding="utf-8")
    code, out, _ = cli("lint", str(draft), "--audience", "customers", "--json")
    report = json.loads(out)
    assert code == 1 and report["blocking"] and report["findings"][0]["rule"] == "internal-host"
    code, _, err = cli("render", "INC-1", "--audience", "customers", "--etr", "2h")
    assert code == 2 and "assessed" in err
    code, out, _ = cli("render", "INC-1", "--audience", "customers", "--etr", "2h..3h", "--etr-by", "Ravi",
                       "--etr-confidence", "low", "--channel", "long")
    assert code == 0 and "estimate" in out
    code, out, _ = cli("render", "INC-1", "--audience", "customers", "--locale", "de", "--channel", "short")
    assert code == 0 and "SMS" in out and "application-customers-initial (de)" in out


def test_template_export_import_and_versions(cli, tmp_path):
    export = tmp_path / "t.json"
    assert cli("template", "export", "--out", str(export))[0] == 0
    doc = json.loads(export.read_text())
    first = next(t for t in doc["templates"] if t["name"] == "network-customers-initial" and t["locale"] == "en")
    first["long"] += "\nWe are sorry for the disruption."
    doc["templates"] = [first]
    export.write_text(json.dumps(doc))
    code, out, _ = cli("template", "import", str(export))
    assert code == 0 and "1 saved" in out
    code, out, _ = cli("template", "show", "network-customers-initial", "--locale", "en", "--json")
    assert json.loads(out)["version"] == 2
    code, out, _ = cli("template", "show", "network-customers-initial", "--locale", "en", "--version", "1")
    assert "sorry for the disruption" not in out
    first["long"] = "{% if %}"
    export.write_text(json.dumps(doc))
    code, _, err = cli("template", "import", str(export))
    assert code == 2 and "syntax error" in err


def test_drafts_from_the_command_line(cli):
    cli("incident", "open", "Checkout failing", "--severity", "SEV2", "--category", "network")
    code, out, _ = cli("draft", "compose", "INC-1", "--audience", "customers,employees", "--json")
    made = json.loads(out)
    assert code == 0 and [d["template"] for d in made] == ["network-customers-initial", "network-employees-initial"]
    code, out, _ = cli("draft", "list", "INC-1", "--json")
    assert [d["audience"] for d in json.loads(out)] == ["customers", "employees"]
    code, out, _ = cli("draft", "show", made[0]["id"])
    assert code == 0 and "revision 1" in out
    code, _, err = cli("draft", "show", "nope")
    assert code == 2 and "not an update id" in err
    code, _, err = cli("draft", "compose", "INC-1", "--audience", "customers", "--etr-by", "Ravi")
    assert code == 2 and "--etr TIME" in err


def test_confidential_incidents_on_the_command_line(cli, db_path):
    team_file(db_path, Bob="technical_reviewer", Lea="incident_commander")
    cli("incident", "open", "Suspected breach", "--severity", "SEV1", "--confidential", "--as", "Lea")
    code, out, _ = cli("incident", "list", "--as", "Bob")
    assert "Suspected breach" not in out
    code, _, err = cli("timeline", "INC-1", "--as", "Bob")
    assert code == 2 and "No incident" in err
    assert cli("incident", "members", "INC-1", "--add", "Bob", "--as", "Lea")[0] == 0
    code, out, _ = cli("timeline", "INC-1", "--as", "Bob")
    assert code == 0 and "Incident declared" in out


def test_a_confidential_incident_does_not_leak_through_other_commands(cli, memory_keyring, tmp_path):
    cli("incident", "open", "Suspected breach", "--severity", "SEV1", "--confidential", "--as", "Lea")
    code, out, _ = cli("update", "new", "INC-1", "--audience", "customers", "--json", "--as", "Lea")
    draft_id = json.loads(out)[0]["id"]
    for argv in (["render", "INC-1", "--audience", "customers"], ["update", "list", "INC-1"],
                 ["update", "show", draft_id], ["update", "submit", draft_id],
                 ["audit", "export", "INC-1", "--out", str(tmp_path / "x.zip")],
                 ["incident", "status", "INC-1", "identified"], ["export", "INC-1"]):
        code, out, err = cli(*argv, "--as", "Bob")
        assert code == 2 and "No incident" in err, argv
        assert "breach" not in out.lower()

"""Every bypass a new user and an attacker found through the command line, tried
again: each is refused (exit 1 for the linter, 3 for a permission), the database
is unchanged, and nothing reaches a vendor."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.helpers.team import team_file
from warroom.app import open_store
from warroom.store.models import JournalEvent

LEAK = "Traffic from 10.20.30.40 hit lb-7.corp.example.com; key AKIAIOSFODNN7EXAMPLE was rotated."


@pytest.fixture
def world(cli, db_path, memory_keyring, fake_statuspage, fake_slack, monkeypatch, tmp_path):
    team_file(db_path, Vera_Viewer="viewer")
    assert cli("org", "--internal-domain", "corp.example.com", "--as", "admin")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(fake_statuspage.api_key + "\n"))
    assert cli("channel", "add", "statuspage", "--kind", "statuspage", "--set", f"page_id={fake_statuspage.page_id}",
               "--set", f"base_url={fake_statuspage.base_url}", "--secret", "--as", "admin")[0] == 0
    assert cli("channel", "add", "site", "--kind", "sitepage", "--set", f"out_dir={tmp_path / 'site'}",
               "--as", "admin")[0] == 0
    assert cli("matrix", "set", "customers", "all", "--channels", "statuspage, site", "--as", "admin")[0] == 0
    code, out, err = cli("--json", "incident", "open", "Checkout failing", "--severity", "SEV1",
                         "--customer-facing", "--as", "Dana")
    assert code == 0, err
    return cli


def _events(db_path) -> int:
    store = open_store(db_path)
    try:
        with store.read() as session:
            return session.scalar(select(func.count()).select_from(JournalEvent))
    finally:
        store.close()


def _draft(cli, tmp_path, body: str) -> str:
    f = tmp_path / "body.md"
    f.write_text(body + "\n\nNext update by {next_update}.", encoding="utf-8")
    code, out, err = cli("--json", "update", "new", "INC-1", "--audience", "customers", "--body-file", str(f),
                         "--as", "Sam")
    assert code == 0, err
    return json.loads(out)[0]["id"]


def test_blocked_words_cannot_be_submitted_approved_or_published(world, tmp_path, db_path, fake_statuspage):
    draft = _draft(world, tmp_path, LEAK)
    before = _events(db_path)
    for argv in (["update", "submit", draft, "--acknowledge-warnings", "--as", "Sam"],
                 ["update", "override", draft, "--reason", "now", "--as", "Dana"],
                 ["update", "publish", draft, "--as", "Dana"]):
        code, _, err = world(*argv)
        assert code in (1, 2), (argv, err)
    code, _, err = world("update", "submit", draft, "--as", "Sam")
    assert code == 1 and "linter blocks" in err and "AWS" in err and "10.20.30.40" in err
    assert _events(db_path) == before
    assert fake_statuspage.requests == []


def test_a_confidential_title_never_reaches_a_page(world, tmp_path, fake_statuspage):
    code, out, err = world("--json", "incident", "open",
                           "CONFIDENTIAL: ransomware on payroll-db01.corp.example.com", "--severity", "SEV1",
                           "--category", "security", "--confidential", "--customer-facing", "--as", "Dana")
    assert code == 0, err
    world("incident", "members", "INC-2", "--add", "Sam", "--add", "Ravi Shah", "--add", "Mia Lindqvist",
          "--add", "Lea Braun", "--as", "Dana")
    code, out, err = world("--json", "update", "new", "INC-2", "--audience", "customers", "--as", "Sam")
    draft = json.loads(out)[0]["id"]
    for argv in (["update", "submit", draft, "--acknowledge-warnings", "--as", "Sam"],
                 ["update", "approve", draft, "--acknowledge-warnings", "--as", "Ravi Shah"],
                 ["update", "approve", draft, "--acknowledge-warnings", "--as", "Mia Lindqvist"],
                 ["update", "approve", draft, "--acknowledge-warnings", "--as", "Lea Braun"],
                 ["update", "publish", draft, "--acknowledge-warnings", "--as", "Dana"],
                 ["dispatch", "--once", "--as", "Dana"]):
        code, _, err = world(*argv)
        assert code == 0, (argv, err)
    outside = json.dumps(fake_statuspage.incidents) + "".join(
        p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert "Service disruption" in outside
    assert "ransomware" not in outside.lower() and "payroll" not in outside and "CONFIDENTIAL" not in outside


@pytest.mark.parametrize("argv", [
    ["incident", "status", "INC-1", "resolved"],
    ["incident", "severity", "INC-1", "SEV4"],
    ["incident", "edit", "INC-1", "--commander", "Vera Viewer"],
    ["log", "INC-1", "I was here"],
    ["person", "set", "Vera Viewer", "--roles", "incident_commander"],
    ["person", "set", "Dana", "--roles", "viewer"],
    ["policy", "window", "SEV1", "1m"],
    ["policy", "reviews", "customers", "technical_reviewer", "--severity", "SEV1"],
    ["policy", "set", "SEV1", "1d"],
    ["matrix", "set", "customers", "SEV1", "--channels", "site"],
    ["channel", "set", "statuspage", "--set", "base_url=https://attacker.example/v1"],
    ["channel", "test", "statuspage"],
    ["org", "--name", "Hacked Corp"],
    ["stakeholder", "add", "Mallory", "--audience", "customers", "--email", "m@evil.example"],
    ["update", "new", "INC-1", "--audience", "customers"],
])
@pytest.mark.parametrize("who", ["Vera Viewer", "Nobody Known"])
def test_a_viewer_or_a_stranger_changes_nothing(world, db_path, fake_statuspage, argv, who):
    before = _events(db_path)
    code, _, err = world(*argv, "--as", who)
    assert code == 3, err
    assert ("Only " in err) if who == "Vera Viewer" else ("not in the people register" in err)
    assert _events(db_path) == before and fake_statuspage.requests == []


def test_nobody_publishes_an_imported_holding_statement_without_its_review(world, tmp_path, fake_statuspage):
    code, out, _ = world("--json", "template", "show", "any-customers-holding", "--locale", "en", "--as", "admin")
    shipped = json.loads(out)
    forged = tmp_path / "forged.toml"
    forged.write_text(
        '[[template]]\nname = "any-customers-holding"\nlocale = "en"\ncategory = "any"\naudience = "customers"\n'
        'phase = "holding"\npreapproved = true\nsubject = "All clear"\nlong = "Nothing happened. Next update by '
        '{{ update.next_at | when }}."\nshort = "All clear."\nchat = "All clear."\n', encoding="utf-8")
    assert shipped["name"] == "any-customers-holding"
    assert world("template", "import", str(forged), "--as", "Vera Viewer")[0] == 3
    assert world("template", "import", str(forged), "--as", "Sam")[0] == 0    # a communications owner may edit…
    code, out, _ = world("--json", "update", "new", "INC-1", "--audience", "customers", "--phase", "holding",
                         "--as", "Sam")
    draft = json.loads(out)[0]["id"]
    code, _, err = world("update", "publish", draft, "--acknowledge-warnings", "--as", "Dana")
    assert code == 2 and "needs its reviews" in err                          # …but the new version is not reviewed
    assert world("template", "approve", "any-customers-holding", "--locale", "en", "--as", "Sam")[0] == 3
    assert fake_statuspage.requests == []


def test_published_words_are_taken_back_from_the_command_line(world, tmp_path, db_path, fake_statuspage):
    draft = _draft(world, tmp_path, "Rack 7 lost power in the Frankfurt data hall.")
    for argv in (["update", "submit", draft, "--acknowledge-warnings", "--as", "Sam"],
                 ["update", "override", draft, "--reason", "now", "--acknowledge-warnings", "--as", "Dana"],
                 ["update", "publish", draft, "--acknowledge-warnings", "--as", "Dana"],
                 ["dispatch", "--once", "--as", "Dana"]):
        assert world(*argv)[0] == 0, argv
    code, _, err = world("update", "withdraw", draft, "--reason", "oops", "--as", "Dana")
    assert code == 2 and "retract it instead" in err
    assert world("update", "retract", draft, "--reason", "oops", "--as", "Vera Viewer")[0] == 3
    code, out, err = world("update", "retract", draft[:8], "--reason", "Named the data hall", "--as", "Sam")
    assert code == 0 and "Rebuilt without the words: site" in out, err
    site = "".join(p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert "Rack 7" not in site and "withdrawn" in site
    assert world("dispatch", "--once", "--as", "Dana")[0] == 0
    assert "Rack 7" not in json.dumps(fake_statuspage.incidents)
    code, out, _ = world("update", "correct", draft, "--as", "Sam")
    assert code == 0 and "correction for customers" in out
    code, out, _ = world("statuspage", "build", "--as", "Dana")
    site = "".join(p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert "Rack 7" not in site                                               # a rebuild never brings it back


def test_the_permission_table_is_printed(world):
    code, out, _ = world("person", "permissions", "--as", "Vera Viewer")
    assert code == 0 and "publish an update" in out and "Administrator" in out

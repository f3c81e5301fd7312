"""``warroom-cli watch``: the same watch from the command line, against a status
page served on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from tests.fakes.statusfeeds import StatusSite
from tests.helpers.team import team_file


@pytest.fixture
def site():
    s = StatusSite()
    yield s
    s.stop()


def test_add_poll_status_and_import_from_the_command_line(cli, db_path, site, tmp_path):
    team_file(db_path)
    code, out, err = cli("--as", "admin", "watch", "add", "Acme Cloud", "--url", f"{site.url}/api/v2/summary.json",
                         "--names", "Acme", "--every", "10m")
    assert code == 0 and "Watching Acme Cloud" in out and "every 10m" in out
    code, out, err = cli("--as", "Dana", "watch", "add", "Other", "--url", "https://status.other.example/x.json")
    assert code == 3
    assert cli("--as", "admin", "watch", "add", "Bad", "--url", "ftp://x.example/feed")[0] == 2
    assert cli("--as", "Dana", "incident", "open", "Acme API errors in checkout", "--severity", "SEV2")[0] == 0
    site.open_incident("p1", "Elevated API error rates")
    code, out, err = cli("--as", "Dana", "watch", "poll", "--once")
    assert code == 0, err
    assert out.strip() == ("Acme Cloud: incident opened (major impact): Elevated API error rates [investigating]. "
                           "We are investigating. (logged on: INC-1)")
    code, out, _ = cli("--as", "Dana", "watch", "poll", "--once")
    assert code == 0 and "Nothing due" in out
    code, out, _ = cli("--as", "Vic Viewer", "watch", "status", "--json")
    data = json.loads(out)
    assert code == 0 and data[0]["incidents"][0]["name"] == "Elevated API error rates"
    assert data[0]["every_s"] == 600 and data[0]["last_error"] is None
    code, out, _ = cli("--as", "Vic Viewer", "watch", "status", "acme cloud")
    assert code == 0 and out.startswith("Acme Cloud: operational, 1 open incident: Elevated API error rates")
    code, out, _ = cli("--as", "Dana", "timeline", "INC-1", "--kind", "external")
    assert "Elevated API error rates" in out
    # Offline: a saved page with the incident updated is logged from the file.
    site.update_incident("p1", "monitoring", "A fix is live.", "2026-11-23T08:59:00Z")
    saved = tmp_path / "summary.json"
    saved.write_bytes(site.summary())
    code, out, _ = cli("--as", "Dana", "watch", "import", str(saved), "--provider", "Acme Cloud")
    assert code == 0 and "incident updated: Elevated API error rates [monitoring]. A fix is live." in out
    code, out, _ = cli("--as", "Dana", "watch", "import", str(saved), "--provider", "Acme Cloud")
    assert code == 0 and out.strip() == "Nothing new from Acme Cloud."
    (tmp_path / "bad.json").write_text("{not json")
    code, _, err = cli("--as", "Dana", "watch", "import", str(tmp_path / "bad.json"), "--provider", "Acme Cloud")
    assert code == 2 and "is not valid JSON" in err
    code, out, _ = cli("--as", "admin", "watch", "list")
    assert code == 0 and "Acme Cloud" in out and "(also Acme)" in out
    assert cli("--as", "admin", "watch", "remove", "Acme Cloud")[0] == 0
    code, out, _ = cli("--as", "admin", "watch", "list")
    assert "No providers watched yet" in out


def test_a_provider_that_cannot_be_read_fails_the_round(cli, db_path, site):
    team_file(db_path)
    cli("--as", "admin", "watch", "add", "Acme Cloud", "--url", f"{site.url}/api/v2/summary.json")
    site.fail_next(1, 503, retry_after="120")
    code, _, err = cli("--as", "Dana", "watch", "poll", "--once")
    assert code == 1 and "Acme Cloud: cannot read: the provider answered 503 Service Unavailable" in err

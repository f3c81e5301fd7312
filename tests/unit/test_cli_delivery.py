"""warroom-cli channel, matrix, outbox, dispatch and statuspage, end to end on a real file."""

from __future__ import annotations

import io
import json

import feedparser
import httpx
import pytest


@pytest.fixture
def team(cli):
    assert cli("init")[0] == 0
    assert cli("person", "add", "Tess Tester")[0] == 0   # the first person: commander and administrator
    assert cli("person", "add", "Dana", "--roles", "incident_commander")[0] == 0
    assert cli("stakeholder", "add", "Acme GmbH", "--audience", "customers", "--email", "it@acme.example")[0] == 0
    return cli


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _published(cli, title="Checkout failing") -> str:
    code, out, err = cli("--json", "incident", "open", title, "--severity", "SEV1", "--components", "Checkout",
                         "--customer-facing", "--as", "Dana")
    assert code == 0, err
    ref = json.loads(out)["ref"]
    code, out, err = cli("--json", "update", "new", ref, "--audience", "customers")
    assert code == 0, err
    data = json.loads(out)
    draft = (data[0] if isinstance(data, list) else data)["id"]
    assert cli("update", "submit", draft, "--as", "Dana")[0] == 0
    assert cli("update", "override", draft, "--reason", "Reviewers asleep", "--as", "Dana")[0] == 0
    code, out, err = cli("--json", "update", "publish", draft, "--as", "Dana")
    assert code == 0, err
    return ref, json.loads(out)


def test_a_channel_secret_comes_from_stdin_and_goes_to_the_keyring_only(team, monkeypatch, memory_keyring,
                                                                         fake_slack, db_path):
    _stdin(monkeypatch, fake_slack.webhook_url + "\n")
    code, out, err = team("channel", "add", "slack", "--kind", "slack", "--secret")
    assert code == 0, err
    assert fake_slack.webhook_url in memory_keyring.items.values()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert fake_slack.token.encode() not in raw
    code, out, _ = team("channel", "list")
    assert "slack" in out and fake_slack.token not in out
    code, out, err = team("channel", "test", "slack")
    assert code == 0 and "works" in out
    fake_slack.mode = "500"
    code, out, err = team("channel", "test", "slack")
    assert code == 1 and "does not work" in err and fake_slack.token not in err


def test_secrets_are_never_taken_from_arguments(team):
    code, out, err = team("channel", "add", "slack", "--kind", "slack", "--secret", "https://hooks.example/x")
    assert code == 2          # argparse: --secret takes no value


def test_matrix_set_show_publish_dispatch_and_outbox(team, monkeypatch, memory_keyring, fake_slack, fake_smtp):
    _stdin(monkeypatch, fake_slack.webhook_url + "\n")
    assert team("channel", "add", "slack", "--kind", "slack", "--secret")[0] == 0
    cfg = fake_smtp.config()
    _stdin(monkeypatch, fake_smtp.password + "\n")
    args = [f"--set={k}={v}" for k, v in cfg.items()]
    code, out, err = team("channel", "add", "email", "--kind", "email", *args, "--secret")
    assert code == 0, err
    code, out, err = team("matrix", "set", "customers", "SEV1", "--channels", "slack>email", "--cadence", "20m",
                          "--owner", "Dana")
    assert code == 0, err
    code, out, err = team("matrix", "show")
    assert "slack>email /20m" in out
    ref, published = _published(team)
    assert published["deliveries"] == 1 and published["channels"] == ["slack"]
    code, out, err = team("matrix", "show", ref)
    assert "slack>email" in out and "every 20m" in out and "1 recipients" in out
    code, out, err = team("--json", "outbox", "list", ref)
    (row,) = json.loads(out)
    assert row["state"] == "queued" and row["channel"] == "slack"
    code, out, err = team("dispatch", "--once")
    assert code == 0 and "Delivered 1" in out
    assert len(fake_slack.messages) == 1
    code, out, err = team("--json", "outbox", "list", "--state", "delivered")
    assert [r["id"] for r in json.loads(out)] == [row["id"]]
    code, out, err = team("outbox", "cancel", row["id"][:8])
    assert code == 2 and "only a queued one" in err


def test_outbox_retry_and_cancel_by_short_id(team, monkeypatch, memory_keyring, fake_slack):
    _stdin(monkeypatch, fake_slack.webhook_url + "\n")
    team("channel", "add", "slack", "--kind", "slack", "--secret")
    team("matrix", "set", "customers", "all", "--channels", "slack")
    _published(team)
    code, out, _ = team("--json", "outbox", "list")
    (row,) = json.loads(out)
    assert team("outbox", "cancel", row["id"][:10])[0] == 0
    assert team("dispatch", "--once")[0] == 0 and fake_slack.messages == []
    assert team("outbox", "retry", row["id"][:10])[0] == 0
    assert team("dispatch", "--once")[0] == 0 and len(fake_slack.messages) == 1
    code, out, err = team("outbox", "retry", "zz")
    assert code == 2 and "not a delivery id" in err


def test_channel_remove_is_refused_while_in_the_matrix(team, monkeypatch, memory_keyring, fake_slack):
    _stdin(monkeypatch, fake_slack.webhook_url + "\n")
    team("channel", "add", "slack", "--kind", "slack", "--secret")
    team("matrix", "set", "customers", "SEV1", "--channels", "slack")
    code, out, err = team("channel", "remove", "slack")
    assert code == 2 and "used in the matrix" in err
    team("matrix", "set", "customers", "SEV1", "--channels", "")
    assert team("channel", "remove", "slack")[0] == 0
    # The channel's secret is gone; only the device key (it signs the journal) stays.
    assert [name.split(":")[0] for _, name in memory_keyring.items] == ["archive-signing-key"]
    assert team("channel", "list")[1].startswith("No channels yet")


def test_bad_channel_settings_are_named(team, memory_keyring):
    code, out, err = team("channel", "add", "sp", "--kind", "statuspage", "--set", "base_url=https://x.example")
    assert code == 2 and "page_id" in err
    code, out, err = team("channel", "add", "x", "--kind", "pager")
    assert code == 2 and "Unknown channel kind" in err


def test_statuspage_build_and_serve_the_fallback_page(team, tmp_path, memory_keyring):
    site = tmp_path / "status"
    code, out, err = team("channel", "add", "site", "--kind", "sitepage", f"--set=out_dir={site}",
                          "--set=components=Checkout,Search")
    assert code == 0, err
    team("matrix", "set", "customers", "SEV1", "--channels", "site")
    _published(team, title="Payments delayed")
    assert team("dispatch", "--once")[0] == 0
    summary = json.loads((site / "api" / "v2" / "summary.json").read_text())
    assert [i["name"] for i in summary["incidents"]] == ["Service disruption: Checkout"]
    assert {c["name"] for c in summary["components"]} == {"Checkout", "Search"}
    feed = feedparser.parse((site / "history.atom").read_bytes())
    assert not feed.bozo and feed.entries and "Service disruption: Checkout" in feed.entries[0].title
    other = tmp_path / "copy"
    code, out, err = team("statuspage", "build", "--out", str(other))
    assert code == 0 and (other / "index.html").exists()
    from warroom import sitepage

    with sitepage.serving(other) as server:
        r = httpx.get(server.url + "api/v2/incidents.json" if server.url.endswith("/") else
                      server.url + "/api/v2/incidents.json")
    assert r.status_code == 200 and r.json()["incidents"][0]["name"] == "Service disruption: Checkout"


def test_outbox_settings(team):
    code, out, err = team("--json", "outbox", "settings", "--failover-after", "2m", "--dead-after", "12h")
    data = json.loads(out)
    assert data["failover_after_s"] == 120 and data["dead_after_s"] == 43200
    code, out, err = team("outbox", "settings", "--dead-after", "10s")
    assert code == 2 and "between" in err

"""What warroom-cli says, said right: where a secret went, whole sentences, whole
cells, backups kept, headings only over something, help that tells the truth,
and retries counted once."""

from __future__ import annotations

import io
import json

import pytest



@pytest.fixture
def team(cli, db_path):
    assert cli("init")[0] == 0
    assert cli("person", "add", "Tess Tester")[0] == 0
    assert cli("person", "add", "Dana", "--roles", "incident_commander")[0] == 0
    assert cli("stakeholder", "add", "Acme GmbH", "--audience", "customers", "--email", "it@acme.example")[0] == 0
    return cli


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _slack(team, monkeypatch, fake_slack) -> None:
    _stdin(monkeypatch, fake_slack.webhook_url + "\n")
    code, out, err = team("channel", "add", "slack", "--kind", "slack", "--secret")
    assert code == 0, err
    return out


def test_a_secret_in_the_keyring_names_the_backend(team, monkeypatch, memory_keyring, fake_slack):
    out = _slack(team, monkeypatch, fake_slack)
    backend = type(memory_keyring).name
    assert f"Its secret is in the keyring ({backend})." in out
    _stdin(monkeypatch, fake_slack.webhook_url + "\n")
    code, out, err = team("channel", "set", "slack", "--secret")
    assert code == 0 and f"Its new secret is in the keyring ({backend})." in out
    code, out, _ = team("channel", "remove", "slack")
    assert code == 0 and f"its secret left the keyring ({backend})." in out


def test_a_secret_in_the_encrypted_file_names_the_file(team, monkeypatch, fake_slack, isolated_home):
    import keyring
    from keyring.backends import fail

    from warroom import secrets

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("WARROOM_KEY_PASSPHRASE", "correct horse battery staple")
    try:
        out = _slack(team, monkeypatch, fake_slack)
        assert f"Its secret is in the encrypted secrets file {secrets.vault_path()}." in out
        assert secrets.vault_path().exists()
    finally:
        secrets.lock()
        keyring.set_keyring(previous)


def test_channel_test_ends_with_one_full_stop(team, monkeypatch, memory_keyring, fake_slack):
    _slack(team, monkeypatch, fake_slack)
    code, out, _ = team("channel", "test", "slack")
    assert code == 0 and out.strip().endswith(".") and ".." not in out


def test_matrix_show_keeps_the_cadence_of_long_routes(team, monkeypatch, memory_keyring, fake_slack):
    _slack(team, monkeypatch, fake_slack)
    for name in ("statuspage-backup", "email-fallback"):
        assert team("channel", "add", name, "--kind", "sitepage", "--set", "out_dir=/tmp/x")[0] == 0
    code, _, err = team("matrix", "set", "customers", "SEV1", "--channels", "slack>statuspage-backup>email-fallback",
                        "--cadence", "30m")
    assert code == 0, err
    code, out, _ = team("matrix", "show")
    assert "slack>statuspage-backup>email-fallback /30m" in out


def test_person_backups_are_added_removed_and_replaced_and_said(team):
    for who in ("Mia", "Lee", "Ravi"):
        assert team("person", "add", who, "--roles", "technical_reviewer,comms_reviewer")[0] == 0
    code, out, _ = team("person", "set", "Ravi", "--backup", "technical_reviewer=Mia")
    assert "Backups: technical reviewer: Mia." in out
    code, out, _ = team("person", "set", "Ravi", "--backup", "comms_reviewer=Lee")
    assert code == 0 and "Backups: technical reviewer: Mia, comms reviewer: Lee." in out
    assert "kept" in out  # it says the others stayed
    code, out, _ = team("person", "set", "Ravi", "--remove-backup", "technical_reviewer")
    assert code == 0 and "Backups: comms reviewer: Lee." in out
    code, out, _ = team("person", "set", "Ravi", "--backup", "technical_reviewer=Mia", "--replace-backups")
    assert code == 0 and "Backups: technical reviewer: Mia." in out
    code, out, _ = team("--json", "person", "list")
    assert next(p for p in json.loads(out) if p["name"] == "Ravi")["backups"] == {"technical_reviewer": "Mia"}
    code, _, err = team("person", "set", "Ravi", "--remove-backup", "comms_reviewer=Lee=x")
    assert code == 2


def test_stakeholder_validate_prints_only_headings_with_something_under_them(team):
    assert team("stakeholder", "add", "No Contact", "--audience", "customers")[0] == 0
    code, out, _ = team("stakeholder", "validate")
    assert code == 1
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(":") and not line.startswith(" "):
            assert i + 1 < len(lines) and lines[i + 1].startswith("  "), out


def test_update_override_help_does_not_claim_to_publish(cli):
    code, out, _ = cli("update", "override", "--help", db=False)
    assert code == 0
    text = " ".join(out.split())
    assert "does not publish" in text and "update publish" in text
    code, out, _ = cli("update", "--help", db=False)
    line = next(x for x in out.splitlines() if x.strip().startswith("override"))
    assert "publish" not in line.replace("does not publish", "")


def test_a_retry_still_waiting_is_counted_once(team, monkeypatch, memory_keyring, fake_slack):
    _slack(team, monkeypatch, fake_slack)
    assert team("matrix", "set", "customers", "all", "--channels", "slack")[0] == 0
    _publish(team)
    fake_slack.mode = "500"
    code, out, _ = team("dispatch", "--once")
    assert "retrying 1," in out and "failed over 0" in out


def _publish(team) -> None:
    code, out, err = team("--json", "incident", "open", "Checkout failing", "--severity", "SEV1",
                          "--customer-facing", "--as", "Dana")
    assert code == 0, err
    code, out, err = team("--json", "update", "new", "INC-1", "--audience", "customers")
    draft = json.loads(out)[0]["id"]
    assert team("update", "submit", draft, "--as", "Dana")[0] == 0
    assert team("update", "override", draft, "--reason", "asleep", "--as", "Dana")[0] == 0
    assert team("update", "publish", draft, "--as", "Dana")[0] == 0


def test_dispatch_counts_each_retrying_delivery_once(team, monkeypatch, memory_keyring, fake_slack, tmp_path):
    _slack(team, monkeypatch, fake_slack)
    assert team("channel", "add", "site", "--kind", "sitepage", "--set", f"out_dir={tmp_path / 'site'}")[0] == 0
    assert team("matrix", "set", "customers", "all", "--channels", "slack>site")[0] == 0
    _publish(team)
    assert team("outbox", "settings", "--breaker-failures", "1", "--failover-after", "0")[0] == 0
    fake_slack.mode = "500"
    # Slack fails, its breaker opens, its queue fails over to the site, which delivers:
    # the one delivery that failed is no longer waiting for a retry.
    code, out, err = team("--json", "dispatch", "--once")
    summary = json.loads(out)
    assert (summary["delivered"], summary["failed_over"], summary["retrying"]) == (1, 1, 0), summary

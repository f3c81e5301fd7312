"""What every channel shares (warroom.channels.base and the registry): the failure modes
of the HTTP channels, the contract each kind follows, and scrubbing secrets from errors."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.helpers.channels import STATUSPAGE_COMPONENTS, assert_secret_hidden, ctx_for, message, send_error
from warroom.channels import KINDS, email, get_kind, slack, sms, statuspage, teams, webhook
from warroom.channels.base import ChannelError, Recipient, scrubbed, without_secret
from warroom.errors import InputError


# --- one way to reach each HTTP channel's fake, for the failure modes they share ---------------------

def _slack_case(request):
    fake = request.getfixturevalue("fake_slack")
    cfg = slack.validate_config({})
    return fake, slack, slack.render(message(), None, cfg, None), cfg, fake.webhook_url, [fake.webhook_url, fake.token]


def _teams_case(request):
    fake = request.getfixturevalue("fake_teams")
    cfg = teams.validate_config({})
    return fake, teams, teams.render(message(), None, cfg, None), cfg, fake.webhook_url, [fake.webhook_url, fake.sig]


def _statuspage_case(request):
    fake = request.getfixturevalue("fake_statuspage")
    cfg = statuspage.validate_config({"page_id": fake.page_id, "base_url": fake.base_url,
                                      "components": STATUSPAGE_COMPONENTS})
    return fake, statuspage, statuspage.render(message(), None, cfg, None), cfg, fake.api_key, [fake.api_key]


def _sms_case(request):
    fake = request.getfixturevalue("fake_twilio")
    cfg = sms.validate_config({"base_url": fake.url, "account_sid": fake.account_sid,
                               "from_number": "+14155550100"})
    payload = sms.render(message(), Recipient("Ana", "+4915123456789"), cfg, None)
    return fake, sms, payload, cfg, fake.auth_token, [fake.auth_token]


def _webhook_case(request):
    fake = request.getfixturevalue("fake_webhook")
    cfg = webhook.validate_config({"url": fake.hook_url})
    return fake, webhook, webhook.render(message(), None, cfg, None), cfg, fake.key, [fake.key]


CASES = {"slack": _slack_case, "teams": _teams_case, "statuspage": _statuspage_case, "sms": _sms_case,
         "webhook": _webhook_case}


@pytest.mark.parametrize("kind", CASES)
def test_429_is_transient_with_the_vendors_retry_after(request, kind):
    fake, module, payload, cfg, secret, hidden = CASES[kind](request)
    fake.fail_next(1, "429", retry_after=7)
    exc = send_error(module, payload, ctx_for(cfg, secret))
    assert exc.transient and exc.status == 429 and exc.retry_after == 7.0
    assert_secret_hidden(exc, *hidden)
    # the next attempt goes through: fail_next is used up
    assert module.send(payload, ctx_for(cfg, secret))


@pytest.mark.parametrize("kind", CASES)
def test_5xx_is_transient(request, kind):
    fake, module, payload, cfg, secret, hidden = CASES[kind](request)
    fake.mode = "500"
    exc = send_error(module, payload, ctx_for(cfg, secret))
    assert exc.transient and exc.status == 500 and exc.retry_after is None
    assert_secret_hidden(exc, *hidden)


@pytest.mark.parametrize("kind", CASES)
def test_a_vendor_too_slow_to_answer_is_a_transient_timeout(request, kind):
    fake, module, payload, cfg, secret, hidden = CASES[kind](request)
    fake.mode = "slow"
    started = time.monotonic()
    exc = send_error(module, payload, ctx_for(cfg, secret, timeout=0.3))
    assert time.monotonic() - started < fake.delay
    assert exc.transient and exc.status is None
    assert "0.3 s" in str(exc)
    assert_secret_hidden(exc, *hidden)


@pytest.mark.parametrize("kind", CASES)
def test_a_dropped_connection_is_transient(request, kind):
    fake, module, payload, cfg, secret, hidden = CASES[kind](request)
    fake.mode = "drop"
    exc = send_error(module, payload, ctx_for(cfg, secret))
    assert exc.transient and exc.status is None
    assert len(fake.requests) == 1
    assert_secret_hidden(exc, *hidden)


@pytest.mark.parametrize("kind", CASES)
def test_a_shared_client_is_used_and_left_open(request, kind):
    fake, module, payload, cfg, secret, _ = CASES[kind](request)
    seen = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.method)]}) as client:
        module.send(payload, ctx_for(cfg, secret, client=client))
        assert seen and not client.is_closed


@pytest.mark.parametrize("kind", CASES)
def test_render_is_pure_and_json_able(request, kind):
    _, module, _, cfg, _, _ = CASES[kind](request)
    recipient = Recipient("Ana", "+4915123456789") if module.RECIPIENT == "phone" else None
    before = json.dumps(cfg, sort_keys=True)
    first = module.render(message(), recipient, cfg, None)
    assert module.render(message(), recipient, cfg, None) == first
    assert json.loads(json.dumps(first)) == first
    assert json.dumps(cfg, sort_keys=True) == before


# --- registry and contract -----------------------------------------------------------------------------

VENDOR_KINDS = {"slack": slack, "teams": teams, "statuspage": statuspage, "email": email, "sms": sms,
                "webhook": webhook}


def test_registry_knows_the_vendor_kinds_and_names_them_on_a_typo():
    assert {k: KINDS[k] for k in VENDOR_KINDS} == VENDOR_KINDS
    assert get_kind("Slack") is slack
    with pytest.raises(InputError) as info:
        get_kind("pager")
    assert "pager" in str(info.value) and "statuspage" in str(info.value) and "webhook" in str(info.value)


@pytest.mark.parametrize("kind", sorted(VENDOR_KINDS))
def test_every_module_follows_the_contract(kind):
    module = VENDOR_KINDS[kind]
    assert module.KIND == kind and module.LABEL and module.SECRET
    assert module.RATE > 0 and module.BURST >= 1
    assert module.RECIPIENT in (None, "email", "phone")
    assert isinstance(module.IDEMPOTENT, bool)
    for name in ("render", "send", "test", "validate_config"):
        assert callable(getattr(module, name))
    with pytest.raises(InputError) as info:
        module.validate_config({"no_such_setting": "x"} if kind in ("slack", "teams") else {})
    assert module.LABEL in str(info.value)


def test_scrubbing_removes_a_url_secret_and_its_path():
    url = "https://hooks.slack.com/services/T000/B000/abcdefghijklmnopqrstuvwx"
    text = f"Slack answered HTTP 404: no such hook /services/T000/B000/abcdefghijklmnopqrstuvwx ({url})"
    clean = without_secret(text, url)
    assert "abcdefghijklmnopqrstuvwx" not in clean and "HTTP 404" in clean
    exc = scrubbed(ChannelError(text, transient=False, status=404), url)
    assert url not in str(exc) and exc.status == 404 and exc.transient is False


@pytest.mark.parametrize("kind", [*CASES, "sitepage"])
def test_an_exercise_is_marked_in_every_subject_and_title_a_channel_renders(request, kind, tmp_path):
    """No reader of a channel mistakes an exercise for a real incident: each subject and
    title in what a channel renders starts with the mark (a webhook's and the self-hosted
    page's too, which carried only a flag or nothing)."""
    from warroom.channels import sitepage
    from warroom.channels.base import EXERCISE_MARK

    if kind == "sitepage":
        module, cfg = sitepage, sitepage.validate_config({"out_dir": str(tmp_path / "site")})
    else:
        _, module, _, cfg, _, _ = CASES[kind](request)
    recipient = Recipient("Ana", "+4915123456789") if module.RECIPIENT == "phone" else None

    real = module.render(message(), recipient, cfg, None)
    drill = module.render(message(exercise=True), recipient, cfg, None)
    assert EXERCISE_MARK not in json.dumps(real)
    shown = json.dumps(drill, ensure_ascii=False)
    assert EXERCISE_MARK in shown, f"{kind}: nothing marked in {drill}"
    for heading in (message().title, message().subject):   # wherever one shows, it shows marked
        assert shown.count(heading) == shown.count(f"{EXERCISE_MARK} {heading}"), f"{kind}: {heading!r} unmarked"

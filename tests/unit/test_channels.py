"""Channel clients against vendor-like servers on 127.0.0.1: what they send, what they
make of every answer, and that no secret ever shows up in an error."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from dataclasses import replace
from datetime import datetime, timezone

import httpx
import pytest

from tests.fakes.vendors import FakeSlack, FakeStatuspage, FakeTeams
from warroom.channels import KINDS, email, get_kind, slack, sms, statuspage, teams, webhook
from warroom.channels.base import ChannelError, Message, Recipient, SendContext, scrubbed, without_secret
from warroom.errors import InputError
from warroom.text.smslength import sms_length

PUBLISHED = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)

LONG = ("We have identified the cause of failing card payments in checkout & are rolling out a fix.\n\n"
        "Affected:\n- Card payments <all brands>\n- Saved payment methods\n\n"
        "Next update by 10:30 UTC.")


def message(**changes) -> Message:
    base = Message(
        delivery_id="dlv-01JD5Q8Z", incident_id="inc-7f3a", incident_ref="INC-2026-042",
        title="Checkout payments failing", status="identified", statuspage_status="identified",
        impact="major", component_status="partial_outage", severity="SEV2",
        components=("Checkout", "Payments", "Not on the page"), audience="customers", locale="en",
        subject="Payments: card payments failing", long=LONG,
        short="Card payments in checkout fail. Fix in progress. Next update 10:30 UTC.",
        chat="Card payments fail in checkout; cause found & fix rolling out. <Next update 10:30 UTC>",
        published_at=PUBLISHED, status_url="https://status.example.com/incidents/42?x=1&y=2")
    return replace(base, **changes)


def ctx_for(config, secret, *, timeout=2.0, client=None) -> SendContext:
    return SendContext(channel="test-channel", config=config, secret=secret, client=client, timeout=timeout)


def send_error(module, payload, ctx) -> ChannelError:
    with pytest.raises(ChannelError) as info:
        module.send(payload, ctx)
    return info.value


def assert_secret_hidden(exc: Exception, *secrets: str) -> None:
    text = f"{exc} {exc!r} {exc.args!r}"
    for secret in secrets:
        assert secret not in text


STATUSPAGE_COMPONENTS = {"Checkout": "8kbf7d35c070", "payments": "vtnh60py4yd7"}


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


# --- Slack -----------------------------------------------------------------------------------------------

def test_slack_render_builds_block_kit_with_escaping_and_limits():
    long_chat = ("Update & details <see below>. " + "word " * 1300).strip()  # > 6000 characters
    payload = slack.render(message(subject="S" * 200, chat=long_chat, exercise=True), None, {}, None)
    header, *sections, context = payload["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert len(header["text"]["text"]) == 150 and header["text"]["text"].endswith("…")
    assert header["text"]["text"].startswith("[EXERCISE] ")
    assert len(sections) == 3 and all(s["type"] == "section" and s["text"]["type"] == "mrkdwn" for s in sections)
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert sections[0]["text"]["text"].startswith("Update &amp; details &lt;see below&gt;.")
    assert " ".join(s["text"]["text"] for s in sections).split() == slack.escape(long_chat).split()
    ctx_text = context["elements"][0]["text"]
    assert "INC-2026-042" in ctx_text and "Identified" in ctx_text and "2026-11-23 09:30 UTC" in ctx_text
    assert "<https://status.example.com/incidents/42?x=1&amp;y=2|Status page>" in ctx_text
    assert payload["text"].startswith("[EXERCISE] ") and "<" not in payload["text"].replace("&lt;", "")
    assert FakeSlack.check_blocks(payload["blocks"]) is None


def test_slack_render_without_status_url_has_no_link():
    payload = slack.render(message(status_url=None), None, {}, None)
    assert "Status page" not in payload["blocks"][-1]["elements"][0]["text"]


def test_slack_send_posts_the_payload_to_the_secret_url(fake_slack):
    payload = slack.render(message(), None, {}, None)
    receipt = slack.send(payload, ctx_for({}, fake_slack.webhook_url))
    assert receipt == {"http_status": 200}
    assert fake_slack.messages == [payload]
    req = fake_slack.requests[0]
    assert req.headers["Content-Type"].startswith("application/json")
    assert req.headers["User-Agent"].startswith("WarRoom/")
    assert fake_slack.webhook_url not in json.dumps(receipt) + json.dumps(payload)


def test_the_webhook_url_never_reaches_the_log(fake_slack, fake_teams, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        slack.send(slack.render(message(), None, {}, None), ctx_for({}, fake_slack.webhook_url))
        teams.send(teams.render(message(), None, {}, None), ctx_for({}, fake_teams.webhook_url))
    assert "HTTP Request: POST" in caplog.text  # httpx did log the requests ...
    assert fake_slack.token not in caplog.text and fake_teams.sig not in caplog.text  # ... without the secret


def test_slack_test_posts_a_marked_test_message(fake_slack):
    said = slack.test(ctx_for({}, fake_slack.webhook_url))
    assert "test" in said.lower()
    assert "War room channel test" in fake_slack.messages[0]["text"]


@pytest.mark.parametrize("setup, status", [
    (lambda f: setattr(f, "archived", True), 410),
    (lambda f: setattr(f, "hook_path", f.hook_path[:-24] + "x" * 24), 403),
])
def test_slack_refusals_are_permanent_and_hide_the_url(fake_slack, setup, status):
    url = fake_slack.webhook_url
    setup(fake_slack)
    exc = send_error(slack, slack.render(message(), None, {}, None), ctx_for({}, url))
    assert exc.status == status and not exc.transient
    assert_secret_hidden(exc, url, fake_slack.token)


def test_slack_invalid_blocks_are_a_permanent_400(fake_slack):
    payload = slack.render(message(), None, {}, None)
    payload["blocks"][0]["text"]["text"] = "x" * 151  # over the header limit: Slack refuses
    exc = send_error(slack, payload, ctx_for({}, fake_slack.webhook_url))
    assert exc.status == 400 and not exc.transient and "invalid_blocks" in str(exc)


def test_slack_hides_the_url_even_when_the_answer_echoes_it():
    class EchoingSlack(FakeSlack):
        def answer(self, rec):
            from tests.fakes.vendors import Answer
            return Answer(404, f"no_service for {rec.path}")

    with EchoingSlack() as fake:
        exc = send_error(slack, {"text": "x"}, ctx_for({}, fake.webhook_url))
        assert exc.status == 404 and "no_service" in str(exc)
        assert_secret_hidden(exc, fake.webhook_url, fake.token)


def test_slack_refuses_a_missing_or_plain_http_url_without_sending(fake_slack):
    exc = send_error(slack, {"text": "x"}, ctx_for({}, None))
    assert not exc.transient
    remote = "http://hooks.example.com/services/T1/B1/" + "s" * 24
    exc = send_error(slack, {"text": "x"}, ctx_for({}, remote))
    assert "https" in str(exc) and not exc.transient
    assert_secret_hidden(exc, remote, "s" * 24)
    assert fake_slack.requests == []


def test_slack_rate_limit_of_the_server_is_reported_as_retry_later():
    with FakeSlack(rate_per_s=slack.RATE, burst=slack.BURST) as fake:
        payload = slack.render(message(), None, {}, None)
        slack.send(payload, ctx_for({}, fake.webhook_url))
        exc = send_error(slack, payload, ctx_for({}, fake.webhook_url))  # at once: faster than 1/s
        assert exc.transient and exc.status == 429 and exc.retry_after == 1.0
        assert fake.rate_limited == 1 and len(fake.messages) == 1


def test_teams_documented_rate_is_accepted_and_faster_is_refused():
    with FakeTeams(rate_per_s=teams.RATE, burst=teams.BURST) as fake, httpx.Client() as client:
        payload = teams.render(message(), None, {}, None)
        ctx = ctx_for({}, fake.webhook_url, client=client)  # kept alive: arrivals spaced like departures
        # a token bucket at the documented RATE/BURST, as the outbox runs it
        tokens, last = float(teams.BURST), time.monotonic()
        for _ in range(teams.BURST + 3):
            now = time.monotonic()
            tokens = min(teams.BURST, tokens + (now - last) * teams.RATE)
            last = now
            if tokens < 1:
                time.sleep((1 - tokens) / teams.RATE)
                tokens, last = 1.0, time.monotonic()
            tokens -= 1
            teams.send(payload, ctx)
        assert fake.rate_limited == 0 and len(fake.messages) == teams.BURST + 3
        failures = []
        for _ in range(teams.BURST + 2):  # no pacing at all
            try:
                teams.send(payload, ctx)
            except ChannelError as exc:
                failures.append(exc)
        assert failures and all(e.transient and e.status == 429 for e in failures)


# --- Teams -------------------------------------------------------------------------------------------------

def test_teams_render_is_an_adaptive_card_in_a_message_envelope():
    payload = teams.render(message(), None, {}, None)
    assert FakeTeams.check_envelope(payload) is None
    [att] = payload["attachments"]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive" and att["contentUrl"] is None
    card = att["content"]
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    title, facts, text = card["body"]
    assert title == {"type": "TextBlock", "text": "Payments: card payments failing", "weight": "Bolder",
                     "size": "Medium", "wrap": True}
    assert {f["title"]: f["value"] for f in facts["facts"]} == {
        "Incident": "INC-2026-042", "Status": "Identified", "Severity": "SEV2", "Published": "2026-11-23 09:30 UTC"}
    assert text["text"] == LONG and text["wrap"] is True
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Status page",
                                "url": "https://status.example.com/incidents/42?x=1&y=2"}]
    assert "actions" not in teams.render(message(status_url=None), None, {}, None)["attachments"][0]["content"]


def test_teams_send_accepts_202(fake_teams):
    payload = teams.render(message(), None, {}, None)
    assert teams.send(payload, ctx_for({}, fake_teams.webhook_url)) == {"http_status": 202}
    assert fake_teams.messages == [payload]
    assert "test" in teams.test(ctx_for({}, fake_teams.webhook_url)).lower()
    assert len(fake_teams.messages) == 2


def test_teams_wrong_signature_is_permanent_and_hidden(fake_teams):
    good = fake_teams.webhook_url
    bad = good.replace(fake_teams.sig, "forged" + fake_teams.sig[6:])
    exc = send_error(teams, teams.render(message(), None, {}, None), ctx_for({}, bad))
    assert exc.status == 401 and not exc.transient
    assert_secret_hidden(exc, bad, fake_teams.sig[6:])


# --- Statuspage ----------------------------------------------------------------------------------------------

def test_statuspage_render_creates_then_patches_with_mapped_components():
    cfg = statuspage.validate_config({"page_id": "kctbh9vrtdwd", "components": json.dumps(STATUSPAGE_COMPONENTS)})
    assert cfg["base_url"] == "https://api.statuspage.io/v1"
    first = statuspage.render(message(), None, cfg, None)
    assert first["method"] == "POST" and first["path"] == "/pages/kctbh9vrtdwd/incidents"
    inc = first["body"]["incident"]
    assert inc == {"name": "Checkout payments failing", "status": "identified", "body": LONG,
                   "impact_override": "major", "deliver_notifications": True,
                   "component_ids": ["8kbf7d35c070", "vtnh60py4yd7"],  # "Payments" matched "payments"
                   "components": {"8kbf7d35c070": "partial_outage", "vtnh60py4yd7": "partial_outage"}}
    later = statuspage.render(message(statuspage_status="resolved", status="resolved"), None, cfg,
                              {"incident_id": "p31zjtct2jer", "shortlink": "x"})
    assert later["method"] == "PATCH" and later["path"] == "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer"
    assert set(later["body"]["incident"]["components"].values()) == {"operational"}
    assert statuspage.render(message(), None, cfg, {})["method"] == "POST"


def test_statuspage_create_then_update_the_same_incident(fake_statuspage):
    fake = fake_statuspage
    cfg = statuspage.validate_config({"page_id": fake.page_id, "base_url": fake.base_url,
                                      "components": STATUSPAGE_COMPONENTS})
    ctx = ctx_for(cfg, fake.api_key)
    receipt = statuspage.send(statuspage.render(message(), None, cfg, None), ctx)
    iid = receipt["incident_id"]
    assert iid in fake.incidents and receipt["shortlink"] == fake.incidents[iid]["shortlink"]
    assert fake.components["8kbf7d35c070"]["status"] == "partial_outage"
    assert fake.components["1f2g3h4j5k6l"]["status"] == "operational"  # not ours: untouched

    resolved = message(status="resolved", statuspage_status="resolved", long="All payments work again.")
    update = statuspage.render(resolved, None, cfg, receipt)
    again = statuspage.send(update, ctx)
    assert again["incident_id"] == iid and len(fake.incidents) == 1
    inc = fake.incidents[iid]
    assert inc["status"] == "resolved" and [u["body"] for u in inc["incident_updates"]] == [
        "All payments work again.", LONG]
    assert fake.components["8kbf7d35c070"]["status"] == "operational"
    assert fake.components["vtnh60py4yd7"]["status"] == "operational"
    methods = [(r.method, r.headers["Authorization"] == f"OAuth {fake.api_key}") for r in fake.requests]
    assert methods == [("POST", True), ("PATCH", True)]
    assert fake.api_key not in json.dumps([receipt, again, update])


def test_statuspage_test_reads_the_page_name(fake_statuspage):
    cfg = statuspage.validate_config({"page_id": fake_statuspage.page_id, "base_url": fake_statuspage.base_url})
    assert "Acme Status" in statuspage.test(ctx_for(cfg, fake_statuspage.api_key))
    assert fake_statuspage.requests[0].method == "GET"


def test_statuspage_420_is_a_rate_limit(fake_statuspage):
    cfg = statuspage.validate_config({"page_id": fake_statuspage.page_id, "base_url": fake_statuspage.base_url})
    fake_statuspage.fail_next(1, "420", retry_after=3)
    exc = send_error(statuspage, statuspage.render(message(), None, cfg, None), ctx_for(cfg, fake_statuspage.api_key))
    assert exc.status == 420 and exc.transient and exc.retry_after == 3.0


def test_statuspage_refusals_are_permanent(fake_statuspage):
    fake = fake_statuspage
    cfg = statuspage.validate_config({"page_id": fake.page_id, "base_url": fake.base_url})
    payload = statuspage.render(message(), None, cfg, None)
    wrong_key = "0" * 40
    exc = send_error(statuspage, payload, ctx_for(cfg, wrong_key))
    assert exc.status == 401 and not exc.transient and "API key" in str(exc)
    assert_secret_hidden(exc, wrong_key, fake.api_key)

    other = statuspage.validate_config({"page_id": "nosuchpage", "base_url": fake.base_url})
    exc = send_error(statuspage, statuspage.render(message(), None, other, None), ctx_for(other, fake.api_key))
    assert exc.status == 404 and not exc.transient

    bad = json.loads(json.dumps(payload))
    bad["body"]["incident"]["status"] = "fixed"
    exc = send_error(statuspage, bad, ctx_for(cfg, fake.api_key))
    assert exc.status == 422 and not exc.transient and "fixed" in str(exc)

    gone = statuspage.render(message(), None, cfg, {"incident_id": "deletedincid"})
    exc = send_error(statuspage, gone, ctx_for(cfg, fake.api_key))
    assert exc.status == 404 and not exc.transient
    assert fake.incidents == {}


NOTICE = "We withdrew our update of 09:30 UTC: it named the wrong cause. A corrected update follows."


def statuspage_world(fake):
    cfg = statuspage.validate_config({"page_id": fake.page_id, "base_url": fake.base_url,
                                      "components": STATUSPAGE_COMPONENTS})
    return cfg, ctx_for(cfg, fake.api_key)


def retraction(receipt, **changes) -> Message:
    return message(kind="retraction", long=NOTICE, retracts={
        "delivery_id": "dlv-01JD5Q00", "draft_id": "drf-01JD5Q00", "published_at": PUBLISHED.isoformat(),
        "receipt": receipt}, **changes)


def published(fake, cfg, ctx, texts):
    """Publish one update per text on one incident; the receipts, oldest first."""
    receipts = []
    for text in texts:
        previous = receipts[-1] if receipts else None
        receipts.append(statuspage.send(statuspage.render(message(long=text), None, cfg, previous), ctx))
    return receipts


def test_statuspage_receipt_names_the_incident_update_it_created(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    first, second = published(fake, cfg, ctx, [LONG, "Fix deployed; we are watching."])
    iid = first["incident_id"]
    assert set(first) == {"incident_id", "shortlink", "incident_update_id"}
    newest, oldest = fake.updates(iid)
    assert first["incident_update_id"] == oldest["id"] and oldest["body"] == LONG
    assert second == {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": newest["id"]}
    assert newest["body"] == "Fix deployed; we are watching."


def test_statuspage_receipt_takes_no_update_id_it_cannot_vouch_for():
    answer = {"id": "p31zjtct2jer", "incident_updates": [{"id": "old1", "body": "Earlier words."}]}
    assert statuspage._new_update_id(answer, "Our words.") is None      # the newest is not ours
    assert statuspage._new_update_id(answer, "Earlier words.\n") == "old1"
    assert statuspage._new_update_id({"id": "p31zjtct2jer"}, "Our words.") is None
    assert statuspage._new_update_id({"incident_updates": []}, "Our words.") is None
    assert statuspage._new_update_id({"incident_updates": [{"id": "new1"}]}, "Our words.") == "new1"


def test_statuspage_render_retraction_edits_the_retracted_update_only():
    cfg = statuspage.validate_config({"page_id": "kctbh9vrtdwd", "components": STATUSPAGE_COMPONENTS})
    target = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd2"}
    latest = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd3"}
    payload = statuspage.render(retraction(target), None, cfg, latest)
    assert payload == {
        "method": "PATCH", "path": "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer/incident_updates/upd2",
        "body": {"incident_update": {"body": NOTICE}},
        "edits": {"incident_id": "p31zjtct2jer", "incident_update_id": "upd2", "shortlink": "https://stspg.io/p31zjt"}}
    assert json.loads(json.dumps(payload)) == payload


def test_statuspage_retraction_replaces_exactly_the_retracted_words(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    wrong = "The cause is a faulty database upgrade by our payment partner."
    first, bad, third = published(fake, cfg, ctx, [LONG, wrong, "Next update by 11:00 UTC."])
    iid = first["incident_id"]
    before = fake.updates(iid)
    status, components = fake.incidents[iid]["status"], {k: v["status"] for k, v in fake.components.items()}

    receipt = statuspage.send(statuspage.render(retraction(bad), None, cfg, third), ctx)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"],
                       "incident_update_id": bad["incident_update_id"]}
    request = fake.requests[-1]
    assert (request.method, request.route) == (
        "PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}/incident_updates/{bad['incident_update_id']}")
    assert request.json() == {"incident_update": {"body": NOTICE}}

    after = fake.updates(iid)
    assert [u["id"] for u in after] == [u["id"] for u in before]          # no update added
    assert fake.update(bad["incident_update_id"])["body"] == NOTICE
    assert wrong not in json.dumps(fake.incidents)                         # the words are gone
    untouched = [u for u in after if u["id"] != bad["incident_update_id"]]
    assert untouched == [u for u in before if u["id"] != bad["incident_update_id"]]
    assert fake.incidents[iid]["status"] == status
    assert {k: v["status"] for k, v in fake.components.items()} == components

    # the retraction's receipt is the next update's previous: it goes on the same incident
    following = statuspage.render(message(long="All payments work again."), None, cfg, receipt)
    assert following["method"] == "PATCH" and following["path"] == f"/pages/{fake.page_id}/incidents/{iid}"


def test_statuspage_retraction_of_an_undelivered_update_sends_nothing(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    sent = len(fake.requests)

    payload = statuspage.render(retraction(None), None, cfg, first)
    assert payload["method"] == "NONE"
    receipt = statuspage.send(payload, ctx_for(cfg, None))      # no request, so no key needed
    assert len(fake.requests) == sent
    assert receipt["nothing_needed"] is True and "never reached Statuspage" in receipt["reason"]
    assert (receipt["incident_id"], receipt["shortlink"], receipt["incident_update_id"]) == (
        first["incident_id"], first["shortlink"], None)
    assert [u["body"] for u in fake.updates(first["incident_id"])] == [LONG]

    # still the incident of this War room incident: the correction goes on it
    correction = statuspage.render(message(kind="correction", long="Corrected."), None, cfg, receipt)
    assert correction["path"] == f"/pages/{fake.page_id}/incidents/{first['incident_id']}"
    # retracting what put nothing on the page puts nothing on it either
    assert statuspage.render(retraction(receipt), None, cfg, receipt)["method"] == "NONE"
    # nothing published on this channel yet: nothing to carry
    alone = statuspage.send(statuspage.render(retraction(None), None, cfg, None), ctx)
    assert alone["incident_id"] is None and alone["nothing_needed"] is True


def test_statuspage_retraction_without_an_update_id_posts_the_notice(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    iid = first["incident_id"]
    old_receipt = {"incident_id": iid, "shortlink": first["shortlink"]}    # kept before update ids were

    payload = statuspage.render(retraction(old_receipt, statuspage_status="resolved"), None, cfg, old_receipt)
    assert payload["method"] == "PATCH" and payload["path"] == f"/pages/{fake.page_id}/incidents/{iid}"
    assert payload["body"] == {"incident": {"name": "Checkout payments failing", "body": NOTICE,
                                            "deliver_notifications": True}}
    receipt = statuspage.send(payload, ctx)
    newest, oldest = fake.updates(iid)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": newest["id"]}
    assert newest["body"] == NOTICE and oldest["body"] == LONG
    assert fake.incidents[iid]["status"] == "identified"                   # status left as it was
    assert fake.components["8kbf7d35c070"]["status"] == "partial_outage"


CORRECTED = "The cause is an expired certificate at our payment partner; a new one is live."


def correction(receipt, **changes) -> Message:
    """A correction of the update ``receipt`` (its delivery's receipt on this channel) put on the page."""
    return message(kind="correction", long=CORRECTED, retracts={
        "draft_id": "drf-01JD5Q00", "delivery_id": "dlv-01JD5Q00", "receipt": receipt}, **changes)


def retracted(fake, cfg, ctx, texts, index):
    """Publish ``texts`` on one incident and retract the one at ``index``: (receipts, the retraction's)."""
    receipts = published(fake, cfg, ctx, texts)
    notice = statuspage.send(statuspage.render(retraction(receipts[index]), None, cfg, receipts[-1]), ctx)
    return receipts, notice


def test_statuspage_render_correction_edits_then_sets_the_incident_without_a_body():
    cfg = statuspage.validate_config({"page_id": "kctbh9vrtdwd", "components": STATUSPAGE_COMPONENTS})
    target = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd2"}
    latest = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd3"}
    payload = statuspage.render(correction(target, title="Saved cards failing"), None, cfg, latest)
    assert payload == {
        "method": "PATCH", "path": "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer/incident_updates/upd2",
        "body": {"incident_update": {"body": CORRECTED}},
        "edits": {"incident_id": "p31zjtct2jer", "incident_update_id": "upd2", "shortlink": "https://stspg.io/p31zjt"},
        "then": {"method": "PATCH", "path": "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer",
                 "body": {"incident": {"name": "Saved cards failing", "status": "identified",
                                       "impact_override": "major", "deliver_notifications": True,
                                       "component_ids": ["8kbf7d35c070", "vtnh60py4yd7"],
                                       "components": {"8kbf7d35c070": "partial_outage",
                                                      "vtnh60py4yd7": "partial_outage"}}}}}
    assert json.loads(json.dumps(payload)) == payload
    assert statuspage.render(correction(target, title="Saved cards failing"), None, cfg, latest) == payload


def test_statuspage_correction_replaces_exactly_the_retracted_words(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    wrong = "The cause is a faulty database upgrade by our payment partner."
    (first, bad, third), notice = retracted(fake, cfg, ctx, [LONG, wrong, "Next update by 11:00 UTC."], 1)
    iid = first["incident_id"]
    before = fake.updates(iid)
    assert fake.update(bad["incident_update_id"])["body"] == NOTICE
    sent = len(fake.requests)

    fixed = correction(bad, title="Saved card payments failing", impact="critical", component_status="major_outage")
    receipt = statuspage.send(statuspage.render(fixed, None, cfg, notice), ctx)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"],
                       "incident_update_id": bad["incident_update_id"]}

    edit, incident = fake.requests[sent:]                                   # two requests, in this order
    assert (edit.method, edit.route) == (
        "PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}/incident_updates/{bad['incident_update_id']}")
    assert edit.json() == {"incident_update": {"body": CORRECTED}}
    assert (incident.method, incident.route) == ("PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}")
    assert "body" not in incident.json()["incident"]

    after = fake.updates(iid)
    assert [u["id"] for u in after] == [u["id"] for u in before]           # no update added
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED      # the corrected words replace…
    assert NOTICE not in json.dumps(fake.incidents)                         # …the retraction notice
    assert wrong not in json.dumps(fake.incidents)
    untouched = [u for u in after if u["id"] != bad["incident_update_id"]]
    assert untouched == [u for u in before if u["id"] != bad["incident_update_id"]]
    assert [u["body"] for u in untouched] == ["Next update by 11:00 UTC.", LONG]

    inc = fake.incidents[iid]                                               # the incident follows the correction
    assert inc["name"] == "Saved card payments failing" and inc["impact"] == "critical"
    assert inc["status"] == "identified"
    assert fake.components["8kbf7d35c070"]["status"] == "major_outage"
    assert fake.components["vtnh60py4yd7"]["status"] == "major_outage"
    assert fake.components["1f2g3h4j5k6l"]["status"] == "operational"       # not ours: untouched
    assert len(fake.incidents) == 1

    # the next update goes on the same incident, as a new update
    following = statuspage.render(message(long="All payments work again."), None, cfg, receipt)
    assert following["method"] == "PATCH" and following["path"] == f"/pages/{fake.page_id}/incidents/{iid}"
    assert "then" not in following


def test_statuspage_correction_that_moves_the_status_adds_only_the_status_change(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    iid = first["incident_id"]
    before = fake.updates(iid)

    fixed = correction(bad, statuspage_status="monitoring", status="monitoring")
    receipt = statuspage.send(statuspage.render(fixed, None, cfg, notice), ctx)
    assert receipt["incident_update_id"] == bad["incident_update_id"]
    newest, *rest = fake.updates(iid)
    assert [u["id"] for u in rest] == [u["id"] for u in before]
    assert (newest["status"], newest["body"]) == ("monitoring", "")          # the status change, no words twice
    assert [u["body"] for u in rest] == [CORRECTED, LONG]
    assert fake.incidents[iid]["status"] == "monitoring"


def test_statuspage_correction_without_a_receipt_posts_normally(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    iid = first["incident_id"]

    # the retracted words never reached Statuspage: a new update on the incident
    payload = statuspage.render(correction(None, statuspage_status="monitoring", status="monitoring"),
                                None, cfg, first)
    assert payload["method"] == "PATCH" and payload["path"] == f"/pages/{fake.page_id}/incidents/{iid}"
    assert payload["body"]["incident"]["body"] == CORRECTED and "then" not in payload and "edits" not in payload
    receipt = statuspage.send(payload, ctx)
    newest, oldest = fake.updates(iid)
    assert (newest["body"], oldest["body"]) == (CORRECTED, LONG)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": newest["id"]}
    assert fake.incidents[iid]["status"] == newest["status"] == "monitoring"

    # a receipt saying nothing was needed, or one without the update's id, is no usable receipt either
    nothing = {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": None,
               "nothing_needed": True}
    old_receipt = {"incident_id": iid, "shortlink": first["shortlink"]}
    for target in (nothing, old_receipt, {**first, "nothing_needed": True}):
        again = statuspage.render(correction(target), None, cfg, receipt)
        assert again == statuspage.render(message(long=CORRECTED), None, cfg, receipt)

    # nothing on this channel yet: the correction creates the incident
    fresh = statuspage.render(correction(None), None, cfg, None)
    assert fresh["method"] == "POST" and fresh["path"] == f"/pages/{fake.page_id}/incidents"
    statuspage.send(fresh, ctx)
    assert len(fake.incidents) == 2


@pytest.mark.parametrize("code", ["429", "420"])
def test_statuspage_correction_rate_limited_on_the_edit_changes_nothing(fake_statuspage, code):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    payload = statuspage.render(correction(bad, title="Saved cards failing"), None, cfg, notice)
    sent = len(fake.requests)

    fake.fail_next(1, code, retry_after=7)
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == int(code) and exc.retry_after == 7.0
    assert getattr(exc, "partial_receipt", None) is None                    # nothing done: the retry does it all
    assert len(fake.requests) == sent + 1                                   # the incident was not touched
    assert fake.update(bad["incident_update_id"])["body"] == NOTICE
    assert fake.incidents[first["incident_id"]]["name"] == "Checkout payments failing"
    assert_secret_hidden(exc, fake.api_key)

    statuspage.send(payload, ctx)
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED
    assert fake.incidents[first["incident_id"]]["name"] == "Saved cards failing"


@pytest.mark.parametrize("code", ["429", "420"])
def test_statuspage_correction_rate_limited_after_the_edit_retries_only_the_rest(fake_statuspage, code):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    iid = first["incident_id"]
    before = [u["id"] for u in fake.updates(iid)]
    payload = statuspage.render(correction(bad, title="Saved cards failing"), None, cfg, notice)

    fake.fail_next(1, "ok")                                                 # the edit goes through…
    fake.fail_next(1, code, retry_after=7)                                  # …the incident's fields do not
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == int(code) and exc.retry_after == 7.0
    assert "corrected words are on the page" in str(exc)
    assert_secret_hidden(exc, fake.api_key)
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED
    assert fake.incidents[iid]["name"] == "Checkout payments failing"
    partial = exc.partial_receipt
    assert partial["edited_update_id"] == bad["incident_update_id"] and json.loads(json.dumps(partial)) == partial

    # the next attempt (the dispatcher hands back the partial receipt) sends only what is missing
    sent = len(fake.requests)
    retry = ctx_for(cfg, fake.api_key)
    retry.extra["partial"] = partial
    receipt = statuspage.send(payload, retry)
    (only,) = fake.requests[sent:]
    assert (only.method, only.route) == ("PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}")
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"],
                       "incident_update_id": bad["incident_update_id"]}
    assert fake.incidents[iid]["name"] == "Saved cards failing"

    # without it (or with one about other words), the edit is made again: the same words, no harm
    for extra in ({}, {"partial": {**partial, "edited_sha256": "0" * 64}}):
        sent = len(fake.requests)
        again = ctx_for(cfg, fake.api_key)
        again.extra.update(extra)
        assert statuspage.send(payload, again) == receipt
        assert [r.route.rsplit("/", 2)[-2] for r in fake.requests[sent:]] == ["incident_updates", "incidents"]
    assert [u["id"] for u in fake.updates(iid)] == before
    assert [u["body"] for u in fake.updates(iid)] == [CORRECTED, LONG]


def test_statuspage_correction_5xx_after_the_edit_is_transient(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    payload = statuspage.render(correction(bad), None, cfg, notice)
    fake.fail_next(1, "ok")
    fake.fail_next(1, "500")
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == 500 and exc.retry_after is None and exc.partial_receipt
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED


def test_statuspage_correction_at_the_vendor_rate_gets_through_on_the_retry():
    with FakeStatuspage(rate_per_s=2.0) as fake:
        cfg, ctx = statuspage_world(fake)
        (bad,) = published(fake, cfg, ctx, ["Wrong cause."])                 # (no retraction needed here)
        time.sleep(0.6)
        payload = statuspage.render(correction(bad, title="Saved cards failing"), None, cfg, bad)
        exc = send_error(statuspage, payload, ctx)                           # the edit, then one too soon
        assert exc.status == 429 and exc.transient and exc.retry_after == 1.0 and fake.rate_limited == 1
        assert fake.update(bad["incident_update_id"])["body"] == CORRECTED
        time.sleep(exc.retry_after)
        retry = ctx_for(cfg, fake.api_key)
        retry.extra["partial"] = exc.partial_receipt
        statuspage.send(payload, retry)                                      # one request: within the rate
        assert fake.rate_limited == 1
        assert fake.incidents[bad["incident_id"]]["name"] == "Saved cards failing"


def test_statuspage_edit_refusals_and_rate_limits(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    payload = statuspage.render(retraction(first), None, cfg, first)

    fake.fail_next(1, "429", retry_after=7)
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == 429 and exc.retry_after == 7.0
    fake.fail_next(1, "420", retry_after=3)
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == 420 and exc.retry_after == 3.0
    assert fake.update(first["incident_update_id"])["body"] == LONG          # refused: nothing changed

    wrong_key = "0" * 40
    exc = send_error(statuspage, payload, ctx_for(cfg, wrong_key))
    assert exc.status == 401 and not exc.transient
    assert_secret_hidden(exc, wrong_key, fake.api_key)

    for target in ({**first, "incident_update_id": "nosuchupdate"}, {**first, "incident_id": "nosuchincid"}):
        exc = send_error(statuspage, statuspage.render(retraction(target), None, cfg, first), ctx)
        assert exc.status == 404 and not exc.transient
    assert fake.update(first["incident_update_id"])["body"] == LONG

    statuspage.send(payload, ctx)                                             # and then it goes through
    assert fake.update(first["incident_update_id"])["body"] == NOTICE


def test_statuspage_edit_is_held_to_the_vendor_rate():
    with FakeStatuspage(rate_per_s=1.0) as fake:
        cfg, ctx = statuspage_world(fake)
        (first,) = published(fake, cfg, ctx, [LONG])
        exc = send_error(statuspage, statuspage.render(retraction(first), None, cfg, first), ctx)
        assert exc.status == 429 and exc.transient and exc.retry_after == 1.0 and fake.rate_limited == 1
        assert fake.update(first["incident_update_id"])["body"] == LONG


def test_statuspage_incident_name_follows_the_title(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    receipt = statuspage.send(statuspage.render(message(), None, cfg, None), ctx)
    iid = receipt["incident_id"]
    assert fake.incidents[iid]["name"] == "Checkout payments failing"
    renamed = message(title="Card payments failing in checkout", long="Still working on it.")
    payload = statuspage.render(renamed, None, cfg, receipt)
    assert payload["body"]["incident"]["name"] == "Card payments failing in checkout"
    receipt = statuspage.send(payload, ctx)
    assert fake.incidents[iid]["name"] == "Card payments failing in checkout"
    statuspage.send(statuspage.render(message(kind="correction", title="Saved cards failing", long="Corrected."),
                                      None, cfg, receipt), ctx)
    assert fake.incidents[iid]["name"] == "Saved cards failing"
    assert fake.requests[-1].json()["incident"]["name"] == "Saved cards failing"


@pytest.mark.parametrize("config, needle", [
    ({}, "page_id"),
    ({"page_id": "abc/def"}, "page_id"),
    ({"page_id": "abc", "components": "{not json"}, "components"),
    ({"page_id": "abc", "components": {"Checkout": ""}}, "components"),
    ({"page_id": "abc", "base_url": "http://api.statuspage.io/v1"}, "https"),
    ({"page_id": "abc", "base_url": "ftp://x"}, "base_url"),
])
def test_statuspage_config_errors_name_the_setting(config, needle):
    with pytest.raises(InputError) as info:
        statuspage.validate_config(config)
    assert needle in str(info.value)


# --- e-mail -------------------------------------------------------------------------------------------------------

def test_email_render_is_deterministic_and_escapes_html(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    out = email.render(message(), Recipient("Jörg Weiß", "joerg@example.org"), cfg, None)
    assert out["message_id"] == "<dlv-01JD5Q8Z@example.com>"
    assert out["date"] == "Mon, 23 Nov 2026 09:30:00 +0000"
    assert out["subject"] == "Payments: card payments failing"
    assert "<ul>\n<li>Card payments &lt;all brands&gt;</li>\n<li>Saved payment methods</li>\n</ul>" in out["html"]
    assert "<p>We have identified the cause of failing card payments in checkout &amp; are" in out["html"]
    assert 'href="https://status.example.com/incidents/42?x=1&amp;y=2"' in out["html"]
    assert out["text"].startswith(LONG) and "Status page: https://status.example.com" in out["text"]
    assert out == email.render(message(), Recipient("Jörg Weiß", "joerg@example.org"), cfg, None)
    with pytest.raises(ChannelError) as info:
        email.render(message(), Recipient("Nobody", ""), cfg, None)
    assert not info.value.transient


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_email_is_sent_encrypted_verified_and_well_formed(request, mode):
    fake = request.getfixturevalue("fake_smtp" if mode == "starttls" else "fake_smtp_tls")
    cfg = email.validate_config(fake.config(port=fake.port, reply_to="support@example.com"))
    subject = "Störung behoben – Zahlungen"
    msg = message(subject=subject, locale="de", exercise=False)
    payload = email.render(msg, Recipient("Jörg Weiß", "joerg@example.org"), cfg, None)
    receipt = email.send(payload, ctx_for(cfg, fake.password))
    assert receipt == {"message_id": "<dlv-01JD5Q8Z@example.com>"}

    [got] = fake.messages
    assert got.tls and got.authenticated_as == "warroom"
    assert got.mail_from == "status@example.com" and got.rcpt_tos == ["joerg@example.org"]
    m = got.message
    assert m["Subject"] == subject
    assert b"Subject: =?utf-8?" in got.raw  # encoded, not raw 8-bit
    assert m["Message-ID"] == "<dlv-01JD5Q8Z@example.com>"
    assert m["Date"] == "Mon, 23 Nov 2026 09:30:00 +0000"
    assert m["From"].addresses[0].display_name == "Acme Status"
    assert m["To"].addresses[0].display_name == "Jörg Weiß"
    assert m["Reply-To"] == "support@example.com"
    assert m.get_content_type() == "multipart/alternative"
    plain, html_part = m.iter_parts()
    assert plain.get_content_type() == "text/plain" and plain.get_content().startswith("We have identified")
    assert html_part.get_content_type() == "text/html" and "<li>Card payments &lt;all brands&gt;</li>" in \
        html_part.get_content()
    assert fake.password not in got.raw.decode("utf-8", "replace")


def test_email_resend_keeps_the_message_id(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    payload = email.render(message(), Recipient("", "ops@example.org"), cfg, None)
    for _ in range(2):
        email.send(payload, ctx_for(cfg, fake_smtp.password))
    ids = [r.message["Message-ID"] for r in fake_smtp.messages]
    assert ids == ["<dlv-01JD5Q8Z@example.com>"] * 2


def test_email_test_logs_in_and_sends_nothing(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    said = email.test(ctx_for(cfg, fake_smtp.password))
    assert "STARTTLS" in said and "no mail sent" in said
    assert fake_smtp.messages == [] and fake_smtp.auth_attempts == [("warroom", True)]


def test_email_unverifiable_certificate_is_refused(fake_smtp):
    cfg = email.validate_config(fake_smtp.config(ca_file=None))  # system CAs do not know the test CA
    exc = send_error(email, email.render(message(), Recipient("", "a@example.org"), cfg, None),
                     ctx_for(cfg, fake_smtp.password))
    assert not exc.transient and "certificate" in str(exc)
    assert fake_smtp.auth_attempts == [] and fake_smtp.messages == []


def test_email_wrong_password_is_permanent_and_not_shown(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    wrong = "hunter2-wrong-password"
    exc = send_error(email, email.render(message(), Recipient("", "a@example.org"), cfg, None), ctx_for(cfg, wrong))
    assert not exc.transient and exc.status == 535 and "login" in str(exc)
    assert_secret_hidden(exc, wrong, fake_smtp.password)
    # smtplib tries each offered mechanism (PLAIN, then LOGIN) before giving up
    assert fake_smtp.auth_attempts and set(fake_smtp.auth_attempts) == {("warroom", False)}
    assert fake_smtp.messages == []


@pytest.mark.parametrize("code, transient", [(451, True), (421, True), (550, False)])
def test_email_server_refusals_by_code(fake_smtp, code, transient):
    cfg = email.validate_config(fake_smtp.config())
    payload = email.render(message(), Recipient("", "a@example.org"), cfg, None)
    fake_smtp.fail_next(1, code)
    exc = send_error(email, payload, ctx_for(cfg, fake_smtp.password))
    assert exc.transient is transient and exc.status == code
    email.send(payload, ctx_for(cfg, fake_smtp.password))  # the next one is accepted
    assert len(fake_smtp.messages) == 1


def test_email_refused_recipient_is_permanent(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    fake_smtp.reject_recipients.add("gone@example.org")
    exc = send_error(email, email.render(message(), Recipient("", "gone@example.org"), cfg, None),
                     ctx_for(cfg, fake_smtp.password))
    assert not exc.transient and exc.status == 550 and "gone@example.org" in str(exc)


def test_email_unreachable_or_silent_server_is_transient(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        free_port = closed.getsockname()[1]
    cfg = email.validate_config({"host": "127.0.0.1", "port": free_port, "security": "none",
                                 "from_addr": "status@example.com"})
    payload = email.render(message(), Recipient("", "a@example.org"), cfg, None)
    exc = send_error(email, payload, ctx_for(cfg, None, timeout=0.3))
    assert exc.transient and "could not be reached" in str(exc)

    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        cfg = dict(cfg, port=silent.getsockname()[1])
        started = time.monotonic()
        exc = send_error(email, payload, ctx_for(cfg, None, timeout=0.3))
        assert exc.transient and "0.3 s" in str(exc) and time.monotonic() - started < 2


@pytest.mark.parametrize("config, needle", [
    ({"from_addr": "a@example.com"}, "host"),
    ({"host": "smtp.example.com"}, "from_addr"),
    ({"host": "smtp.example.com", "from_addr": "not an address"}, "from_addr"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "security": "none"}, "security"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "security": "ssl"}, "security"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "port": "nope"}, "port"),
    ({"host": "smtp://example.com", "from_addr": "a@example.com"}, "host"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "ca_file": "/nonexistent/ca.pem"}, "ca_file"),
])
def test_email_config_errors_name_the_setting(config, needle):
    with pytest.raises(InputError) as info:
        email.validate_config(config)
    assert needle in str(info.value)


def test_email_config_defaults_and_localhost_plain():
    cfg = email.validate_config({"host": "smtp.example.com", "from_addr": "Status@Example.com"})
    assert (cfg["port"], cfg["security"], cfg["username"]) == (587, "starttls", None)
    assert email.validate_config({"host": "localhost", "from_addr": "a@example.com", "security": "none",
                                  "port": "25"})["port"] == 25


# --- SMS ------------------------------------------------------------------------------------------------------------

def test_sms_short_text_is_one_part_in_e164():
    cfg = {"max_segments": 3}
    out = sms.render(message(), Recipient("Ana", "+49 151 23456789"), cfg, None)
    assert out == {"to": "+4915123456789", "parts": [message().short]}
    marked = sms.render(message(exercise=True), Recipient("Ana", "+4915123456789"), cfg, None)
    assert marked["parts"][0].startswith("[EXERCISE] ")


@pytest.mark.parametrize("address", ["015123456789", "+49 123", "", "call me"])
def test_sms_refuses_numbers_that_are_not_e164(address):
    with pytest.raises(ChannelError) as info:
        sms.render(message(), Recipient("Ana", address), {"max_segments": 3}, None)
    assert not info.value.transient and "E.164" in str(info.value)


def test_sms_unicode_text_is_split_into_parts_by_segments():
    text = " ".join(["Zahlungen gestört 🚨 Fix läuft, nächstes Update 10:30 UTC."] * 12)
    assert sms_length(text).encoding == "UCS-2" and sms_length(text).segments > 2
    out = sms.render(message(short=text), Recipient("Ana", "+4915123456789"), {"max_segments": 2}, None)
    parts = out["parts"]
    n = len(parts)
    assert n >= 2
    for i, part in enumerate(parts, 1):
        assert part.endswith(f" ({i}/{n})")
        assert sms_length(part).segments <= 2
    bodies = [p.rsplit(" (", 1)[0] for p in parts]
    assert " ".join(bodies).split() == text.split()  # split at spaces: no word (or emoji) cut
    # greedy: no part could have taken the next word
    for body, following in zip(bodies, bodies[1:]):
        assert sms_length(f"{body} {following.split()[0]} ({n}/{n})").segments > 2


def test_sms_gsm_text_uses_the_full_gsm_capacity():
    text = ("Payment outage. " * 40).strip()  # 639 GSM-7 characters
    parts = sms.split_text(text, 1)
    assert all(sms_length(p).encoding == "GSM-7" and len(p) <= 160 for p in parts)
    assert len(parts) == 5
    assert sms.split_text("x" * 500, 1)[0] == "x" * 154 + " (1/4)"  # a word longer than a part is cut


def test_sms_ten_or_more_parts_leave_room_for_two_digit_counters():
    parts = sms.split_text(("outage " * 300).strip(), 1)
    n = len(parts)
    assert n >= 10 and parts[9].endswith(f" (10/{n})")
    assert all(sms_length(p).segments == 1 for p in parts)


def test_sms_send_posts_every_part_in_order(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+1 415 555 0100"})
    assert cfg["from_number"] == "+14155550100" and cfg["max_segments"] == 3
    payload = {"to": "+4915123456789", "parts": ["first (1/2)", "second (2/2)"]}
    receipt = sms.send(payload, ctx_for(cfg, fake_twilio.auth_token))
    assert receipt["sids"] == [m["sid"] for m in fake_twilio.messages]
    assert [m["Body"] for m in fake_twilio.messages] == ["first (1/2)", "second (2/2)"]
    assert {(m["To"], m["From"]) for m in fake_twilio.messages} == {("+4915123456789", "+14155550100")}
    assert fake_twilio.requests[0].route == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert fake_twilio.auth_token not in json.dumps(receipt)


def test_sms_messaging_service_instead_of_a_number(fake_twilio):
    service = "MG" + "a1" * 16
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "messaging_service_sid": service})
    sms.send({"to": "+4915123456789", "parts": ["hi"]}, ctx_for(cfg, fake_twilio.auth_token))
    assert fake_twilio.messages[0]["MessagingServiceSid"] == service and "From" not in fake_twilio.messages[0]


def test_sms_twilio_400_passes_on_twilios_message(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    exc = send_error(sms, {"to": "12345", "parts": ["hi"]}, ctx_for(cfg, fake_twilio.auth_token))
    assert exc.status == 400 and not exc.transient
    assert "21211" in str(exc) and "not a valid phone number" in str(exc)


def test_sms_failed_later_part_reports_what_was_sent(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    exc = send_error(sms, {"to": "+4915123456789", "parts": ["ok (1/2)", "x" * 1601]},
                     ctx_for(cfg, fake_twilio.auth_token))
    assert exc.status == 400 and "1600" in str(exc) and "after 1 of 2 parts" in str(exc)
    assert exc.partial_receipt == {"sids": [fake_twilio.messages[0]["sid"]]}


def test_sms_wrong_token_is_permanent_and_hidden(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    wrong = "f" * 32
    exc = send_error(sms, {"to": "+4915123456789", "parts": ["hi"]}, ctx_for(cfg, wrong))
    assert exc.status == 401 and not exc.transient
    assert_secret_hidden(exc, wrong, fake_twilio.auth_token)
    assert fake_twilio.messages == []


def test_sms_test_reads_the_account(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    assert "War room test account" in sms.test(ctx_for(cfg, fake_twilio.auth_token))
    assert fake_twilio.messages == [] and fake_twilio.requests[0].method == "GET"


@pytest.mark.parametrize("config, needle", [
    ({"from_number": "+14155550100"}, "account_sid"),
    ({"account_sid": "AC123", "from_number": "+14155550100"}, "account_sid"),
    ({"account_sid": "AC" + "0" * 32}, "from_number"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "04155550100"}, "E.164"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "+14155550100", "messaging_service_sid": "MG" + "0" * 32},
     "not both"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "+14155550100", "max_segments": 0}, "max_segments"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "+14155550100", "base_url": "http://api.twilio.com"},
     "base_url"),
])
def test_sms_config_errors_name_the_setting(config, needle):
    with pytest.raises(InputError) as info:
        sms.validate_config(config)
    assert needle in str(info.value)


# --- webhook ----------------------------------------------------------------------------------------------------------

def test_webhook_render_carries_incident_and_update():
    body = webhook.render(message(exercise=True), None, {}, None)
    assert body["type"] == "incident.update" and body["id"] == "dlv-01JD5Q8Z" and body["exercise"] is True
    assert body["incident"] == {"id": "inc-7f3a", "ref": "INC-2026-042", "title": "Checkout payments failing",
                                "status": "identified", "impact": "major", "severity": "SEV2",
                                "components": ["Checkout", "Payments", "Not on the page"]}
    assert body["update"]["text"] == LONG and body["update"]["published_at"] == "2026-11-23T09:30:00+00:00"
    assert set(body["update"]) == {"audience", "locale", "subject", "text", "short", "chat", "published_at"}


def test_webhook_type_names_retractions_and_corrections_without_the_receipt():
    receipt = {"incident_id": "p31zjtct2jer", "incident_update_id": "upd2", "shortlink": "https://stspg.io/x"}
    plain = webhook.render(message(), None, {}, None)
    assert plain["type"] == "incident.update" and "retracts" not in plain
    taken_back = webhook.render(retraction(receipt), None, {}, None)
    assert taken_back["type"] == "incident.retraction" and taken_back["update"]["text"] == NOTICE
    assert taken_back["retracts"] == {"draft_id": "drf-01JD5Q00", "published_at": PUBLISHED.isoformat()}
    fixed = webhook.render(correction(receipt), None, {}, None)
    assert fixed["type"] == "incident.correction" and fixed["update"]["text"] == CORRECTED
    assert fixed["retracts"] == {"draft_id": "drf-01JD5Q00", "published_at": None}
    for body in (taken_back, fixed):
        assert "upd2" not in json.dumps(body) and "p31zjtct2jer" not in json.dumps(body)
        assert {k: v for k, v in body.items() if k not in ("type", "retracts")} == {
            k: v for k, v in webhook.render(message(long=body["update"]["text"]), None, {}, None).items()
            if k != "type"}


def test_webhook_correction_is_signed_like_an_update(fake_webhook):
    cfg = webhook.validate_config({"url": fake_webhook.hook_url})
    payload = webhook.render(correction(None), None, cfg, None)
    webhook.send(payload, ctx_for(cfg, fake_webhook.key))
    assert fake_webhook.received == [payload]                              # the receiver checked the signature
    req = fake_webhook.requests[0]
    stamp = req.headers["X-Warroom-Timestamp"]
    expected = hmac.new(fake_webhook.key.encode(), f"{stamp}.".encode() + req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Warroom-Signature"] == f"sha256={expected}"
    assert json.loads(req.body)["type"] == "incident.correction"


def test_webhook_is_signed_and_a_repeat_is_dropped(fake_webhook):
    cfg = webhook.validate_config({"url": fake_webhook.hook_url})
    payload = webhook.render(message(), None, cfg, None)
    ctx = ctx_for(cfg, fake_webhook.key)
    first = webhook.send(payload, ctx)
    second = webhook.send(payload, ctx)  # a retry after an unclear failure
    assert first == second == {"http_status": 200, "idempotency_key": "dlv-01JD5Q8Z"}
    assert fake_webhook.received == [payload] and fake_webhook.duplicates == 1
    req = fake_webhook.requests[0]
    assert req.headers["Idempotency-Key"] == "dlv-01JD5Q8Z"
    stamp = req.headers["X-Warroom-Timestamp"]
    assert abs(int(stamp) - time.time()) < 60
    expected = hmac.new(fake_webhook.key.encode(), f"{stamp}.".encode() + req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Warroom-Signature"] == f"sha256={expected}"
    assert json.loads(req.body) == payload
    assert fake_webhook.key not in req.body.decode()


def test_webhook_custom_signature_header():
    from tests.fakes.vendors import FakeWebhookReceiver

    with FakeWebhookReceiver(signature_header="X-Hub-Signature-256") as fake:
        cfg = webhook.validate_config({"url": fake.hook_url, "signature_header": "X-Hub-Signature-256"})
        webhook.send(webhook.render(message(), None, cfg, None), ctx_for(cfg, fake.key))
        assert len(fake.received) == 1 and "X-Warroom-Signature" not in fake.requests[0].headers


def test_webhook_wrong_key_is_permanent_and_hidden(fake_webhook):
    cfg = webhook.validate_config({"url": fake_webhook.hook_url})
    wrong = "not-the-shared-signing-key"
    exc = send_error(webhook, webhook.render(message(), None, cfg, None), ctx_for(cfg, wrong))
    assert exc.status == 401 and not exc.transient and "signature" in str(exc)
    assert_secret_hidden(exc, wrong)
    assert fake_webhook.received == []
    exc = send_error(webhook, webhook.render(message(), None, cfg, None), ctx_for(cfg, None))
    assert not exc.transient and len(fake_webhook.requests) == 1  # no key: nothing sent


def test_webhook_test_sends_a_signed_ping(fake_webhook):
    cfg = webhook.validate_config({"url": fake_webhook.hook_url})
    assert "ping" in webhook.test(ctx_for(cfg, fake_webhook.key))
    assert fake_webhook.received[0]["type"] == "ping"


@pytest.mark.parametrize("config, needle", [
    ({}, "url"),
    ({"url": "ftp://example.com/hook"}, "url"),
    ({"url": "https://user:pw@example.com/hook"}, "url"),
    ({"url": "https://example.com/hook", "signature_header": "X Sig"}, "signature_header"),
    ({"url": "https://example.com/hook", "signature_header": "Idempotency-Key"}, "signature_header"),
])
def test_webhook_config_errors_name_the_setting(config, needle):
    with pytest.raises(InputError) as info:
        webhook.validate_config(config)
    assert needle in str(info.value)

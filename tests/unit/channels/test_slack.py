"""Slack: against vendor-like servers on 127.0.0.1, what it sends, what it makes of
every answer, and that no secret ever shows up in an error."""

from __future__ import annotations

import json

import pytest

from tests.fakes.vendors import FakeSlack
from tests.helpers.channels import assert_secret_hidden, ctx_for, message, send_error
from warroom.channels import slack, teams


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

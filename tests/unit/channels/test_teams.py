"""Microsoft Teams: against vendor-like servers on 127.0.0.1, what it sends, what it makes of
every answer, and that no secret ever shows up in an error."""

from __future__ import annotations

import time

import httpx

from tests.fakes.vendors import FakeTeams
from tests.helpers.channels import LONG, assert_secret_hidden, ctx_for, message, send_error
from warroom.channels import teams
from warroom.channels.base import ChannelError


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

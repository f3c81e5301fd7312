"""Signed webhooks: against vendor-like servers on 127.0.0.1, what it sends, what it makes of
every answer, and that no secret ever shows up in an error."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tests.helpers.channels import (
    CORRECTED, LONG, NOTICE, PUBLISHED, assert_secret_hidden, correction, ctx_for, message, retraction, send_error,
)
from warroom.channels import webhook
from warroom.errors import InputError


def test_webhook_render_carries_incident_and_update():
    body = webhook.render(message(exercise=True), None, {}, None)
    assert body["type"] == "incident.update" and body["id"] == "dlv-01JD5Q8Z" and body["exercise"] is True
    assert body["incident"] == {"id": "inc-7f3a", "ref": "INC-2026-042", "title": "[EXERCISE] Checkout payments failing",
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

"""A generic JSON webhook, signed with HMAC-SHA256.

The receiver checks ``<signature_header>: sha256=<hex>`` over
``f"{timestamp}.".encode() + body`` with the shared key, using the timestamp from
``X-Warroom-Timestamp`` (reject old ones to stop replays), and drops a repeated
``Idempotency-Key`` (the delivery id), so resending after an unclear failure is safe.

The body's ``type`` says what it is: ``incident.update``; ``incident.retraction`` (the
update published earlier is taken back: ``update.text`` is the retraction notice) or
``incident.correction`` (reviewed words replacing a retracted update). Those two also
carry ``"retracts": {"draft_id", "published_at"}``, naming the update concerned: its
draft's id and, for a retraction, when it was published (``published_at`` is null for a
correction, which names the draft only). The vendor receipt of the retracted delivery
is never sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

import httpx

from warroom.channels.base import (
    ChannelError, Field, Message, Recipient, SendContext, check_config, marked, post_json, scrubbed,
)
from warroom.errors import InputError

KIND = "webhook"
LABEL = "Webhook (signed JSON)"
SECRET = "the signing key (shared with the receiver)"
FIELDS: dict[str, Field] = {
    "url": Field(True, help="where to POST, e.g. https://hooks.example.com/warroom"),
    "signature_header": Field(False, "X-Warroom-Signature", "the header carrying the signature"),
}
RATE = 5.0
BURST = 5
RECIPIENT = None
IDEMPOTENT = True

TIMESTAMP_HEADER = "X-Warroom-Timestamp"
#: The body's ``type`` by the message's kind.
TYPES = {"update": "incident.update", "retraction": "incident.retraction", "correction": "incident.correction"}
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an HTTP header name


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    out = check_config(LABEL, FIELDS, config)
    try:
        url = httpx.URL(str(out["url"]))
    except Exception:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise InputError(f"{LABEL}: url must be an http:// or https:// address (got {str(out['url'])[:80]!r}).")
    if url.userinfo:
        raise InputError(f"{LABEL}: url must not carry a user name or password; the signing key is the secret.")
    header = str(out["signature_header"])
    if not _TOKEN.match(header):
        raise InputError(f"{LABEL}: signature_header must be an HTTP header name such as X-Warroom-Signature.")
    if header.lower() in ("content-type", "content-length", "host", "idempotency-key", TIMESTAMP_HEADER.lower()):
        raise InputError(f"{LABEL}: signature_header cannot be {header}; pick a header of its own.")
    out["url"] = str(url)
    return out


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {
        "type": TYPES.get(message.kind, "incident.update"),
        "id": message.delivery_id,
        "incident": {
            "id": message.incident_id,
            "ref": message.incident_ref,
            "title": marked(message, message.title),
            "status": message.status,
            "impact": message.impact,
            "severity": message.severity,
            "components": list(message.components),
        },
        "update": {
            "audience": message.audience,
            "locale": message.locale,
            "subject": marked(message, message.subject),
            "text": message.long,
            "short": message.short,
            "chat": message.chat,
            "published_at": message.published_at.isoformat(),
        },
        "exercise": message.exercise,
    }
    if message.kind in ("retraction", "correction"):
        retracts = message.retracts or {}
        body["retracts"] = {"draft_id": retracts.get("draft_id"), "published_at": retracts.get("published_at")}
    return body


def sign(key: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` over ``b"<timestamp>." + body``."""
    digest = hmac.new(key.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _post(ctx: SendContext, body: dict[str, Any], key_id: str) -> httpx.Response:
    if not ctx.secret:
        raise ChannelError(f"No signing key is stored for the channel {ctx.channel!r}; set it again.",
                           transient=False)
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    # The Unix time the receiver checks for freshness: the real one, whatever clock the app runs on.
    timestamp = int(ctx.extra.get("timestamp") or time.time())
    headers = {
        TIMESTAMP_HEADER: str(timestamp),
        str(ctx.config.get("signature_header") or FIELDS["signature_header"].default): sign(ctx.secret, timestamp,
                                                                                           content),
        "Idempotency-Key": key_id,
    }
    try:
        return post_json(ctx, ctx.config["url"], None, what="The webhook receiver", headers=headers, content=content)
    except ChannelError as exc:
        raise scrubbed(exc, ctx.secret) from None


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    response = _post(ctx, payload, payload["id"])
    return {"http_status": response.status_code, "idempotency_key": payload["id"]}


def test(ctx: SendContext) -> str:
    key = f"test-{int(time.time())}"
    response = _post(ctx, {"type": "ping", "id": key,
                           "text": "War room channel test: this webhook is connected. No action needed."}, key)
    return f"The webhook receiver accepted a signed ping (HTTP {response.status_code})."

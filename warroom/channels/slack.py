"""Slack: an incoming webhook posting a Block Kit message.

The whole webhook URL is the secret (anyone holding it can post), so the payload
holds only the message body and ``send`` takes the URL from ``ctx.secret``.
Slack answers ``200 ok``; ``400 invalid_payload``, ``403``, ``404 no_service`` and
``410 channel_is_archived`` will not get better by retrying; ``429`` (with
Retry-After) and ``5xx`` will.
"""

from __future__ import annotations

from typing import Any

import httpx

from warroom.channels.base import (
    ChannelError, Field, Message, Recipient, SendContext, check_config, marked, post_json, scrubbed, utc_stamp,
    webhook_url,
)

KIND = "slack"
LABEL = "Slack (incoming webhook)"
SECRET = "the webhook URL (https://hooks.slack.com/services/…)"
FIELDS: dict[str, Field] = {}
RATE = 1.0
BURST = 1
RECIPIENT = None
IDEMPOTENT = False

#: Block Kit limits.
HEADER_MAX = 150
TEXT_MAX = 3000
BLOCKS_MAX = 50


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    return check_config(LABEL, FIELDS, config)


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chunks(escaped: str, limit: int) -> list[str]:
    """Split already escaped mrkdwn into pieces of at most ``limit`` characters, at a line
    break or a space when there is one, never inside an ``&amp;``-style entity."""
    out: list[str] = []
    rest = escaped
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
            amp = rest.rfind("&", cut - 5, cut)
            if amp != -1 and ";" not in rest[amp:cut]:
                cut = amp
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            out.append(piece)
    if rest.strip():
        out.append(rest)
    return out


def _link(url: str, label: str) -> str:
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict[str, Any] | None = None) -> dict[str, Any]:
    subject = marked(message, message.subject)
    chat = message.chat or message.short or message.long
    sections = _chunks(escape(chat), TEXT_MAX)[: BLOCKS_MAX - 2]
    context = " · ".join([escape(message.incident_ref), escape(message.status.replace("_", " ").capitalize()),
                          utc_stamp(message.published_at)])
    if message.status_url:
        context += " · " + _link(message.status_url, "Status page")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _truncate(subject, HEADER_MAX), "emoji": True}},
    ]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in sections]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    fallback = _truncate(escape(f"{subject}: {chat}"), TEXT_MAX)
    return {"text": fallback, "blocks": blocks}


def _post(ctx: SendContext, payload: dict[str, Any]) -> httpx.Response:
    url = webhook_url(ctx)
    try:
        return post_json(ctx, url, payload, what="Slack")
    except ChannelError as exc:
        raise scrubbed(exc, ctx.secret) from None


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    response = _post(ctx, payload)
    return {"http_status": response.status_code}


def test(ctx: SendContext) -> str:
    _post(ctx, {"text": "War room channel test: this Slack channel is connected. No action needed."})
    return "Posted a test message to the Slack channel."

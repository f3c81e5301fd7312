"""Microsoft Teams: a Workflows ("When a Teams webhook request is received") URL
posting an Adaptive Card.

The workflow URL carries its signature (``sig=``), so the whole URL is the secret:
the payload holds only the card, ``send`` takes the URL from ``ctx.secret``.
The workflow answers ``202 Accepted`` (older connectors ``200``).
"""

from __future__ import annotations

from typing import Any

from warroom.channels.base import (
    ChannelError, Field, Message, Recipient, SendContext, check_config, marked, post_json, scrubbed, utc_stamp,
    webhook_url,
)

KIND = "teams"
LABEL = "Microsoft Teams (Workflows webhook)"
SECRET = "the workflow URL (https://…logic.azure.com/… or …/powerautomate/…)"
FIELDS: dict[str, Field] = {}
RATE = 4.0
BURST = 4
RECIPIENT = None
IDEMPOTENT = False

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    return check_config(LABEL, FIELDS, config)


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict[str, Any] | None = None) -> dict[str, Any]:
    facts = [
        {"title": "Incident", "value": message.incident_ref},
        {"title": "Status", "value": message.status.replace("_", " ").capitalize()},
        {"title": "Severity", "value": message.severity},
        {"title": "Published", "value": utc_stamp(message.published_at)},
    ]
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": marked(message, message.subject), "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "FactSet", "facts": facts},
        {"type": "TextBlock", "text": message.long, "wrap": True},
    ]
    content: dict[str, Any] = {"$schema": SCHEMA, "type": "AdaptiveCard", "version": "1.4", "body": body,
                               "msteams": {"width": "Full"}}
    if message.status_url:
        content["actions"] = [{"type": "Action.OpenUrl", "title": "Status page", "url": message.status_url}]
    return {"type": "message",
            "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": content}]}


def _post(ctx: SendContext, payload: dict[str, Any]) -> int:
    try:
        url = webhook_url(ctx)  # the same checks as Slack's
        return post_json(ctx, url, payload, what="Teams").status_code
    except ChannelError as exc:
        raise scrubbed(exc, ctx.secret) from None


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    return {"http_status": _post(ctx, payload)}


def test(ctx: SendContext) -> str:
    card = {"$schema": SCHEMA, "type": "AdaptiveCard", "version": "1.4",
            "body": [{"type": "TextBlock", "wrap": True,
                      "text": "War room channel test: this Teams channel is connected. No action needed."}]}
    _post(ctx, {"type": "message", "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": card}]})
    return "Posted a test card to the Teams workflow."

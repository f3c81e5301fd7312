"""Jira Cloud, the other way: a published update becomes a comment on every Jira
issue linked to its incident (``POST /rest/api/3/issue/{key}/comment``, the words
in Atlassian Document Format). Route an audience to this channel in the matrix;
the links come from the incident (:func:`warroom.inbound.handle.issue_keys`), through
the context's ``hook``. Basic auth with the account's e-mail and an API token; the
token is the channel's secret, in the keyring."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from warroom.channels.base import (
    ChannelError, Field, Message, Recipient, SendContext, check_config, check_web_url, is_loopback, marked,
    post_json, request, scrubbed, utc_stamp,
)
from warroom.errors import InputError

KIND = "jira"
LABEL = "Jira Cloud (comment on linked issues)"
SECRET = "the API token of the account that comments"
FIELDS: dict[str, Field] = {
    "base_url": Field(True, None, "your site, e.g. https://acme.atlassian.net"),
    "email": Field(True, None, "the account's e-mail (Jira's basic auth is e-mail and API token)"),
    "source": Field(False, None, "comment only on issues linked through this inbound source"),
}
#: Jira Cloud's documented rate limits are per tenant and cost-based; a few a second stays well inside.
RATE = 2.0
BURST = 2
RECIPIENT = None
IDEMPOTENT = False
#: Issues commented on for one update (an incident linked to more is a mistake to fix, not to spam).
MAX_ISSUES = 10


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    out = check_config(LABEL, FIELDS, config)
    out["base_url"] = check_web_url(LABEL, "base_url", out["base_url"]).rstrip("/")
    if out["base_url"].startswith("http://") and not is_loopback(out["base_url"].split("/")[2].split(":")[0]):
        raise InputError(f"{LABEL}: base_url must start with https://.", field="base_url")
    if "@" not in str(out["email"]):
        raise InputError(f"{LABEL}: email is the account's e-mail address.", field="email")
    return out


def _paragraphs(text: str) -> list[dict[str, Any]]:
    return [{"type": "paragraph", "content": [{"type": "text", "text": p}]}
            for p in (part.strip() for part in text.split("\n\n")) if p]


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict[str, Any] | None = None) -> dict[str, Any]:
    head = marked(message, f"{message.incident_ref} · {message.subject} ({message.status.replace('_', ' ')}, "
                           f"{message.severity}, published {utc_stamp(message.published_at)})")
    doc = {"type": "doc", "version": 1,
           "content": [{"type": "paragraph", "content": [{"type": "text", "text": head, "marks": [{"type": "strong"}]}]},
                       *_paragraphs(message.long)]}
    return {"incident_id": message.incident_id, "body": doc}


def _auth(ctx: SendContext) -> dict[str, str]:
    if not ctx.secret:
        raise ChannelError(f"No API token is stored for the channel {ctx.channel!r}; set it again.", transient=False)
    pair = f"{ctx.config['email']}:{ctx.secret}".encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii"), "Accept": "application/json"}


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    keys = list(ctx.hook(payload["incident_id"], ctx.config.get("source")) if ctx.hook else [])[:MAX_ISSUES]
    comments = []
    try:
        for key in keys:
            url = f"{ctx.config['base_url']}/rest/api/3/issue/{quote(key, safe='')}/comment"
            response = post_json(ctx, url, {"body": payload["body"]}, what=f"Jira ({key})", headers=_auth(ctx))
            try:
                comment_id = str(response.json().get("id", ""))
            except ValueError:
                comment_id = ""
            comments.append({"issue": key, "comment_id": comment_id})
    except ChannelError as exc:
        raise scrubbed(exc, ctx.secret) from None
    return {"comments": comments, "note": None if keys else "no Jira issue is linked to this incident"}


def test(ctx: SendContext) -> str:
    response = request(ctx, "GET", f"{ctx.config['base_url']}/rest/api/3/myself", what="Jira", headers=_auth(ctx))
    if response.status_code != 200:
        raise ChannelError(f"Jira answered HTTP {response.status_code} to the token check",
                           transient=response.status_code >= 500, status=response.status_code)
    return "Jira accepted the API token."

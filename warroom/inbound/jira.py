"""Jira Cloud webhooks: ``jira:issue_created`` and ``jira:issue_updated`` with the
issue, its changelog (status, priority…) and a comment when one was added. A
webhook with a secret is signed ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the
raw body>``; Jira sends ``X-Atlassian-Webhook-Identifier``, the same on each retry."""

from __future__ import annotations

from collections.abc import Mapping

from warroom.inbound.signal import Signal, header, hmac_hex, load_json, need, obj, same, text, when

KIND = "jira"
LABEL = "Jira"
SECRET = "the webhook's secret"
EVENTS = {"jira:issue_created": "created", "jira:issue_updated": "updated"}


def verify(headers: Mapping[str, str], body: bytes, secret: str, **_: object) -> bool:
    value = (header(headers, "X-Hub-Signature") or "").strip()
    if not value or not secret:
        return False
    return same(value, "sha256=" + hmac_hex(secret, body))


def browse_url(issue: Mapping, key: str) -> str | None:
    self_url = text(issue.get("self"), 500)
    base = self_url.split("/rest/", 1)[0] if "/rest/" in self_url else ""
    return f"{base}/browse/{key}" if base.startswith(("https://", "http://")) else None


def parse(headers: Mapping[str, str], body: bytes) -> list[Signal]:
    data = load_json(body, LABEL)
    kind = EVENTS.get(text(data.get("webhookEvent"), 60))
    if kind is None:
        return []
    issue = obj(data.get("issue"))
    key = need(issue.get("key"), "issue key")
    fields = obj(issue.get("fields"))
    changes = {}
    for item in (obj(data.get("changelog")).get("items") or [])[:50]:
        item = obj(item)
        field = text(item.get("field"), 60).lower()
        if field in ("status", "priority"):
            changes[field] = (text(item.get("fromString"), 100), text(item.get("toString"), 100))
    comment = obj(data.get("comment"))
    said = []
    for field, (old, new) in changes.items():
        said.append(f"{field.capitalize()}: {old or 'none'} → {new}")
    if comment:
        author = text(obj(comment.get("author")).get("displayName"), 100)
        said.append(f"Comment{' by ' + author if author else ''}: {text(comment.get('body'))}")
    if kind == "updated" and not said:
        return []    # a change War room does not follow (assignee, description…)
    ident = text(header(headers, "X-Atlassian-Webhook-Identifier"), 100)
    event_id = ident or f"{key}:{text(data.get('timestamp'), 20)}:{text(obj(data.get('changelog')).get('id'), 20)}"
    labels = {"status": text(obj(fields.get("status")).get("name"), 100)}
    if "status" in changes:
        labels["status"] = changes["status"][1]
    if "priority" in changes:
        labels["priority_changed"] = "yes"
        labels["priority_from"] = changes["priority"][0]
    components = tuple(c for c in (text(obj(x).get("name"), 100) for x in (fields.get("components") or [])[:50]) if c)
    tags = tuple(t for t in (text(x, 60) for x in (fields.get("labels") or [])[:50]) if t)
    return [Signal(event_id=event_id[:200], kind=kind, external_id=key, title=text(fields.get("summary"), 200),
                   link=browse_url(issue, key), priority=(changes.get("priority", (None, None))[1]
                                                          or text(obj(fields.get("priority")).get("name"), 40) or None),
                   components=components, tags=tags, text="; ".join(said), at=when(fields.get("updated")),
                   labels=labels)]

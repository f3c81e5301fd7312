"""PagerDuty Webhooks v3: the ``X-PagerDuty-Signature`` header holds one or more
comma-separated ``v1=<hex HMAC-SHA256 of the raw body>`` (several while a secret is
rotated: any one matching passes); the body is ``{"event": {id, event_type,
occurred_at, agent, data}}``, where ``data`` is the incident (or, for
``incident.annotated``, the note with its incident)."""

from __future__ import annotations

from collections.abc import Mapping

from warroom.inbound.signal import Signal, header, hmac_hex, load_json, need, obj, same, text, when

KIND = "pagerduty"
LABEL = "PagerDuty"
SECRET = "the webhook subscription's signing secret"
SIGNATURE_HEADER = "X-PagerDuty-Signature"

#: Event type -> the signal's kind.
EVENTS = {
    "incident.triggered": "triggered",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
    "incident.priority_updated": "priority",
    "incident.reassigned": "reassigned",
    "incident.annotated": "annotated",
}


def verify(headers: Mapping[str, str], body: bytes, secret: str, **_: object) -> bool:
    """Whether any ``v1=`` signature in the header is the body's HMAC under ``secret``."""
    value = header(headers, SIGNATURE_HEADER)
    if not value or not secret:
        return False
    expected = "v1=" + hmac_hex(secret, body)
    ok = False
    for part in value.split(",")[:16]:
        ok |= same(part.strip(), expected)   # every one compared: no early exit
    return ok


def parse(headers: Mapping[str, str], body: bytes) -> list[Signal]:
    data = load_json(body, LABEL)
    event = obj(data.get("event"))
    event_type = text(event.get("event_type"), 80)
    kind = EVENTS.get(event_type)
    if kind is None:
        return []  # pings and event types War room does not follow
    event_id = need(event.get("id"), "event id")
    d = obj(event.get("data"))
    incident = obj(d.get("incident")) if kind == "annotated" else d
    external = need(incident.get("id"), "incident id")
    service = text(obj(incident.get("service")).get("summary"), 100) or None
    priority = text(obj(incident.get("priority")).get("summary"), 40) or None
    note = ""
    if kind == "annotated":
        note = text(d.get("content"))
    elif kind == "reassigned":
        names = [text(obj(a).get("summary"), 100) for a in (incident.get("assignees") or [])[:20]
                 if isinstance(a, dict)]
        note = "Reassigned to " + (", ".join(n for n in names if n) or "nobody")
    elif kind == "acknowledged":
        who = text(obj(event.get("agent")).get("summary"), 100)
        note = f"Acknowledged by {who}" if who else "Acknowledged"
    teams = tuple(t for t in (text(obj(x).get("summary"), 100) for x in (incident.get("teams") or [])[:20]
                              if isinstance(x, dict)) if t)
    return [Signal(event_id=event_id, kind=kind, external_id=external, title=text(incident.get("title"), 200),
                   link=text(incident.get("html_url"), 500) or None, priority=priority, service=service,
                   components=(service,) if service else (), tags=teams, text=note,
                   at=when(event.get("occurred_at")))]

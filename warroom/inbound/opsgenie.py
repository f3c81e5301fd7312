"""Opsgenie's outgoing webhook integration: ``{"action": "Create"|"Close"|…,
"alert": {alertId, message, tags, priority, createdAt, updatedAt…}}``. It signs
nothing; the integration sends custom headers, and the source's secret is the
value of a shared token header (``X-Warroom-Token`` unless the source names another)."""

from __future__ import annotations

from collections.abc import Mapping

from warroom.inbound.signal import Signal, header, load_json, need, obj, same, text

KIND = "opsgenie"
LABEL = "Opsgenie"
SECRET = "the shared token the integration sends in its custom header"
TOKEN_HEADER = "X-Warroom-Token"

ACTIONS = {"create": "triggered", "close": "resolved", "acknowledge": "acknowledged", "addnote": "annotated"}


def verify(headers: Mapping[str, str], body: bytes, secret: str, *, settings: Mapping | None = None,
           **_: object) -> bool:
    name = str((settings or {}).get("token_header") or TOKEN_HEADER)
    return bool(secret) and same(header(headers, name), secret)


def parse(headers: Mapping[str, str], body: bytes) -> list[Signal]:
    data = load_json(body, LABEL)
    action = text(data.get("action"), 40)
    kind = ACTIONS.get(action.lower())
    if kind is None:
        return []
    alert = obj(data.get("alert"))
    alert_id = need(alert.get("alertId"), "alert id")
    stamp = text(alert.get("updatedAt") or alert.get("createdAt"), 40)
    tags = tuple(t for t in (text(x, 60) for x in (alert.get("tags") or [])[:50]) if t)
    note = text(alert.get("note")) if kind == "annotated" else text(alert.get("description"))
    return [Signal(event_id=f"{alert_id}:{action}:{stamp}"[:200], kind=kind, external_id=alert_id,
                   title=text(alert.get("message"), 200), priority=text(alert.get("priority"), 10) or None,
                   service=text(alert.get("entity"), 100) or None, tags=tags, text=note)]

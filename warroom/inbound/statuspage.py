"""Atlassian Statuspage outgoing webhooks (our own page's component and incident
updates). Statuspage signs nothing: the secret is a token placed in the webhook
URL (``/hooks/NAME/TOKEN`` or ``?token=``), compared in constant time."""

from __future__ import annotations

from collections.abc import Mapping

from warroom.inbound.signal import Signal, load_json, need, obj, same, text, when

KIND = "statuspage"
LABEL = "Statuspage"
SECRET = "the token placed in the webhook URL given to Statuspage"


def verify(headers: Mapping[str, str], body: bytes, secret: str, *, url_token: str | None = None,
           **_: object) -> bool:
    return bool(secret) and same(url_token, secret)


def parse(headers: Mapping[str, str], body: bytes) -> list[Signal]:
    data = load_json(body, LABEL)
    if "component_update" in data:
        update = obj(data.get("component_update"))
        component = obj(data.get("component"))
        name = text(component.get("name"), 100)
        new = text(update.get("new_status"), 40)
        return [Signal(event_id=need(update.get("id"), "component update id"), kind="component",
                       external_id=need(update.get("component_id") or component.get("id"), "component id"),
                       title=name, components=(name,) if name else (), at=when(update.get("created_at")),
                       text=f"{name}: {text(update.get('old_status'), 40)} → {new}",
                       labels={"new_status": new, "old_status": text(update.get("old_status"), 40)})]
    if "incident" in data:
        inc = obj(data.get("incident"))
        updates = [obj(u) for u in (inc.get("incident_updates") or [])[:1]]
        latest = updates[0] if updates else {}
        status = text(inc.get("status"), 40)
        return [Signal(event_id=need(latest.get("id") or f"{inc.get('id')}:{inc.get('updated_at')}", "update id"),
                       kind="page_incident", external_id=need(inc.get("id"), "incident id"),
                       title=text(inc.get("name"), 200), link=text(inc.get("shortlink"), 500) or None,
                       priority=text(inc.get("impact"), 20) or None, text=text(latest.get("body")),
                       at=when(inc.get("updated_at")), labels={"status": status})]
    return []

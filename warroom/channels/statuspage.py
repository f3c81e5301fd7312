"""Atlassian Statuspage (REST API v1): one Statuspage incident per War room incident.

The first update creates the incident (``POST /pages/{page_id}/incidents``), later
ones update it (``PATCH …/incidents/{id}``) using the id kept in the previous
receipt; every one of them sets the incident's name to the message's public title.
Statuspage answers with the incident, its ``incident_updates`` newest first; the
receipt keeps ``{"incident_id", "shortlink", "incident_update_id"}``, the last being
the incident update this send created (None when the answer does not show one whose
body is the words sent, so no later retraction edits someone else's words).

A retraction takes back words already on the page. When the retracted delivery's
receipt names its incident update, that update's body is replaced by the retraction
notice (``PATCH …/incidents/{id}/incident_updates/{update_id}`` with
``{"incident_update": {"body": …}}``): the words taken back disappear from the page,
and the incident's status, impact, components and name stay as they are (the
correction sets them again). The edit does not ask Statuspage to notify subscribers.
When the receipt names the incident but not the update (sent before receipts kept
it), the words are on the page but we cannot tell which update holds them: the notice
is posted as a new incident update instead (status and components untouched).
When the retracted update never reached Statuspage (no receipt, or a receipt saying
nothing was needed), nothing there needs taking back, and posting a notice would
tell subscribers about words they never saw: the payload is ``{"method": "NONE", …}``
and ``send`` makes no request, returning a receipt with ``"nothing_needed": True``
that still carries the incident's id (the next update goes on the same incident).

A correction replaces the retracted words where they stood. Its ``retracts.receipt``
is the retracted update's receipt on this channel (read by the dispatcher at send
time). When it names the incident update, the correction takes two requests:

1. the edit, as for a retraction: ``PATCH …/incidents/{id}/incident_updates/{update_id}``
   with ``{"incident_update": {"body": <corrected words>}}``: the retraction notice
   there becomes the corrected words, no other update changes, none is added;
2. then ``PATCH …/incidents/{id}`` with the incident's fields as an ordinary update
   sends them (``name`` from the public title, ``status``, ``impact_override``,
   ``component_ids``, ``components``, ``deliver_notifications``) but *without*
   ``body``: an incident PATCH carrying a body always adds a new incident update
   (the corrected words would then stand twice), and an edit cannot change anything
   but the update's own text. Without a body, no update is added for the name,
   impact or components; a change of status, though, is recorded as an update of its
   own (with no text): every status an incident goes through is an incident update.
   (That is our reading of the API, and what the fake in ``tests/fakes/vendors.py``
   does; the API reference does not spell it out.) So when the correction restates the status the incident already has (the usual
   case) nothing new appears; when it moves the status, that blank update carries
   the new status, and notifies subscribers of it as an ordinary update would.

The payload is the edit (``method``, ``path``, ``body``, ``edits`` as for a
retraction) with the incident PATCH in ``then`` (``{"method", "path", "body"}``).
``send`` makes them in that order, each with its own handling of 420/429 (transient,
with the vendor's Retry-After), 5xx and network failures. Both are idempotent: the
edit sets the same words again, the body-less PATCH sets the same fields again. When
the second fails after the first succeeded, the error carries a ``partial_receipt``
naming the edited update and a digest of the words; the next attempt (the dispatcher
passes it back as ``ctx.extra["partial"]``) skips an edit already made with exactly
these words, so at Statuspage's rate the retry is one request, not two.
The receipt keeps ``{"incident_id", "shortlink", "incident_update_id"}``, the last
being the edited update (the next update of the incident goes on the same incident;
a retraction of this correction edits that update again). Neither request asks
Statuspage to e-mail the corrected words: subscribers who were sent the retracted
ones hear of the correction only through a status change.
When the receipt names no update (the retracted words never reached Statuspage, a
receipt saying nothing was needed, or one kept before update ids were), there is
nothing to replace: the correction is an ordinary update (POST, or PATCH with body).

The API key goes in ``Authorization: OAuth <key>``. Statuspage limits each token to
about one request per second and answers ``420`` or ``429`` above it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx

from warroom.channels.base import (
    ChannelError, Field, Message, Recipient, SendContext, check_config, is_loopback, marked, post_json, scrubbed,
)
from warroom.errors import InputError

KIND = "statuspage"
LABEL = "Atlassian Statuspage"
SECRET = "the Statuspage API key"
FIELDS: dict[str, Field] = {
    "page_id": Field(True, help="the page's id, from Statuspage's API info page"),
    "base_url": Field(False, "https://api.statuspage.io/v1", "the API address"),
    "components": Field(False, None, 'a JSON object: our component name -> Statuspage component id'),
}
RATE = 1.0
BURST = 1
RECIPIENT = None
IDEMPOTENT = False

STATUSES = ("investigating", "identified", "monitoring", "resolved")
IMPACTS = ("none", "minor", "major", "critical")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")

_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    out = check_config(LABEL, FIELDS, config)
    if not _ID.match(str(out["page_id"])):
        raise InputError(f"{LABEL}: page_id must be the page's id (letters and digits only), "
                         f"not {str(out['page_id'])[:40]!r}.")
    base = str(out["base_url"]).rstrip("/")
    try:
        url = httpx.URL(base)
    except Exception:
        url = None
    if url is None or not url.host or url.scheme not in ("http", "https"):
        raise InputError(f"{LABEL}: base_url must be an https:// address, e.g. https://api.statuspage.io/v1.")
    if url.scheme == "http" and not is_loopback(url.host):
        raise InputError(f"{LABEL}: base_url must use https:// (plain http only for this machine).")
    out["base_url"] = base
    components = out["components"]
    if isinstance(components, str):
        try:
            components = json.loads(components)
        except ValueError:
            raise InputError(f"{LABEL}: components must be a JSON object such as "
                             '{"Checkout": "8kbf7d35c070"}.') from None
    if components is None:
        components = {}
    if not isinstance(components, dict) or not all(
            isinstance(k, str) and k.strip() and isinstance(v, str) and _ID.match(v) for k, v in components.items()):
        raise InputError(f"{LABEL}: components must map component names to Statuspage component ids "
                         '(letters and digits), e.g. {"Checkout": "8kbf7d35c070"}.')
    out["components"] = {k.strip(): v for k, v in components.items()}
    return out


def _component_ids(message: Message, mapping: dict[str, str]) -> list[str]:
    folded = {k.casefold(): v for k, v in mapping.items()}
    ids: list[str] = []
    for name in message.components:
        cid = mapping.get(name) or folded.get(name.casefold())
        if cid and cid not in ids:
            ids.append(cid)
    return ids


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict[str, Any] | None = None) -> dict[str, Any]:
    page_id = config["page_id"]
    status = message.statuspage_status if message.statuspage_status in STATUSES else "investigating"
    component_status = "operational" if status == "resolved" else message.component_status
    if component_status not in COMPONENT_STATUSES:
        component_status = "major_outage"
    ids = _component_ids(message, config.get("components") or {})
    incident: dict[str, Any] = {
        "name": marked(message, message.title),
        "status": status,
        "body": message.long,
        "impact_override": message.impact if message.impact in IMPACTS else "none",
        "deliver_notifications": True,
        "component_ids": ids,
        "components": {cid: component_status for cid in ids},
    }
    if message.kind == "retraction":
        return _retraction(message, page_id, incident, previous or {})
    if message.kind == "correction":
        replacing = _correction(message, page_id, incident, previous or {})
        if replacing is not None:
            return replacing
    existing = (previous or {}).get("incident_id")
    if existing:
        return {"method": "PATCH", "path": f"/pages/{page_id}/incidents/{existing}", "body": {"incident": incident}}
    return {"method": "POST", "path": f"/pages/{page_id}/incidents", "body": {"incident": incident}}


def _retracted(message: Message) -> dict[str, Any]:
    """The receipt of the update ``message.retracts`` names, or {} when it put nothing on the page."""
    target = (message.retracts or {}).get("receipt") or {}
    if not isinstance(target, dict) or target.get("nothing_needed"):  # that one put nothing there either
        return {}
    return target


def _edit(message: Message, page_id: str, target: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Replace the body of the incident update ``target`` names with ``message.long``."""
    incident_id, update_id = target["incident_id"], target["incident_update_id"]
    shortlink = target.get("shortlink") or (
        previous.get("shortlink") if previous.get("incident_id") == incident_id else None)
    return {"method": "PATCH",
            "path": f"/pages/{page_id}/incidents/{incident_id}/incident_updates/{update_id}",
            "body": {"incident_update": {"body": message.long}},
            "edits": {"incident_id": incident_id, "incident_update_id": update_id, "shortlink": shortlink}}


def _correction(message: Message, page_id: str, incident: dict[str, Any],
                previous: dict[str, Any]) -> dict[str, Any] | None:
    """The edit of the retracted update, then the incident's fields without a body (see the
    module's doc); None when the retracted words are in no update we can name."""
    target = _retracted(message)
    if not (target.get("incident_id") and target.get("incident_update_id")):
        return None
    payload = _edit(message, page_id, target, previous)
    fields = {k: v for k, v in incident.items() if k != "body"}   # a body would add an update
    payload["then"] = {"method": "PATCH", "path": f"/pages/{page_id}/incidents/{target['incident_id']}",
                       "body": {"incident": fields}}
    return payload


def _retraction(message: Message, page_id: str, incident: dict[str, Any],
                previous: dict[str, Any]) -> dict[str, Any]:
    """The payload that takes back the update ``message.retracts`` names (see the module's doc)."""
    target = _retracted(message)
    incident_id, update_id = target.get("incident_id"), target.get("incident_update_id")
    if incident_id and update_id:
        return _edit(message, page_id, target, previous)
    if incident_id:  # the words are on the page, in an update we cannot name: say so in a new one
        notice = {k: incident[k] for k in ("name", "body", "deliver_notifications")}
        return {"method": "PATCH", "path": f"/pages/{page_id}/incidents/{incident_id}",
                "body": {"incident": notice}}
    return {"method": "NONE", "path": None, "body": None,
            "reason": "the retracted update never reached Statuspage: nothing there to take back",
            "receipt": {"incident_id": previous.get("incident_id"), "shortlink": previous.get("shortlink"),
                        "incident_update_id": None}}


def _request(ctx: SendContext, method: str, path: str, body: Any = None) -> httpx.Response:
    if not ctx.secret:
        raise ChannelError(f"No API key is stored for the channel {ctx.channel!r}; set it again.", transient=False)
    base = str(ctx.config.get("base_url") or FIELDS["base_url"].default).rstrip("/")
    headers = {"Authorization": f"OAuth {ctx.secret}", "Accept": "application/json"}
    try:
        return post_json(ctx, base + path, body, what="Statuspage", method=method, headers=headers,
                         content=b"" if body is None else None)
    except ChannelError as exc:
        if exc.status == 420:  # Statuspage's "enhance your calm": a rate limit
            exc = ChannelError(str(exc), transient=True, retry_after=exc.retry_after or 1.0, status=420)
        elif exc.status == 401:
            exc = ChannelError("Statuspage refused the API key (HTTP 401); store a valid key for "
                               f"{ctx.channel!r}.", transient=False, status=401)
        raise scrubbed(exc, ctx.secret) from None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ChannelError(f"Statuspage answered HTTP {response.status_code} without JSON", transient=True,
                           status=response.status_code) from None
    if not isinstance(data, dict):
        raise ChannelError("Statuspage answered with unexpected JSON", transient=True, status=response.status_code)
    return data


def _same_words(a: Any, b: Any) -> bool:
    def norm(text: Any) -> str:
        return str(text or "").replace("\r\n", "\n").strip()
    return norm(a) == norm(b)


def _new_update_id(data: dict[str, Any], sent: Any) -> str | None:
    """The id of the incident update a create or update made: the newest one in the answer,
    if it holds the words sent (an answer showing an older update gives None, never its id)."""
    updates = data.get("incident_updates")
    if not isinstance(updates, list) or not updates or not isinstance(updates[0], dict):
        return None
    newest = updates[0]
    if "body" in newest and not _same_words(newest["body"], sent):
        return None
    return newest.get("id") or None


def _words_digest(body: Any) -> str:
    text = str(((body or {}).get("incident_update") or {}).get("body") or "")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    if payload["method"] == "NONE":  # nothing to do on the vendor: no request at all
        return {**payload["receipt"], "nothing_needed": True, "reason": payload.get("reason")}
    edits = payload.get("edits")
    then = payload.get("then")
    if edits and then:
        return _send_correction(payload, edits, then, ctx)
    response = _request(ctx, payload["method"], payload["path"], payload["body"])
    data = _json(response)
    if edits:  # an incident update edited: the answer is that incident update
        return {"incident_id": edits["incident_id"], "shortlink": edits.get("shortlink"),
                "incident_update_id": data.get("id") or edits["incident_update_id"]}
    incident_id = data.get("id")
    if not incident_id:
        raise ChannelError("Statuspage's answer has no incident id", transient=True, status=response.status_code)
    sent = ((payload.get("body") or {}).get("incident") or {}).get("body")
    return {"incident_id": incident_id, "shortlink": data.get("shortlink"),
            "incident_update_id": _new_update_id(data, sent)}


def _send_correction(payload: dict[str, Any], edits: dict[str, Any], then: dict[str, Any],
                     ctx: SendContext) -> dict[str, Any]:
    """The edit, then the incident's fields; an edit an earlier attempt already made with
    these very words (``ctx.extra["partial"]``) is not made again."""
    done = {"edited_update_id": edits["incident_update_id"], "edited_sha256": _words_digest(payload["body"])}
    partial = ctx.extra.get("partial") if isinstance(ctx.extra.get("partial"), dict) else {}
    update_id = edits["incident_update_id"]
    if {k: partial.get(k) for k in done} != done:
        edited = _json(_request(ctx, payload["method"], payload["path"], payload["body"]))
        update_id = edited.get("id") or update_id
    try:
        data = _json(_request(ctx, then["method"], then["path"], then["body"]))
    except ChannelError as exc:
        # The corrected words are on the page; the incident's fields are not yet. The retry
        # sends only those (repeating the edit would be harmless, but costs a request).
        more = ChannelError(f"{exc} (the corrected words are on the page; the incident's name, status and "
                            "components are not updated yet)", transient=exc.transient,
                            retry_after=exc.retry_after, status=exc.status)
        more.partial_receipt = done  # type: ignore[attr-defined]
        raise more from None
    return {"incident_id": edits["incident_id"], "shortlink": data.get("shortlink") or edits.get("shortlink"),
            "incident_update_id": update_id}


def test(ctx: SendContext) -> str:
    page_id = ctx.config.get("page_id")
    data = _json(_request(ctx, "GET", f"/pages/{page_id}"))
    name = data.get("name") or page_id
    return f"Statuspage page {name!r} is reachable with this API key."

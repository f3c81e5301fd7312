"""SMS through Twilio's Messages API: one delivery per phone number.

A text longer than ``max_segments`` segments is split at word boundaries into parts
that each fit (GSM-7 or UCS-2 counted by :func:`warroom.text.smslength.sms_length`), marked
`` (1/2)``, ``(2/2)`` …, and sent in order. Twilio answers ``201`` with the message
``sid``; ``400`` carries a JSON error whose message is passed on.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlencode

import httpx

from warroom.channels.base import (
    ChannelError, Field, Message, Recipient, SendContext, check_config, http_error, is_loopback, marked, request,
    scrubbed, setting_number, without_secret,
)
from warroom.errors import InputError
from warroom.text.smslength import sms_length

KIND = "sms"
LABEL = "SMS (Twilio)"
SECRET = "the Twilio auth token"
FIELDS: dict[str, Field] = {
    "base_url": Field(False, "https://api.twilio.com", "the API address"),
    "account_sid": Field(True, help="the account SID, AC followed by 32 hex digits"),
    "from_number": Field(False, None, "the sending number in E.164 form, e.g. +4915112345678"),
    "messaging_service_sid": Field(False, None, "a Messaging Service SID (MG…) instead of from_number"),
    "max_segments": Field(False, 3, "the most segments one SMS part may take"),
}
RATE = 1.0
BURST = 1
RECIPIENT = "phone"
IDEMPOTENT = False

#: Twilio refuses bodies longer than this many characters.
BODY_MAX = 1600
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


def e164(value: str) -> str | None:
    """``value`` as an E.164 number when it is a valid one written in international form, else None."""
    import phonenumbers

    value = (value or "").strip()
    if not value.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    out = check_config(LABEL, FIELDS, config)
    base = str(out["base_url"]).rstrip("/")
    try:
        url = httpx.URL(base)
    except Exception:
        url = None
    if url is None or not url.host or url.scheme not in ("http", "https") or (
            url.scheme == "http" and not is_loopback(url.host)):
        raise InputError(f"{LABEL}: base_url must be an https:// address, e.g. https://api.twilio.com.",
                         field="base_url")
    out["base_url"] = base
    if not _ACCOUNT_SID.match(str(out["account_sid"])):
        raise InputError(f"{LABEL}: account_sid must be AC followed by 32 hex digits (see the Twilio console).",
                         field="account_sid")
    if out["from_number"] and out["messaging_service_sid"]:
        raise InputError(f"{LABEL}: give either from_number or messaging_service_sid, not both.", field="from_number")
    if out["from_number"]:
        number = e164(str(out["from_number"]))
        if number is None:
            raise InputError(f"{LABEL}: from_number {out['from_number']!r} is not a valid phone number in E.164 "
                             "form (+ country code and number, e.g. +4915112345678).", field="from_number")
        out["from_number"] = number
    elif out["messaging_service_sid"]:
        if not _SERVICE_SID.match(str(out["messaging_service_sid"])):
            raise InputError(f"{LABEL}: messaging_service_sid must be MG followed by 32 hex digits.",
                             field="messaging_service_sid")
    else:
        raise InputError(f"{LABEL}: the setting from_number (or messaging_service_sid) is required.",
                         field="from_number")
    try:
        segments = setting_number(out["max_segments"])
    except (TypeError, ValueError):
        segments = 0
    if not 1 <= segments <= 10:
        raise InputError(f"{LABEL}: max_segments must be a whole number from 1 to 10.", field="max_segments")
    out["max_segments"] = segments
    return out


# --- splitting -------------------------------------------------------------------------------------

def _pack(text: str, max_segments: int, suffix_room: str) -> list[str]:
    """Greedy word packing: each part plus ``suffix_room`` fits in ``max_segments`` segments."""
    def fits(part: str) -> bool:
        return sms_length(part + suffix_room).segments <= max_segments and len(part + suffix_room) <= BODY_MAX

    parts: list[str] = []
    current = ""
    gap = ""
    for token in re.findall(r"\S+|\s+", text):
        if token.isspace():
            gap = token if current else ""
            continue
        candidate = current + gap + token
        if fits(candidate):
            current, gap = candidate, ""
            continue
        if current:
            parts.append(current)
        current, gap = "", ""
        while not fits(token):  # a single word longer than a part: cut it
            cut = len(token)
            while cut > 1 and not fits(token[:cut]):
                cut = max(1, min(cut - 1, cut * 3 // 4))
            while cut + 1 < len(token) and fits(token[:cut + 1]):
                cut += 1
            parts.append(token[:cut])
            token = token[cut:]
        current = token
    if current:
        parts.append(current)
    return parts


def split_text(text: str, max_segments: int) -> list[str]:
    """``text`` as one part, or as parts marked `` (i/n)`` that each fit ``max_segments`` segments."""
    text = text.strip()
    if sms_length(text).segments <= max_segments and len(text) <= BODY_MAX:
        return [text]
    digits = 1
    while True:
        room = f" ({'9' * digits}/{'9' * digits})"
        parts = _pack(text, max_segments, room)
        if len(str(len(parts))) <= digits:
            n = len(parts)
            return [f"{part} ({i}/{n})" for i, part in enumerate(parts, 1)]
        digits += 1


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict[str, Any] | None = None) -> dict[str, Any]:
    address = recipient.address if recipient else ""
    to = e164(address)
    if to is None:
        raise ChannelError(f"{address!r} is not a phone number in E.164 form (+ country code and number).",
                           transient=False)
    text = marked(message, message.short or message.chat)
    return {"to": to, "parts": split_text(text, int(config.get("max_segments") or 3))}


# --- sending -----------------------------------------------------------------------------------------

def _auth(ctx: SendContext) -> dict[str, str]:
    if not ctx.secret:
        raise ChannelError(f"No Twilio auth token is stored for the channel {ctx.channel!r}; set it again.",
                           transient=False)
    raw = f"{ctx.config['account_sid']}:{ctx.secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii"), "Accept": "application/json"}


def _twilio_error(exc: ChannelError, response_json: dict[str, Any] | None, ctx: SendContext) -> ChannelError:
    if exc.status == 401:
        return ChannelError(f"Twilio refused the account SID or auth token (HTTP 401); check account_sid and "
                            f"store the auth token for {ctx.channel!r} again.", transient=False, status=401)
    if response_json and response_json.get("message"):
        code = response_json.get("code")
        detail = without_secret(str(response_json["message"])[:300], ctx.secret)
        return ChannelError(f"Twilio refused the message (HTTP {exc.status}"
                            f"{f', error {code}' if code else ''}): {detail}",
                            transient=exc.transient, retry_after=exc.retry_after, status=exc.status)
    return scrubbed(exc, ctx.secret)


def _request(ctx: SendContext, method: str, path: str, form: dict[str, str] | None = None) -> httpx.Response:
    """One Twilio call. Transport failures and HTTP errors become ChannelErrors; an error's JSON body
    (``{"code": 21211, "message": "…"}``) is kept so Twilio's own explanation reaches the user."""
    base = str(ctx.config.get("base_url") or FIELDS["base_url"].default).rstrip("/")
    headers = dict(_auth(ctx))
    content = b""
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        content = urlencode(form).encode("ascii")
    response = request(ctx, method, base + path, what="Twilio", content=content, headers=headers)
    if response.status_code >= 300:
        try:
            body = response.json()
        except ValueError:
            body = None
        raise _twilio_error(http_error(response, "Twilio"), body if isinstance(body, dict) else None, ctx)
    return response


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    account = ctx.config["account_sid"]
    # Parts a failed attempt already sent (the outbox keeps their sids) are not sent again.
    sids: list[str] = list((ctx.extra.get("partial") or {}).get("sids") or [])[:len(payload["parts"])]
    for part in payload["parts"][len(sids):]:
        form = {"To": payload["to"], "Body": part}
        if ctx.config.get("messaging_service_sid"):
            form["MessagingServiceSid"] = ctx.config["messaging_service_sid"]
        else:
            form["From"] = ctx.config["from_number"]
        try:
            response = _request(ctx, "POST", f"/2010-04-01/Accounts/{account}/Messages.json", form)
        except ChannelError as exc:
            if sids:  # the parts already sent stay sent: say so, and keep their sids on the error
                exc = ChannelError(f"{exc} (after {len(sids)} of {len(payload['parts'])} parts were sent)",
                                   transient=exc.transient, retry_after=exc.retry_after, status=exc.status)
                exc.partial_receipt = {"sids": list(sids)}  # type: ignore[attr-defined]
            raise exc from None
        try:
            sid = response.json().get("sid")
        except (ValueError, AttributeError):
            sid = None
        if not sid:
            raise ChannelError("Twilio's answer has no message sid", transient=True, status=response.status_code)
        sids.append(sid)
    return {"sids": sids}


def test(ctx: SendContext) -> str:
    account = ctx.config["account_sid"]
    response = _request(ctx, "GET", f"/2010-04-01/Accounts/{account}.json")
    try:
        data = response.json()
    except ValueError:
        data = {}
    name = data.get("friendly_name") or account
    status = data.get("status")
    return f"Twilio account {name!r} is reachable with this auth token{f' (status {status})' if status else ''}."

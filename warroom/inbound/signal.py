"""What every vendor's webhook becomes: a :class:`Signal`, and the helpers the
vendor modules share to read a hostile body (a size limit, JSON with a depth and
key limit, plain text only) and compare secrets in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from warroom.errors import InputError

#: The largest body read from a source: vendors' webhooks are a few kilobytes; an
#: Alertmanager group of many alerts stays far below this.
MAX_BODY = 1024 * 1024
#: How deep a JSON body may nest (vendors' payloads nest a handful of levels).
MAX_DEPTH = 24
#: The longest text kept from a payload's field (titles, notes, comments).
MAX_TEXT = 4000


class BadPayload(InputError):
    """A body that is not what the vendor sends: nothing was stored."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing a source said, normalised across vendors."""

    #: The vendor's id of this event (deduplication): PagerDuty's event id, an
    #: Alertmanager alert's fingerprint with its state and start, a Jira webhook's timestamp…
    event_id: str
    #: What happened: triggered, acknowledged, resolved, priority, reassigned, annotated,
    #: firing, component, comment, updated.
    kind: str
    #: The incident, alert or issue in the vendor's system.
    external_id: str
    title: str = ""
    link: str | None = None
    #: The vendor's priority or severity as it says it (P1, critical, Highest…).
    priority: str | None = None
    service: str | None = None
    components: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    text: str = ""
    at: datetime | None = None
    #: Alertmanager's labels, Statuspage's component status…: what rules match on.
    labels: Mapping[str, str] = field(default_factory=dict)


def header(headers: Mapping[str, str] | Any, name: str) -> str | None:
    """A header by name, whatever its case (a dict or an ``email.message.Message``)."""
    if headers is None:
        return None
    getter = getattr(headers, "get_all", None)
    if getter is not None:
        values = getter(name)
        return values[0] if values else None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return None


def same(given: str | bytes | None, expected: str | bytes) -> bool:
    """Constant-time comparison of a secret or signature."""
    if given is None:
        return False
    a = given.encode("utf-8") if isinstance(given, str) else given
    b = expected.encode("utf-8") if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


def hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _depth(value: Any, level: int = 0) -> None:
    if level > MAX_DEPTH:
        raise BadPayload(f"The body nests deeper than {MAX_DEPTH} levels: not a vendor's webhook.")
    if isinstance(value, dict):
        for v in value.values():
            _depth(v, level + 1)
    elif isinstance(value, list):
        for v in value:
            _depth(v, level + 1)


def load_json(body: bytes, what: str) -> dict[str, Any]:
    """The body as a JSON object, refused (:class:`BadPayload`) when too large, not
    UTF-8, not JSON, too deep, or not an object."""
    if len(body) > MAX_BODY:
        raise BadPayload(f"The {what} body is {len(body):,} bytes; at most {MAX_BODY:,} are read.")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadPayload(f"The {what} body is not UTF-8 text.") from None
    except (ValueError, RecursionError):
        raise BadPayload(f"The {what} body is not JSON.") from None
    _depth(data)
    if not isinstance(data, dict):
        raise BadPayload(f"The {what} body is not a JSON object.")
    return data


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """A payload's field as plain one-paragraph text: control characters out, spaces
    folded, cut at ``limit``."""
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        return ""
    s = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in str(value))
    s = " ".join(s.split())
    return s[:limit]


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def when(value: Any) -> datetime | None:
    """An ISO time from a payload, aware UTC; None when absent or unreadable."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    s = value.strip().replace("Z", "+00:00")
    if "." in s:  # Alertmanager sends nanoseconds; Python reads at most microseconds
        head, _, rest = s.partition(".")
        digits = rest[:len(rest) - len(rest.lstrip("0123456789"))]
        zone = rest[len(digits):]
        s = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        try:  # Jira and Atlassian write +0000
            t = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            return None
    if t.tzinfo is None:
        return None
    if t.year < 1900:    # Alertmanager's "0001-01-01T00:00:00Z" means none
        return None
    return t.astimezone(timezone.utc)


def need(value: Any, what: str) -> str:
    s = text(value, 200)
    if not s:
        raise BadPayload(f"The body has no {what}: not a webhook this source sends.")
    return s

"""What every channel shares: the frozen message, a recipient, the error a send
raises, and the context a send gets.

A channel module (``slack``, ``teams``, ``statuspage``, ``email``, ``sms``,
``webhook``) has a pure ``render`` (message -> payload, JSON-able, no I/O) and an
I/O ``send`` (payload -> receipt). The outbox stores nothing of a channel but its
name, its non-secret config and the receipt; the secret comes from the keyring
at send time and is never logged, stored or put in an error message.

Each channel module exposes:

``KIND``        its kind name ("slack", ...)
``LABEL``       a human name ("Slack (incoming webhook)")
``SECRET``      what the secret is, as asked for on standard input (e.g. "the
                webhook URL"), or None when the channel has none
``FIELDS``      non-secret config: ``{name: Field}``
``RATE``        documented sustained rate, sends per second (token bucket)
``BURST``       bucket size
``RECIPIENT``   "email", "phone" or None: one delivery per stakeholder with that
                contact, or one per channel (None)
``IDEMPOTENT``  True when the vendor (or receiver) drops a repeated send carrying
                the same idempotency key
``render(message, recipient, config, previous) -> dict``
``send(payload, ctx) -> dict``   raises :class:`ChannelError`
``test(ctx) -> str``             a harmless check; returns what it did
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import httpx

from warroom.errors import InputError

#: How a channel identifies itself to vendors.
USER_AGENT = "WarRoom/1 (+incident communications)"


@dataclass(frozen=True, slots=True)
class Field:
    required: bool
    default: Any = None
    help: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """An approved update as it was published: channels render from this alone."""

    delivery_id: str            # also the idempotency key
    incident_id: str
    incident_ref: str
    #: The title this audience sees, reviewed with the words: never the internal title.
    title: str
    status: str                 # warroom status value (investigating, identified, ...)
    statuspage_status: str      # investigating | identified | monitoring | resolved
    impact: str                 # statuspage impact: none | minor | major | critical
    component_status: str       # operational | degraded_performance | partial_outage | major_outage
    severity: str
    components: tuple[str, ...]
    audience: str
    locale: str
    subject: str
    long: str                   # the long text (Markdown-light: paragraphs, "- " lists)
    short: str                  # the SMS text
    chat: str                   # the chat text
    published_at: datetime      # aware UTC
    exercise: bool = False
    status_url: str | None = None
    #: "update"; "retraction" (takes back an update published earlier: ``retracts``
    #: names it and holds its receipt); "correction" (replaces retracted words).
    kind: str = "update"
    #: For a retraction: ``{"delivery_id", "draft_id", "published_at", "receipt"}`` of
    #: what it takes back on this channel (the receipt may be None: never delivered).
    retracts: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__slots__}
        d["components"] = list(self.components)
        d["published_at"] = self.published_at.isoformat()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Message":
        d = dict(d)
        if "title" not in d:  # queued before public titles: never show the internal one
            d["title"] = d.get("subject") or d.get("incident_ref") or ""
        d.pop("incident_title", None)
        d["components"] = tuple(d.get("components") or ())
        d["published_at"] = datetime.fromisoformat(d["published_at"])
        return cls(**d)


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str          # the stakeholder's name, or "" for a channel-wide send
    address: str = ""  # e-mail address or E.164 number, or ""
    locale: str | None = None
    timezone: str | None = None


class ChannelError(Exception):
    """A send that did not succeed. ``transient``: worth trying again (network,
    timeout, 429, 5xx); otherwise the request itself is wrong (401, 400, 404) and
    repeating it will not help. ``retry_after``: seconds the vendor asked us to wait."""

    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.status = status


@dataclass
class SendContext:
    channel: str                        # the configured channel's name
    config: dict[str, Any]              # validated non-secret config
    secret: str | None                  # from the keyring; never log it
    client: httpx.Client | None = None  # shared client; channels make one if None
    timeout: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict)
    #: Called by channels that need more than the payload (the self-hosted page).
    hook: Callable[..., Any] | None = None


def setting_number(value: Any, kind: type = int) -> Any:
    """``int`` (or ``float``) of a setting, written with the digits 0-9: Python's own
    take any script's digits (``int("٥٨٧") == 587``). Raises ValueError otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return kind(value)
    text = str(value).strip()
    if not text.isascii():
        raise ValueError(f"not written with the digits 0-9: {text!r}")
    return kind(text)


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    # An HTTP date is the vendor's wall clock, so it is compared with ours (time.time, not a Clock).
    return max(0.0, when.timestamp() - time.time())


def http_error(response: httpx.Response, what: str) -> ChannelError:
    """The ChannelError for an HTTP answer that is not a success."""
    code = response.status_code
    transient = code == 429 or code >= 500 or code == 408
    detail = response.text[:200].strip().replace("\n", " ")
    return ChannelError(f"{what} answered HTTP {code}{': ' + detail if detail else ''}",
                        transient=transient, retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                        status=code)


def request(ctx: SendContext, method: str, url: str, *, what: str, content: bytes = b"",
            headers: dict[str, str] | None = None) -> httpx.Response:
    """One HTTP request on the context's client; a timeout or a network failure
    becomes a transient ChannelError naming ``what`` (never the URL: it may be the
    secret). The answer's status is the caller's to judge."""
    client = ctx.client or httpx.Client(timeout=ctx.timeout)
    hdrs = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        return client.request(method, url, content=content, headers=hdrs, timeout=ctx.timeout)
    except httpx.TimeoutException:
        raise ChannelError(f"{what} did not answer within {ctx.timeout:g} s", transient=True) from None
    except httpx.TransportError as exc:
        raise ChannelError(f"{what} could not be reached: {type(exc).__name__}", transient=True) from None
    finally:
        if ctx.client is None:
            client.close()


def post_json(ctx: SendContext, url: str, payload: Any, *, what: str, headers: dict[str, str] | None = None,
              method: str = "POST", content: bytes | None = None) -> httpx.Response:
    """Send JSON (or pre-encoded ``content``) and turn every failure into a ChannelError."""
    if content is None:
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    response = request(ctx, method, url, what=what, content=content, headers=hdrs)
    if response.status_code >= 300:
        raise http_error(response, what)
    return response


# --- small helpers the channel modules share -------------------------------------------------

#: Put in front of subjects and titles of an exercise, so no reader mistakes it for a real incident.
EXERCISE_MARK = "[EXERCISE]"

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_loopback(host: str | None) -> bool:
    """True for this machine's own addresses (where plain HTTP / SMTP without TLS is acceptable)."""
    return (host or "").strip().lower().rstrip(".") in _LOOPBACK_HOSTS


def webhook_url(ctx: SendContext) -> str:
    """The webhook URL stored as the channel's secret (Slack, Teams), checked: present, a URL,
    https (plain http only to this machine)."""
    url = (ctx.secret or "").strip()
    if not url:
        raise ChannelError(f"No webhook URL is stored for the channel {ctx.channel!r}; set it again.",
                           transient=False)
    try:
        parsed = httpx.URL(url)
    except Exception:
        raise ChannelError(f"The webhook URL stored for {ctx.channel!r} is not a URL; set it again.",
                           transient=False) from None
    if parsed.scheme != "https" and not (parsed.scheme == "http" and is_loopback(parsed.host)):
        raise ChannelError(f"The webhook URL stored for {ctx.channel!r} must start with https://.", transient=False)
    return url


def marked(message: Message, text: str) -> str:
    """``text`` with the exercise mark in front when the message belongs to an exercise."""
    if message.exercise and not text.startswith(EXERCISE_MARK):
        return f"{EXERCISE_MARK} {text}"
    return text


def utc_stamp(when: datetime) -> str:
    """``2026-11-23 09:00 UTC``: how channels show the published time."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


#: Settings every channel has: a lower send rate than the vendor's documented one.
COMMON_FIELDS = {"rate_per_s": Field(False, None, "sends per second (default: the vendor's documented rate)")}


def check_config(label: str, fields: dict[str, Field], config: dict[str, Any] | None) -> dict[str, Any]:
    """Fill defaults, refuse unknown names and missing required values. Returns a new dict;
    the channel's ``validate_config`` then checks each value's form."""
    config = dict(config or {})
    unknown = sorted(set(config) - set(fields) - set(COMMON_FIELDS))
    if unknown:
        known = ", ".join(sorted(set(fields) | set(COMMON_FIELDS))) or "none"
        raise InputError(f"{label}: unknown setting {', '.join(unknown)} (known settings: {known}).",
                         field=unknown[0])
    out: dict[str, Any] = {}
    rate = config.get("rate_per_s")
    if rate not in (None, ""):
        try:
            rate = setting_number(rate, float)
        except (TypeError, ValueError):
            rate = -1.0
        if not 0.01 <= rate <= 1000:
            raise InputError(f"{label}: rate_per_s is sends per second, between 0.01 and 1000.",
                             field="rate_per_s")
        out["rate_per_s"] = rate
    for name, spec in fields.items():
        value = config.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if spec.required:
                hint = f" ({spec.help})" if spec.help else ""
                raise InputError(f"{label}: the setting {name} is required{hint}.", field=name)
            value = spec.default
        out[name] = value
    return out


def is_url_setting(name: str) -> bool:
    """Settings holding a web address: ``url`` and ``…_url``."""
    return name == "url" or name.endswith("_url")


def check_web_url(label: str, name: str, value: Any) -> str:
    """A web address for a setting: http:// or https:// with a host, nothing else
    (no ``javascript:``, ``file:`` or ``data:``, which a page or a card would follow)."""
    text = str(value or "").strip()
    try:
        url = httpx.URL(text)
    except Exception:  # httpx.InvalidURL and friends: not an address at all
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise InputError(f"{label}: {name} must be a web address starting with https:// or http:// "
                         f"(got {text[:80]!r}).", field=name)
    return text


def without_secret(text: str, secret: str | None) -> str:
    """``text`` with the secret (and, for a URL, its path and query) replaced by ``***``."""
    if not secret or not text:
        return text
    pieces = {secret}
    try:
        url = httpx.URL(secret)
    except Exception:  # not a URL: only the whole secret is hidden
        url = None
    if url is not None and url.host:
        path_and_query = url.raw_path.decode("ascii", "replace")
        if len(path_and_query) > 1:
            pieces.add(path_and_query)
            pieces.add(url.path)
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) >= 4:
            text = text.replace(piece, "***")
    return text


def scrubbed(exc: ChannelError, secret: str | None) -> ChannelError:
    """The same error without the secret anywhere in its message."""
    message = str(exc)
    clean = without_secret(message, secret)
    if clean == message:
        return exc
    return ChannelError(clean, transient=exc.transient, retry_after=exc.retry_after, status=exc.status)


class _HttpxUrlFilter:
    """httpx logs every request's full URL at INFO ("HTTP Request: POST https://…"). For webhook
    channels the URL is the secret, so the log only ever gets scheme, host and port."""

    def filter(self, record: Any) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, httpx.URL) for a in args):
            record.args = tuple(_origin(a) + "/…" if isinstance(a, httpx.URL) else a for a in args)
        return True


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.host}{f':{url.port}' if url.port else ''}"


def _quiet_httpx_urls() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _HttpxUrlFilter) for f in logger.filters):
        logger.addFilter(_HttpxUrlFilter())


_quiet_httpx_urls()

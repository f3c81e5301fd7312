"""Rendering status-update templates: Jinja2 in an immutable sandbox.

Plain data in (dicts, strings, datetimes — never ORM objects), StrictUndefined,
limits on the output's size and the time spent. Every failure — a syntax error,
an unknown variable, a sandbox violation such as ``{{ ''.__class__ }}``, a
runaway loop — is a :class:`TemplateError` naming the line, never a crash.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.lists import format_list
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from warroom.clock import UTC
from warroom.errors import InputError

#: The longest text a template may produce, in characters.
MAX_OUTPUT = 20_000
#: The longest a template may take to render.
MAX_SECONDS = 0.5
_MAX_SEQUENCE = 10_000

_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("template_deadline", default=float("inf"))
_now: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("template_now", default=None)


class TemplateError(InputError):
    """A template cannot be rendered; ``line`` is its line number when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.detail = message


def _check_time() -> None:
    if time.monotonic() > _deadline.get():
        raise TemplateError(f"the template took longer than {MAX_SECONDS:g} s to render (a runaway loop?)")


def _guarded_range(*args: int) -> Iterator[int]:
    values = range(*args)
    if len(values) > _MAX_SEQUENCE:
        raise SecurityError(f"range() of more than {_MAX_SEQUENCE:,} items")
    for value in values:
        _check_time()
        yield value


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus limits on what ``*`` and ``**`` may build and a
    clock check on every call."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT:
                    raise SecurityError("that multiplication builds too large a value")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        _check_time()
        return super().call(__context, __obj, *args, **kwargs)


def _when_factory(locale: Locale, zone: tzinfo):
    utc_only = zone.utcoffset(datetime(2026, 1, 1)) is not None and str(zone) in ("UTC", "Etc/UTC")

    def when(value: datetime | None) -> str:
        """``14:05 UTC (15:05 CET)`` in the audience's zone; with the date when it is not today's."""
        if value is None:
            return ""
        if not isinstance(value, datetime):
            raise SecurityError("the 'when' filter takes a time")
        value = value.astimezone(UTC)
        text = f"{value:%H:%M} UTC"
        now = _now.get()
        if now is not None and now.astimezone(UTC).date() != value.date():
            text = f"{format_skeleton('MMMd', value, tzinfo=UTC, locale=locale)}, {text}"
        if not utc_only:
            local = value.astimezone(zone)
            text += f" ({_plain(format_time(local, 'short', tzinfo=zone, locale=locale))} {local.tzname()})"
        return text

    return when


def _plain(text: str) -> str:
    """CLDR puts narrow and no-break spaces in times ("2:05\u202fPM"): plain spaces
    keep an SMS in GSM-7 (a single such character makes it UCS-2, 70 characters a part)."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _utc(value: datetime | None) -> str:
    return "" if value is None else f"{value.astimezone(UTC):%H:%M} UTC"


@lru_cache(maxsize=32)
def _environment(locale_name: str, zone_name: str) -> _Sandbox:
    from warroom.timefmt import local_zone

    locale = Locale.parse(locale_name)
    zone = local_zone(zone_name) if zone_name != "UTC" else UTC
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=False)
    env.globals = {"range": _guarded_range}
    env.filters["when"] = _when_factory(locale, zone)
    env.filters["utc"] = _utc
    env.filters["join_list"] = lambda items: format_list([str(i) for i in items], locale=locale) if items else ""
    return env


@lru_cache(maxsize=1024)
def _compile(locale_name: str, zone_name: str, source: str):
    """Compiled templates, kept: the composer re-renders the same ones as the user types."""
    return _environment(locale_name, zone_name).from_string(source)


def _line_of(exc: BaseException) -> int | None:
    """Jinja rewrites tracebacks to point into the template: take its last frame there."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(source: str, context: Mapping[str, Any], *, locale: str = "en", zone: str = "UTC",
           now: datetime | None = None) -> str:
    """Render one template text. ``zone`` and ``locale`` are the audience's."""
    locale_name = str(Locale.parse(locale.replace("-", "_")))
    token = _deadline.set(time.monotonic() + MAX_SECONDS)
    now_token = _now.set(now)
    try:
        template = _compile(locale_name, zone or "UTC", source)
        parts: list[str] = []
        size = 0
        for chunk in template.generate(dict(context)):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateError(f"the text would be longer than {MAX_OUTPUT:,} characters")
            _check_time()
            parts.append(chunk)
        return "".join(parts).strip() + "\n" if parts else ""
    except TemplateError:
        raise
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", exc.lineno) from None
    except UndefinedError as exc:
        raise TemplateError(f"{exc.message} (see the list of variables)", _line_of(exc)) from None
    except SecurityError as exc:
        raise TemplateError(f"not allowed in a template: {exc}", _line_of(exc)) from None
    except RecursionError:
        raise TemplateError("the template calls itself without end") from None
    except Exception as exc:  # a template can raise anything its expressions raise
        raise TemplateError(f"{type(exc).__name__}: {exc}", _line_of(exc)) from None
    finally:
        _deadline.reset(token)
        _now.reset(now_token)


def check_syntax(source: str) -> TemplateError | None:
    """A syntax error in a template, or None (for the editor, as the user types)."""
    try:
        _environment("en", "UTC").parse(source)
    except TemplateSyntaxError as exc:
        return TemplateError(f"syntax error: {exc.message}", exc.lineno)
    return None


#: The variables a template can use, for the editor's list.
VARIABLES: dict[str, str] = {
    "incident.ref": "reference, e.g. INC-12",
    "incident.title": "title",
    "incident.category": "category (label)",
    "incident.severity": "SEV1 … SEV4",
    "incident.impact": "impact (label)",
    "incident.status": "status term: Investigating, Identified, Mitigated, Monitoring, Resolved",
    "incident.status_code": "the status for conditions, in any language: investigating, identified, …",
    "incident.components": "affected components (a list: use | join_list)",
    "incident.commander": "incident commander",
    "incident.detected_at": "when it was detected (use | when)",
    "incident.declared_at": "when it was declared (use | when)",
    "update.now": "the time of this update (use | when)",
    "update.next_at": "the time of the next update, or none when resolved",
    "etr": "none, or .text (the estimate) and .caveat (matching its confidence)",
    "org.name": "the company's name",
    "org.status_url": "the public status page, or empty",
}
FILTERS: dict[str, str] = {
    "when": "a time in UTC and the audience's local time: 14:05 UTC (15:05 CET)",
    "utc": "a time in UTC: 14:05 UTC",
    "join_list": "a list in words: Checkout, Login and Public API",
}

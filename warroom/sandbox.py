"""The template sandbox: Jinja2 in an immutable sandbox, in this process.

Plain data in (dicts, strings, datetimes — never ORM objects), StrictUndefined,
limits on the output's size and the time spent. Every failure — a syntax error,
an unknown variable, a sandbox violation such as ``{{ ''.__class__ }}``, a
runaway loop — is a :class:`TemplateError` naming the line, never a crash.

These guards are the first line of defence only: they are Python checks, and a
single C call (a big-integer multiplication, ``str.format`` with a computed
width) runs past them. Templates are therefore rendered by
:func:`warroom.text.render.render`, which runs :func:`render_in_process` in a worker
process the operating system bounds (:mod:`warroom.renderworker`).
"""

from __future__ import annotations

import contextvars
import re
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.lists import format_list
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from warroom.clock import UTC
from warroom.errors import InputError
from warroom.text.timefmt import local_zone

#: The longest text a template may produce, in characters.
MAX_OUTPUT = 20_000
#: The longest a template may take to render.
MAX_SECONDS = 0.5
_MAX_SEQUENCE = 10_000

_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("template_deadline", default=float("inf"))
_now: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("template_now", default=None)


class TemplateError(InputError):
    """A template cannot be rendered; ``line`` is its line number when known.

    ``limit`` names the limit it hit, if any: ``time``, ``memory``, ``output size``,
    or ``crash`` (the worker process died another way)."""

    def __init__(self, message: str, line: int | None = None, *, limit: str | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.detail = message
        self.limit = limit


def _check_time() -> None:
    if time.monotonic() > _deadline.get():
        raise TemplateError(f"the template took longer than {MAX_SECONDS:g} s to render "
                            "(time limit; a runaway loop?)", limit="time")


def _guarded_range(*args: int) -> Iterator[int]:
    values = range(*args)
    if len(values) > _MAX_SEQUENCE:
        raise SecurityError(f"range() of more than {_MAX_SEQUENCE:,} items")
    for value in values:
        _check_time()
        yield value


#: The largest string or list a template may build along the way.
MAX_VALUE = 5 * MAX_OUTPUT
_WIDTH = re.compile(r"%[-+ #0]*([0-9]+)|\{[^{}]*?:[^{}]*?([0-9]{5,})")


def _too_big(size: int) -> None:
    if size > MAX_VALUE:
        raise SecurityError(f"that builds a value of {size:,} characters (the limit is {MAX_VALUE:,})")


def _check_format_string(fmt: str) -> None:
    for m in _WIDTH.finditer(fmt):
        width = int(m.group(1) or m.group(2) or 0)
        _too_big(width)


_CLOCK_ATTRS = {"now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp", "astimezone", "timestamp",
                "fromordinal", "combine", "strptime", "fromisoformat", "utcoffset", "tzname", "dst"}

#: str methods that can build a large string from small arguments.
_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill"}


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus limits on the size of what operators, filters and
    string methods build, and a clock check on every call."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT:
                    raise SecurityError("that multiplication builds too large a value")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            _too_big(len(left) + len(right))
        if operator == "%" and isinstance(left, str):
            _check_format_string(left)
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Times are data: no reading the real clock (.now(), .today()) or the laptop's
        # zone (.astimezone()) from inside a template; the filters format them.
        if isinstance(obj, (datetime, date, type)) and attr in _CLOCK_ATTRS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        _check_time()
        # str.format comes wrapped by the sandbox; the string is behind __wrapped__.
        owner = getattr(__obj, "__self__", None)
        if owner is None:
            owner = getattr(getattr(__obj, "__wrapped__", None), "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if name in _WIDTH_METHODS and args and isinstance(args[0], int):
                _too_big(args[0])
            elif name == "expandtabs":
                _too_big(len(owner) * (args[0] if args and isinstance(args[0], int) else 8))
            elif name == "replace" and len(args) >= 2:
                _too_big(len(owner) + owner.count(str(args[0])) * max(len(str(args[1])), 1))
            elif name == "join" and args:
                _too_big(sum(len(str(x)) for x in args[0]) + len(owner) * len(args[0]))
            elif name in ("format", "format_map"):
                _check_format_string(owner)
        return super().call(__context, __obj, *args, **kwargs)


def _guard_filters(env) -> None:
    """Jinja's own filters that can build a large string from a small one."""
    filters = env.filters

    def guarded(name, size_of):
        original = filters[name]

        def wrapper(*args, **kwargs):
            _too_big(size_of(*args, **kwargs))
            return original(*args, **kwargs)

        wrapper.__name__ = original.__name__
        for attr in ("jinja_pass_arg",):
            if hasattr(original, attr):
                setattr(wrapper, attr, getattr(original, attr))
        filters[name] = wrapper

    def text_args(args):  # filters marked pass_eval_context get the context first
        return [a for a in args if not hasattr(a, "environment")]

    def replace_size(*args, **kwargs):
        value, old, new = (text_args(args) + [None, None, None])[:3]
        value = str(value)
        return len(value) + value.count(str(old)) * max(len(str(new)), 1)

    def center_size(*args, **kwargs):
        rest = text_args(args)
        return max(len(str(rest[0])), int(rest[1]) if len(rest) > 1 else int(kwargs.get("width", 80)))

    def indent_size(*args, **kwargs):
        rest = text_args(args)
        width = rest[1] if len(rest) > 1 else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else int(width)
        return len(str(rest[0])) * (1 + width)

    def format_size(*args, **kwargs):
        _check_format_string(str(text_args(args)[0]))
        return 0

    guarded("replace", replace_size)
    guarded("center", center_size)
    guarded("indent", indent_size)
    guarded("format", format_size)


@lru_cache(maxsize=1024)
def _line_map(template) -> tuple[int, ...]:
    """The template's line for each line of its compiled Python code."""
    pairs = template.debug_info
    size = (max(code for _t, code in pairs) if pairs else 0) + 1
    lines = [1] * size
    for template_line, code_line in pairs:
        for i in range(code_line, size):
            lines[i] = template_line
    return tuple(lines)


class _Deadline:
    """Checks the clock on every line a template runs: a loop over a long string or
    list runs template lines, not calls, so the call hook alone would not see it.

    It also keeps the template line running now (``line``), and writes it to
    ``slot`` (an integer array shared with another process) when given one: a
    process killed mid-render can still be told where it was."""

    def __init__(self, template=None, slot=None) -> None:
        self.previous = None
        self.lines = 0
        self.line: int | None = None
        self.slot = slot
        self.map = _line_map(template) if template is not None else (1,)

    def _global(self, frame, event, arg):
        if frame.f_code.co_filename == "<template>":
            return self._local
        return None

    def _local(self, frame, event, arg):
        if event == "line":
            number = frame.f_lineno
            self.line = line = self.map[number] if number < len(self.map) else self.map[-1]
            if self.slot is not None:
                self.slot[0] = line
            self.lines += 1
            if self.lines % 64 == 0:
                _check_time()
        return self._local

    def __enter__(self):
        self.previous = sys.gettrace()
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self.previous)


#: Where the next update's time goes in a draft: it is filled in at publish, from the
#: cadence then in force, so no audience is promised a time already past.
NEXT_UPDATE = "{next_update}"


class Promised(datetime):
    """``update.next_at`` while composing: a time decided at publish, shown as :data:`NEXT_UPDATE`."""


def _when_factory(locale: Locale, zone: tzinfo):
    utc_only = zone.utcoffset(datetime(2026, 1, 1)) is not None and str(zone) in ("UTC", "Etc/UTC")

    def when(value: datetime | None) -> str:
        """``14:05 UTC (15:05 CET)`` in the audience's zone; with the date when it is not today's."""
        if value is None:
            return ""
        if isinstance(value, Promised):
            return NEXT_UPDATE
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


def format_when(value: datetime, *, locale: str = "en", zone: str = "UTC", now: datetime | None = None) -> str:
    """A time as the ``when`` filter writes it for an audience (``14:05 UTC (15:05 CET)``)."""
    env = _environment(str(Locale.parse(locale.replace("-", "_"))), zone or "UTC")
    token = _now.set(now)
    try:
        return env.filters["when"](value)
    finally:
        _now.reset(token)


def plain(text: str) -> str:
    """CLDR puts narrow and no-break spaces in times: plain spaces (see :func:`_plain`)."""
    return _plain(text)


def _plain(text: str) -> str:
    """CLDR puts narrow and no-break spaces in times ("2:05\u202fPM"): plain spaces
    keep an SMS in GSM-7 (a single such character makes it UCS-2, 70 characters a part)."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _utc(value: datetime | None) -> str:
    return "" if value is None else f"{value.astimezone(UTC):%H:%M} UTC"


@lru_cache(maxsize=32)
def _environment(locale_name: str, zone_name: str) -> _Sandbox:
    locale = Locale.parse(locale_name)
    zone = local_zone(zone_name) if zone_name != "UTC" else UTC
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=False)
    env.globals = {"range": _guarded_range}
    _guard_filters(env)
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


def render_in_process(source: str, context: Mapping[str, Any], *, locale: str = "en", zone: str = "UTC",
                      now: datetime | None = None, line_slot=None) -> str:
    """Render one template text here, with the sandbox's guards only. ``zone`` and
    ``locale`` are the audience's; ``line_slot`` (see :class:`_Deadline`) follows
    the line being run. Everything else renders through :func:`warroom.text.render.render`."""
    locale_name = str(Locale.parse(locale.replace("-", "_")))
    token = _deadline.set(time.monotonic() + MAX_SECONDS)
    now_token = _now.set(now)
    tracer = None
    try:
        template = _compile(locale_name, zone or "UTC", source)
        parts: list[str] = []
        size = 0
        with _Deadline(template, line_slot) as tracer:
            for chunk in template.generate(dict(context)):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise TemplateError(f"the text would be longer than {MAX_OUTPUT:,} characters "
                                        "(output size limit)", limit="output size")
                _check_time()
                parts.append(chunk)
        return "".join(parts).strip() + "\n" if parts else ""
    except TemplateError as exc:
        if exc.line is None and tracer is not None and tracer.line is not None:
            raise TemplateError(exc.detail, tracer.line, limit=exc.limit) from None
        raise
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", exc.lineno) from None
    except UndefinedError as exc:
        raise TemplateError(f"{exc.message} (see the list of variables)", _line_of(exc)) from None
    except SecurityError as exc:
        raise TemplateError(f"not allowed in a template: {exc}", _line_of(exc)) from None
    except RecursionError:
        raise TemplateError("the template calls itself without end, or nests too deeply") from None
    except MemoryError:
        raise TemplateError("the template needs more memory than a template may use (memory limit)",
                            tracer.line if tracer is not None else None, limit="memory") from None
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
    except (RecursionError, MemoryError):
        return TemplateError("syntax error: the template nests too deeply")
    return None


def variables(source: str) -> set[str]:
    """The top-level names a template reads (``incident``, ``etr``, ``update``…):
    a template reaches its context through these names only."""
    return set(meta.find_undeclared_variables(_environment("en", "UTC").parse(source)))


#: The variables a template can use, for the editor's list.
VARIABLES: dict[str, str] = {
    "incident.ref": "reference, e.g. INC-12",
    "incident.title": "the internal title (never for external audiences: use title)",
    "title": "the public title this audience sees (status pages, e-mail subjects)",
    "incident.category": "category (label)",
    "incident.severity": "SEV1 … SEV4",
    "incident.severity_label": "what the severity means, in the audience's language: Critical, Major, Minor, Low",
    "incident.impact": "impact (label)",
    "incident.status": "status term in the audience's language: Investigating, Identified, Mitigated, Monitoring, "
                       "Resolved",
    "incident.status_code": "the status for conditions, in any language: investigating, identified, …",
    "incident.components": "affected components (a list: use | join_list)",
    "incident.commander": "incident commander",
    "incident.detected_at": "when it was detected (use | when)",
    "incident.declared_at": "when it was declared (use | when)",
    "incident.resolved_at": "when it was resolved (use | when), or none while it is open",
    "update.now": "the time of this update (use | when)",
    "update.next_at": "the time of the next update (filled in at publish; use | when), or none when resolved",
    "etr": "none, or .text (the estimate) and .caveat (matching its confidence)",
    "org.name": "the company's name",
    "org.status_url": "the public status page, or empty",
    "followups": "the follow-up actions (a list): each .text, .due (the date in words), .done; for internal "
                 "audiences also .owner and .overdue",
}
FILTERS: dict[str, str] = {
    "when": "a time in UTC and the audience's local time: 14:05 UTC (15:05 CET)",
    "utc": "a time in UTC: 14:05 UTC",
    "join_list": "a list in words: Checkout, Login and Public API",
}

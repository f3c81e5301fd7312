"""Rendering status-update templates.

Templates come from other people (imports, shared files), so they are hostile
input. Two lines of defence stand between a template and this process:

1. the sandbox (:mod:`warroom.sandbox`): Jinja2's immutable sandbox,
   StrictUndefined, guarded ``range``, operators, string methods and filters, a
   clock checked as template lines run, and :data:`MAX_OUTPUT`;
2. a worker process (:mod:`warroom.renderworker`) that the operating system
   bounds in memory and processor time, killed and replaced when it runs past a
   wall-clock deadline. A single C call (a big-integer multiplication, a computed
   format width) that runs past the first line meets the second.

Every failure, including a limit hit, is a :class:`TemplateError` that names
the limit and, where known, the line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from warroom import renderworker
from warroom.sandbox import (FILTERS, MAX_OUTPUT, MAX_SECONDS, NEXT_UPDATE, VARIABLES, Promised, TemplateError,
                             check_syntax, format_when, plain, variables)

__all__ = ["FILTERS", "MAX_OUTPUT", "MAX_SECONDS", "NEXT_UPDATE", "VARIABLES", "Promised", "TemplateError",
           "check_syntax", "format_when", "plain", "render", "render_many", "variables"]


def render(source: str, context: Mapping[str, Any], *, locale: str = "en", zone: str = "UTC",
           now: datetime | None = None) -> str:
    """Render one template text in the bounded worker process. ``zone`` and
    ``locale`` are the audience's; ``context`` is plain data (dicts, lists,
    strings, numbers, datetimes)."""
    return renderworker.render(source, context, locale=locale, zone=zone, now=now)


def render_many(jobs: Sequence[tuple[str, Mapping[str, Any]]], *, locale: str = "en", zone: str = "UTC",
                now: datetime | None = None) -> list[str | TemplateError]:
    """Several (source, context) pairs in one exchange with the worker, each with
    the limits of a render of its own: the text or the error of each, ending at
    the first that hits a limit (see :func:`warroom.renderworker.render_many`)."""
    return renderworker.render_many(jobs, locale=locale, zone=zone, now=now)

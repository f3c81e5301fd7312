"""Exporting an incident: JSON for machines, Markdown for people."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom import paths
from warroom.clock import isoformat
from warroom.errors import InputError
from warroom.services import followups, incidents, obligations, timeline
from warroom.store import Store

FORMATS = ("json", "markdown")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):
        return value.value
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def save(path: str | os.PathLike[str], text: str) -> Path:
    """Write an export (an incident, templates, the register) owner-only, whole or
    not at all: it holds what the incident is about."""
    target = Path(path)
    try:
        paths.write_private_file(target, text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"Cannot write {target}: {exc.strerror or exc}.") from None
    return target


def export_incident(store: Store, key: str | uuid.UUID, fmt: str, *, viewer: str) -> str:
    fmt = fmt.lower()
    if fmt == "md":
        fmt = "markdown"
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format {fmt!r}: choose json or markdown.")
    incident = incidents.get(store, key, viewer=viewer)
    entries = timeline.entries(store, incident.id, viewer=viewer)
    actions = followups.list_followups(store, incident.id, viewer=viewer)
    clocks = obligations.clocks(store, incident.id, viewer=viewer)
    if fmt == "json":
        doc = {"incident": to_jsonable(incident.as_dict()), "timeline": [to_jsonable(e.as_dict()) for e in entries],
               "followups": [to_jsonable(f.as_dict()) for f in actions],
               "clocks": [to_jsonable(c.as_dict()) for c in clocks], "exported_at": isoformat(store.clock.now())}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return _markdown(incident, entries, store.clock.now(), actions, clocks)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _utc(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "—"


def _followup_lines(actions: list[followups.FollowupView]) -> list[str]:
    """The follow-up actions as a table: each one's state (overdue ones said so), due date and owner."""
    lines = ["## Follow-up actions", ""]
    if not actions:
        return lines + ["None recorded.", ""]
    lines += ["| Ref | State | Due | Owner | Action |", "| --- | --- | --- | --- | --- |"]
    for f in actions:
        state = (f"done {f.done_at:%Y-%m-%d} by {f.done_by}" if f.done else "**overdue**" if f.overdue else "open")
        lines.append(f"| {f.ref} | {_md_escape(state)} | {f.due.isoformat()} | {_md_escape(f.owner)} | "
                     f"{_md_escape(f.text)} |")
    return lines + [""]


def _clock_lines(clocks: list[obligations.ClockView]) -> list[str]:
    """The regulatory clocks as a table (only for a flagged incident)."""
    if not clocks:
        return []
    lines = ["## Regulatory clocks", "", "| Regime | Started | Due | State | Citation |", "| --- | --- | --- | --- | --- |"]
    for c in clocks:
        due = _utc(c.due) if c.due else _md_escape(c.regime.deadline)
        lines.append(f"| {_md_escape(c.regime.name)} | {_utc(c.start)} | {due} | {c.state} | "
                     f"{_md_escape(c.regime.citation)} |")
    return lines + [""]


def _markdown(incident: incidents.IncidentView, entries: list[timeline.EntryView], now: datetime,
              actions: list[followups.FollowupView] = (), clocks: list[obligations.ClockView] = ()) -> str:
    lines = [f"# {incident.ref}: {incident.title}", ""]
    if incident.exercise:
        lines += ["> **EXERCISE** — this incident is part of a tabletop exercise.", ""]
    facts = [
        ("Status", incident.status.label), ("Severity", incident.severity.value),
        ("Category", incident.category.label), ("Impact", incident.impact.label),
        ("Customer-facing", "yes" if incident.customer_facing else "no"),
        ("Affected components", ", ".join(incident.components) or "—"),
        ("Commander", incident.commander or "—"), ("Detected", _utc(incident.detected_at)),
        ("Declared", _utc(incident.declared_at)), ("Resolved", _utc(incident.resolved_at)),
    ]
    lines += ["| | |", "| --- | --- |"] + [f"| {k} | {_md_escape(v)} |" for k, v in facts] + [""]
    lines += _followup_lines(list(actions))
    lines += _clock_lines(list(clocks))
    lines += ["## Timeline", "", "| Time (UTC) | Kind | Author | Entry |", "| --- | --- | --- | --- |"]
    for e in entries:
        edited = " *(edited)*" if e.edited_at else ""
        lines.append(f"| {e.occurred_at:%Y-%m-%d %H:%M:%S} | {e.kind.label} | {_md_escape(e.author)} | "
                     f"{_md_escape(e.text)}{edited} |")
    lines += ["", f"*Exported {_utc(now)}.*", ""]
    return "\n".join(lines)

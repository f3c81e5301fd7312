"""The retrospective's regulatory clocks, read from the journal: each regime a flag
started, when its clock started, when it was due, when the regulators update that
answered it was published, and whether the deadline was met or missed.

The flags' final starts are replayed from ``obligation.*`` events (a start moved
later counts as moved; an unflagged regime is left out); the updates are the
regulators audience's publishes, paired with the clocks as
:mod:`warroom.services.obligations` pairs them for the header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.retro.journal_replay import Event, parse_time
from warroom.services import obligations, regimes

HEADERS = ("regime", "start", "due", "regulators update", "outcome")


def figures(events: list[Event], published: dict[str, tuple[datetime, ...]], end: datetime) -> list[dict[str, Any]]:
    """One dict per clock, soonest due first; ``outcome`` is met, late, missed (due
    passed with no update by the end of the record), open (not yet due), or sent /
    no deadline for regimes without a fixed one."""
    starts: dict[str, tuple[datetime, regimes.Facts]] = {}
    for e in events:
        if e.kind in ("obligation.flagged", "obligation.start_changed"):
            flag = e.payload["flag"]
            starts[flag] = (parse_time(e.payload["started_at"]), obligations.event_facts(flag, e.payload, parse_time))
        elif e.kind == "obligation.unflagged":
            starts.pop(e.payload["flag"], None)
    known = regimes.flags()
    sent = sorted(published.get(obligations.REGULATORS, ()))
    present = set(starts)
    out = []
    for flag, (start, facts) in starts.items():
        if flag not in known:
            continue
        out.extend(obligations.pair_with_updates(obligations.clocks_of(flag, start, facts, present, end), sent))
    return [_item(c) for c in obligations.by_due(out)]


def _item(c: obligations.ClockView) -> dict[str, Any]:
    outcome = {"overdue": "missed", "running": "open"}.get(c.state, c.state)
    return {"regime": c.regime.name, "key": c.regime.key, "flag": c.flag, "citation": c.regime.citation,
            "binds": c.binds or None, "start": c.start, "due": c.due, "answered_at": c.answered_at, "outcome": outcome,
            "margin_s": None if c.due is None or c.answered_at is None else (c.due - c.answered_at).total_seconds()}


def rows(items: list[dict[str, Any]], at) -> tuple[tuple[str, ...], ...]:
    """The section's table: ``at`` formats a time as the rest of the report does."""
    return tuple((i["regime"], at(i["start"]), at(i["due"]) if i["due"] else "no fixed deadline",
                  at(i["answered_at"]) if i["answered_at"] else "—", i["outcome"]) for i in items)


def headline(items: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    fixed = [i for i in items if i["due"] is not None]
    return (("deadlines met", f"{sum(i['outcome'] == 'met' for i in fixed)} of {len(fixed)}"),
            ("missed or late", str(sum(i["outcome"] in ("missed", "late") for i in fixed))))


def lines(items: list[dict[str, Any]]) -> tuple[str, ...]:
    return ("Each clock runs from the awareness or determination time the commander recorded; it is met by an "
            "update to regulators published before it was due.",)

"""The score card: the retrospective's figures against the scenario's targets.

:func:`score` takes the retrospective's JSON figures (``warroom.retro``'s
``to_json()``: ``first_word``, ``cadence``, ``reviews``, ``words``) and the targets
an exercise stored at its start, and returns one row per target: the figure, a
pass or a miss, and why in words. A figure the retrospective does not have (no
update was published, no review asked for) is a miss when the target needs it.

:func:`card_of` reads an exercise incident's score card from the store, and
:func:`write_report` writes the retrospective led by it: the one path that
``exercise end|play --out``, ``retro --out`` and the window's Exercise and
Retrospective tabs share.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.exercise.clock import offset_text

if TYPE_CHECKING:
    from warroom.retro.figures import Retrospective
    from warroom.store import Store


@dataclass(frozen=True, slots=True)
class Row:
    target: str
    figure: str
    passed: bool
    why: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _mins(seconds: float | None) -> str:
    return "—" if seconds is None else offset_text_plain(seconds)


def offset_text_plain(seconds: float) -> str:
    from datetime import timedelta

    return offset_text(timedelta(seconds=int(seconds))).lstrip("+")


def _within(target: str, figure: float | None, limit: int, what: str) -> Row:
    if figure is None:
        return Row(target, "—", False, f"no {what} happened")
    ok = figure <= limit
    verb = "within" if ok else "over"
    return Row(target, _mins(figure), ok, f"{_mins(figure)} is {verb} the target of {_mins(limit)}")


def score(figures: dict[str, Any], targets: dict[str, Any]) -> list[Row]:
    """One row per target (see the module's docstring)."""
    rows: list[Row] = []
    first = figures.get("first_word") or {}
    if targets.get("declare_s") is not None:
        rows.append(_within("declared after detection", first.get("detection_to_declared_s"), targets["declare_s"],
                            "declaration"))
    if targets.get("first_update_s") is not None:
        by_audience = first.get("by_audience") or {}
        if not by_audience:
            rows.append(Row("first update after detection", "—", False, "no update was published"))
        for audience, fig in sorted(by_audience.items()):
            rows.append(_within(f"first update to {audience}", (fig or {}).get("from_detection_s"),
                                targets["first_update_s"], f"update to {audience}"))
    cadence = figures.get("cadence") or {}
    allowed = int(targets.get("max_overdue", 0) or 0)
    for audience, fig in sorted(cadence.items()):
        fig = fig or {}
        overdue = int(fig.get("overdue_count") or 0)
        late = [g for g in fig.get("gaps") or [] if (g.get("overdue_s") or 0) > 0]
        worst = max((g["overdue_s"] for g in late), default=0)
        why = (f"every update to {audience} came within the policy's cadence" if not overdue else
               f"{overdue} update{'s' if overdue != 1 else ''} to {audience} came late (the worst "
               f"{_mins(worst)} past the cadence); {allowed} allowed")
        rows.append(Row(f"cadence kept for {audience}", f"{overdue} late", overdue <= allowed, why))
        if targets.get("longest_silence_s") is not None:
            rows.append(_within(f"longest silence to {audience}", fig.get("longest_silence_s"),
                                targets["longest_silence_s"], f"update to {audience}"))
    by_role = (figures.get("reviews") or {}).get("by_role") or {}
    for role, limit in sorted((targets.get("review_s") or {}).items()):
        fig = by_role.get(role)
        if (not fig or not fig.get("count")) and targets.get("review_from_policy"):
            continue            # the policy's window for a role this exercise never asked: nothing to score
        if not fig or not fig.get("count"):
            rows.append(Row(f"{role.replace('_', ' ')} within its window", "—", False,
                            f"no {role.replace('_', ' ')} review was given"))
            continue
        row = _within(f"{role.replace('_', ' ')} within its window", fig.get("max_s"), limit, "review")
        rows.append(Row(row.target, f"{row.figure} (longest of {fig['count']})", row.passed,
                        f"the slowest {row.why}"))
    words = figures.get("words") or {}
    blocking = int(words.get("lint_blocking") or 0)
    limit = int(targets.get("lint_blocking", 0) or 0)
    rows.append(Row("blocking lint findings", str(blocking), blocking <= limit,
                    "no published word was blocked by the linter" if not blocking else
                    f"{blocking} blocking finding{'s' if blocking != 1 else ''} in the words; {limit} allowed"))
    if targets.get("lint_warnings") is not None:
        warnings = int(words.get("lint_warnings") or 0)
        rows.append(Row("lint warnings", str(warnings), warnings <= targets["lint_warnings"],
                        f"{warnings} warning{'s' if warnings != 1 else ''}; {targets['lint_warnings']} allowed"))
    return rows


def text(rows: list[Row]) -> str:
    """The score card as plain text, one line per target."""
    width = max((len(r.target) for r in rows), default=10)
    lines = [f"{'PASS' if r.passed else 'MISS'}  {r.target:<{width}}  {r.figure:<20}  {r.why}" for r in rows]
    passed = sum(r.passed for r in rows)
    return "\n".join(lines + [f"{passed} of {len(rows)} targets met."])


def section(rows: list[Row]):
    """The score card as the first section of the retrospective's HTML or PDF report."""
    from warroom.retro.summary import Section, Table

    passed = sum(r.passed for r in rows)
    table = Table(("target", "figure", "result", "why"),
                  tuple((r.target, r.figure, "pass" if r.passed else "MISS", r.why) for r in rows), ())
    return Section("Score card", ("Each target of the scenario against the figure the journal gives.",),
                   (table,) if rows else (), (("targets met", f"{passed} of {len(rows)}"),))


def card_of(store: Store, incident: str | uuid.UUID, *, viewer: str,
            retro: Retrospective | None = None) -> list[Row] | None:
    """The score card of an exercise incident as ``viewer`` may read it: its
    retrospective's figures against the targets its scenario set at the start. So far,
    while the exercise runs; None for an incident that is not an exercise on its own
    clock. ``retro``: the incident's retrospective when already computed."""
    from warroom.errors import NotFound
    from warroom.exercise import run

    if retro is not None and not retro.figures["incident"]["exercise"]:
        return None
    try:
        view = run.get(store, incident, viewer=viewer)
    except NotFound:            # a real incident, or one only flagged as an exercise (no clock, no targets)
        return None
    if retro is None:
        from warroom import retro as retrospective

        retro = retrospective.compute(store, view.incident_id, viewer=viewer)
    return score(retro.to_json(), view.targets)


def write_report(store: Store, retro: Retrospective, path: str | Path, *, incident: str | uuid.UUID,
                 viewer: str, card: list[Row] | None = None) -> Path:
    """Write ``retro`` as HTML or PDF (by the file's suffix), led by the score card when
    the incident is an exercise; ``card``: its rows when already worked out. Returns the
    file written."""
    from warroom.retro import files

    if card is None:
        card = card_of(store, incident, viewer=viewer, retro=retro)
    return files.write(retro, path, (section(card),) if card is not None else ())

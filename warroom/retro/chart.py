"""The retrospective's chart as plain shapes, for every renderer to draw alike (the
HTML's SVG, the PDF, the window's QPainter).

One lane per audience: the updates published (dots), when each next one was due
(ticks), the silences that ran past due (red). Below, one lane per review asked
for: a bar from the request to the decision (grey while it waits), with a mark
where it was handed over. Time runs left to right, in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warroom.retro.figures import Retrospective

#: Colours by what a shape means (one palette for SVG, PDF and the window).
COLOURS = {
    "update": "#1f5f9e",
    "due": "#6b7280",
    "overdue": "#c0392b",
    "silence": "#dbe6f2",
    "approved": "#5b8c5a",
    "changes_requested": "#d08c2b",
    "rejected": "#a33b3b",
    "pending": "#b8bcc4",
    "overridden": "#8b5cf6",
    "handover": "#e67e22",
    "grid": "#e5e7eb",
    "text": "#1f2937",
    "muted": "#6b7280",
}

#: The most review bars a chart shows (the longest waits are kept; the report says how many more).
MAX_REVIEW_LANES = 12

ROLE_SHORT = {"technical_reviewer": "technical", "comms_reviewer": "comms", "legal_reviewer": "legal"}


@dataclass(frozen=True, slots=True)
class Mark:
    lane: int
    #: "silence" | "overdue" | "update" | "due" | "review" | "handover"
    kind: str
    start: datetime
    end: datetime | None
    colour: str
    tip: str


@dataclass(frozen=True, slots=True)
class Lane:
    label: str
    group: str        # "audience" | "review"


@dataclass(frozen=True)
class Chart:
    lanes: tuple[Lane, ...]
    marks: tuple[Mark, ...]
    start: datetime
    end: datetime
    ticks: tuple[tuple[datetime, str], ...]
    #: review requests left out of the chart (the shortest waits)
    reviews_left_out: int = 0

    def x(self, when: datetime, left: float, width: float) -> float:
        """Where ``when`` falls on an axis from ``left``, ``width`` long."""
        span = (self.end - self.start).total_seconds() or 1.0
        return left + width * max(0.0, min(1.0, (when - self.start).total_seconds() / span))

    def group_lanes(self, group: str) -> list[int]:
        return [i for i, lane in enumerate(self.lanes) if lane.group == group]


_STEPS = [timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)]


def _ticks(start: datetime, end: datetime, most: int = 8) -> tuple[tuple[datetime, str], ...]:
    span = end - start
    step = next((s for s in _STEPS if span / s <= most), _STEPS[-1])
    epoch = datetime(2000, 1, 1, tzinfo=start.tzinfo)
    first = epoch + step * -(-(start - epoch) // step)      # the first round time at or after the start
    days = span >= timedelta(days=1)
    out = []
    t = first
    while t <= end:
        out.append((t, t.strftime("%d %b %H:%M" if days else "%H:%M")))
        t += step
    return tuple(out)


def _minutes(seconds_: float) -> str:
    minutes = round(seconds_ / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d} min"


def chart_of(retro: Retrospective) -> Chart:
    end = retro.end
    start = retro.start
    if end <= start:
        end = start + timedelta(minutes=1)
    lanes: list[Lane] = []
    marks: list[Mark] = []
    for aud in retro.audiences:
        lane = len(lanes)
        lanes.append(Lane(aud, "audience"))
        for g in (g for g in retro.gaps if g.audience == aud):
            marks.append(Mark(lane, "silence", g.start, g.end, COLOURS["silence"],
                              f"{aud}: {_minutes((g.end - g.start).total_seconds())} without an update"))
            if g.overdue_s and g.overdue_s > 0:
                marks.append(Mark(lane, "overdue", g.end - timedelta(seconds=g.overdue_s), g.end, COLOURS["overdue"],
                                  f"{aud}: overdue by {_minutes(g.overdue_s)}"))
            if g.due is not None and g.due <= g.end:      # only a due time the silence reached
                marks.append(Mark(lane, "due", g.due, None, COLOURS["due"],
                                  f"{aud}: next update due {g.due:%H:%M} UTC"))
        for t in retro.published.get(aud, ()):
            marks.append(Mark(lane, "update", t, None, COLOURS["update"], f"{aud}: update published {t:%H:%M} UTC"))
    waits = list(retro.reviews)
    left_out = 0
    if len(waits) > MAX_REVIEW_LANES:
        keep = sorted(waits, key=lambda w: ((w.decided_at or end) - w.requested_at), reverse=True)[:MAX_REVIEW_LANES]
        left_out = len(waits) - len(keep)
        waits = sorted(keep, key=lambda w: w.requested_at)
    for w in waits:
        lane = len(lanes)
        role = ROLE_SHORT.get(w.role, w.role)
        lanes.append(Lane(f"{role} · {w.audience}" if w.audience else role, "review"))
        done = w.decided_at or end
        colour = COLOURS.get(w.decision or "pending", COLOURS["pending"])
        state = (w.decision or "waiting").replace("_", " ")
        marks.append(Mark(lane, "review", w.requested_at, done, colour,
                          f"{role} review for {w.audience}: {state} after {_minutes((done - w.requested_at).total_seconds())}"))
        for h in w.handovers:
            marks.append(Mark(lane, "handover", h, None, COLOURS["handover"], f"handed over at {h:%H:%M} UTC"))
    return Chart(tuple(lanes), tuple(marks), start, end, _ticks(start, end), left_out)

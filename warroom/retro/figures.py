"""The communication retrospective of one incident, computed from its journal.

Every figure is read from journal events and their times (``at``): time to the
first word, the cadence kept against the policy then in force, review latency,
hand-overs, disputes and overrides, the linter's findings at submit, revisions,
retractions, and how deliveries went; and the follow-up actions the team
committed to (owner, due date, done or not: the follow-ups as they stand).
Nothing is typed in and nothing reads the wall clock, so an exercise (whose
events carry its simulated time) is measured the same way, and the same journal
always gives the same figures.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.clock import isoformat
from warroom.delivery import records
from warroom.errors import NotFound
from warroom.retro.journal_replay import (
    Event, PolicyTimeline, incident_events, last_event_at, parse_time, policy_events, seconds,
)
from warroom.retro import clocks as retro_clocks
from warroom.retro.inquiries import figures as inquiry_figures
from warroom.services import followups as followup_actions, incidents
from warroom.store import Store

#: The review roles in the order a report lists them.
ROLE_ORDER = ("technical_reviewer", "comms_reviewer", "legal_reviewer")


@dataclass(frozen=True, slots=True)
class Gap:
    audience: str
    start: datetime
    end: datetime
    #: what ended it: "update", "resolved", "ended" (an exercise's end) or "last_event" (the record so far)
    ends: str
    allowed_s: int | None
    overdue_s: int | float

    @property
    def due(self) -> datetime | None:
        return self.start + timedelta(seconds=self.allowed_s) if self.allowed_s is not None else None


@dataclass(frozen=True, slots=True)
class ReviewWait:
    """One review asked for, from the request to its decision (or the end of the record)."""

    role: str
    audience: str
    requested_at: datetime
    decided_at: datetime | None
    decision: str | None
    handovers: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Retrospective:
    """The figures (:meth:`to_json`) and what the chart draws."""

    figures: dict[str, Any]
    #: audience -> publish times (updates and corrections), for the chart
    published: dict[str, tuple[datetime, ...]]
    gaps: tuple[Gap, ...]
    reviews: tuple[ReviewWait, ...]
    start: datetime
    end: datetime
    audiences: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return _jsonable(self.figures)

    @property
    def ref(self) -> str:
        return self.figures["incident"]["ref"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def compute(source, incident: str | uuid.UUID, *, viewer: str) -> Retrospective:
    """The retrospective of ``incident`` as ``viewer`` may read it (a confidential
    incident is not found for anyone but its commander and members). ``source`` is
    an open :class:`~warroom.store.Store` or a session inside one."""
    if isinstance(source, Store):
        with source.read() as session:
            return _compute(session, incident, viewer)
    return _compute(source, incident, viewer)


def _compute(session, key, viewer: str) -> Retrospective:
    row = incidents.find(session, key, viewer)      # checks the viewer may read it
    events = incident_events(session, row.id)
    opened = next((e for e in events if e.kind == "incident.opened"), None)
    if opened is None:
        raise NotFound(f"{row.ref} has no journal of its opening here (its events are on another device).",
                       field="incident")
    end = max(last_event_at(session, row.id) or events[-1].at, events[-1].at)
    policy = PolicyTimeline(opened, events, policy_events(session, end))
    facts = _incident(row, opened, events)
    first_word, published = _first_word(opened, events)
    gaps, cadence, audiences = _cadence(opened, events, policy, published, end)
    reviews_fig, waits = _reviews(events, end)
    figures = {
        "incident": facts,
        "first_word": first_word,
        "cadence": cadence,
        "reviews": reviews_fig,
        "words": _words(session, row, events),
        "delivery": _delivery(events, end),
        "clocks": retro_clocks.figures(events, published, end),
        "inquiries": inquiry_figures(events, end),
        "followups": _followups(session, row, viewer),
        "span": {"from": opened.at, "to": end},
    }
    return Retrospective(figures, published, tuple(gaps), tuple(waits), min(opened.at, first_word["detected_at"]),
                         end, tuple(audiences))


# -- the incident --------------------------------------------------------------------


def _incident(row, opened: Event, events: list[Event]) -> dict[str, Any]:
    p = opened.payload
    title, severity, exercise, ref = p.get("title") or row.title, p.get("severity"), bool(p.get("exercise")), \
        p.get("ref") or row.ref
    resolved_at = None
    for e in events:
        if e.kind == "incident.updated":
            changes = e.payload.get("changes") or {}
            title = _new(changes, "title", title)
            exercise = bool(_new(changes, "exercise", exercise))
        elif e.kind == "incident.severity_changed":
            severity = e.payload.get("to") or severity
        elif e.kind == "incident.renumbered":
            ref = e.payload.get("to") or ref
        elif e.kind == "incident.status_changed":
            resolved_at = e.at if e.payload.get("to") == "resolved" else None
        elif e.kind == "incident.reopened":
            resolved_at = None
    return {"ref": ref, "title": title, "severity": severity, "exercise": exercise,
            "category": p.get("category"), "commander": p.get("commander"), "resolved_at": resolved_at,
            "confidential": bool(p.get("confidential"))}


def _followups(session, row, viewer: str) -> list[dict[str, Any]]:
    """The incident's follow-up actions in the order they were added: who owns each,
    by when, and whether (and when) it was done."""
    return [{"ref": f.ref, "text": f.text, "owner": f.owner, "due": f.due.isoformat(), "done": f.done,
             "done_at": f.done_at, "done_by": f.done_by}
            for f in followup_actions.list_followups(session, row.id, viewer=viewer)]


def _new(changes: dict, name: str, default: Any) -> Any:
    value = changes.get(name)
    return value[1] if isinstance(value, list) and len(value) == 2 else default


def _detected(opened: Event, events: list[Event]) -> datetime:
    detected = parse_time(opened.payload.get("detected_at")) or opened.at
    for e in events:
        if e.kind == "incident.updated":
            value = _new(e.payload.get("changes") or {}, "detected_at", None)
            detected = parse_time(value) or detected
    return detected


def _publishes(events: list[Event]) -> list[Event]:
    """Updates and corrections that went out (a retraction's notice is not a word of news)."""
    return [e for e in events if e.kind == "update.published" and e.payload.get("audience")]


# -- time to first word ----------------------------------------------------------------


def _first_word(opened: Event, events: list[Event]) -> tuple[dict[str, Any], dict[str, tuple[datetime, ...]]]:
    detected = _detected(opened, events)
    published: dict[str, list[datetime]] = defaultdict(list)
    for e in _publishes(events):
        published[e.payload["audience"]].append(e.at)
    by_audience = {aud: {"published_at": times[0], "from_detection_s": seconds(times[0] - detected),
                         "from_declared_s": seconds(times[0] - opened.at)}
                   for aud, times in sorted(published.items(), key=lambda kv: kv[1][0])}
    first = min((t[0] for t in published.values()), default=None)
    return ({"detected_at": detected, "declared_at": opened.at,
             "detection_to_declared_s": seconds(opened.at - detected),
             "first_update_at": first, "detection_to_first_update_s": seconds(first - detected) if first else None,
             "by_audience": by_audience},
            {aud: tuple(times) for aud, times in published.items()})


# -- cadence ---------------------------------------------------------------------------


def _cadence(opened: Event, events: list[Event], policy: PolicyTimeline, published: dict[str, tuple[datetime, ...]],
             end: datetime) -> tuple[list[Gap], dict[str, Any], list[str]]:
    """Every gap between updates to an audience (from the declaration on), against the
    cadence in force over it: overdue when, at any moment of the gap, the silence was
    longer than the cadence in force at that moment (a severity raised mid-gap counts)."""
    resolved_at = ended_at = None
    for e in events:
        if e.kind == "incident.status_changed" and e.payload.get("to") == "resolved":
            resolved_at = e.at
        elif e.kind == "incident.reopened":
            resolved_at = None
        elif e.kind == "exercise.ended":
            ended_at = e.at      # on the exercise's clock, which stands still from then on
    # What closes the last silence: the resolution, else an exercise's end, else the record so far.
    stops = [(at, why) for at, why in ((resolved_at, "resolved"), (ended_at, "ended")) if at is not None]
    stop = min(stops) if stops else None
    audiences = sorted(set(published) | {a for a in policy.audiences_routed() if policy.ever_owed(a)},
                       key=lambda a: (published[a][0] if a in published else end, a))
    gaps: list[Gap] = []
    out: dict[str, Any] = {}
    for aud in audiences:
        points = [opened.at] + sorted(published.get(aud, ()))
        spans = [(a, b, "update") for a, b in zip(points, points[1:])]
        last = points[-1]
        if stop is not None:
            if stop[0] > last:
                spans.append((last, stop[0], stop[1]))
        elif end > last:
            spans.append((last, end, "last_event"))
        mine = [_gap(aud, a, b, ends, policy) for a, b, ends in spans]
        gaps += mine
        out[aud] = {
            "gaps": [{"from": g.start, "to": g.end, "seconds": seconds(g.end - g.start), "allowed_s": g.allowed_s,
                      "overdue_s": g.overdue_s, "ends": g.ends, "due_at": g.due} for g in mine],
            "overdue_count": sum(1 for g in mine if g.overdue_s > 0),
            "longest_silence_s": max((seconds(g.end - g.start) for g in mine), default=0),
            "updates": len(published.get(aud, ())),
        }
    return gaps, out, audiences


def _gap(aud: str, start: datetime, end: datetime, ends: str, policy: PolicyTimeline) -> Gap:
    worst, worst_allowed, last_allowed = 0.0, None, None
    for _a, b, state in policy.pieces(start, end):
        allowed = state.cadence_s(aud)
        if allowed is None:
            continue
        last_allowed = allowed
        over = (b - start).total_seconds() - allowed
        if over > worst:
            worst, worst_allowed = over, allowed
    allowed_s = worst_allowed if worst_allowed is not None else last_allowed
    overdue = int(worst) if worst == int(worst) else round(worst, 3)
    return Gap(aud, start, end, ends, allowed_s, overdue)


# -- reviews ---------------------------------------------------------------------------


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median_s": None, "max_s": None}
    med = statistics.median(values)
    return {"count": len(values), "median_s": int(med) if med == int(med) else round(med, 3),
            "max_s": max(values)}


def _reviews(events: list[Event], end: datetime) -> tuple[dict[str, Any], list[ReviewWait]]:
    audience_of: dict[str, str] = {}
    asked: dict[str, tuple[datetime, str, str]] = {}     # request id -> (when, role, draft)
    handed: dict[str, list[datetime]] = defaultdict(list)
    decided: dict[str, tuple[datetime, str]] = {}
    voided: dict[str, datetime] = {}
    handovers, disputes, overrides = [], [], []
    disputed_at: dict[str, datetime] = {}
    overridden: dict[str, datetime] = {}
    for e in events:
        p = e.payload
        draft = str(p.get("draft_id") or "")
        if e.kind == "draft.composed":
            audience_of[draft] = p.get("audience") or ""
        elif e.kind == "review.requested":
            for r in p.get("requests") or ():
                asked[str(r.get("id"))] = (e.at, str(r.get("role")), draft)
            for old in p.get("voided") or ():
                voided.setdefault(str(old), e.at)
        elif e.kind == "update.retracted":      # the notice is reviewed after it went out
            notice = str(p.get("notice_id") or "")
            audience_of[notice] = audience_of.get(draft, "")
            for r in p.get("notice_requests") or ():
                asked[str(r.get("id"))] = (e.at, str(r.get("role")), notice)
        elif e.kind == "review.handed_over":
            rid = str(p.get("request_id"))
            handed[rid].append(e.at)
            since = asked.get(rid, (e.at,))[0]
            level = p.get("level")
            handovers.append({"request": rid, "at": e.at, "role": p.get("role"), "from": p.get("from"), "to": p.get("to"),
                              "to_whom": {1: "backup", 2: "commander" if p.get("to") else "anyone"}.get(level, "?"),
                              "audience": audience_of.get(draft, ""), "waited_s": seconds(e.at - since)})
        elif e.kind == "review.decided":
            rid = str(p.get("request_id"))
            decided[rid] = (e.at, str(p.get("decision")))
            if p.get("draft_state") == "disputed":
                disputed_at.setdefault(draft, e.at)
        elif e.kind == "review.dispute_decided":
            raised = disputed_at.pop(draft, None)
            disputes.append({"at": e.at, "raised_at": raised, "actor": e.actor, "outcome": p.get("outcome"),
                             "reason": p.get("reason"), "audience": audience_of.get(draft, ""),
                             "waited_s": seconds(e.at - raised) if raised else None})
        elif e.kind == "update.withdrawn":
            for old in p.get("voided") or ():
                voided.setdefault(str(old), e.at)
        elif e.kind == "review.overridden":
            for rid, (_at, _role, of) in asked.items():     # what it went without stops waiting
                if of == draft and rid not in decided and rid not in voided:
                    overridden[rid] = e.at
            overrides.append({"at": e.at, "actor": e.actor, "reason": p.get("reason"),
                              "missing": list(p.get("missing") or ()), "audience": audience_of.get(draft, "")})
    for draft, raised in disputed_at.items():   # still waiting for the arbiter
        disputes.append({"at": None, "raised_at": raised, "actor": None, "outcome": None, "reason": None,
                         "audience": audience_of.get(draft, ""), "waited_s": None})
    # A request the update went without (overridden) or that new words voided is over:
    # handing it on afterwards changes nothing anyone waited for.
    def live(rid: str, when: datetime) -> bool:
        ended = overridden.get(rid) or voided.get(rid)
        return ended is None or when < ended

    handovers = [{k: v for k, v in h.items() if k != "request"} for h in handovers if live(h["request"], h["at"])]
    by_role: dict[str, list[float]] = defaultdict(list)
    waits: list[ReviewWait] = []
    for rid, (at, role, draft) in asked.items():
        done = decided.get(rid)
        if done is not None:
            by_role[role].append(seconds(done[0] - at))
        elif rid in voided:
            continue     # new words were asked about instead
        elif rid in overridden:
            done = (overridden[rid], "overridden")
        waits.append(ReviewWait(role, audience_of.get(draft, ""), at, done[0] if done else None,
                                done[1] if done else None, tuple(t for t in handed.get(rid, ()) if live(rid, t))))
    roles = [r for r in ROLE_ORDER if r in by_role] + sorted(set(by_role) - set(ROLE_ORDER))
    pending = sum(1 for w in waits if w.decided_at is None)
    return ({"by_role": {r: _stats(by_role[r]) for r in roles}, "handovers": handovers, "disputes": disputes,
             "overrides": overrides, "pending": pending,
             "handovers_to_backup": sum(1 for h in handovers if h["to_whom"] == "backup"),
             "handovers_to_commander": sum(1 for h in handovers if h["to_whom"] != "backup")},
            sorted(waits, key=lambda w: w.requested_at))


# -- words -----------------------------------------------------------------------------


def _words(session, row, events: list[Event]) -> dict[str, Any]:
    """The linter's findings on each revision asked to be reviewed (judged again from
    the revision's words in the journal, for its audience and the status at that time),
    revisions per update published, retractions and corrections."""
    from warroom.retro.lintback import findings_at_submit

    blocking, warnings, acknowledged = findings_at_submit(session, events)
    revs = [int(e.payload.get("revision") or 1) for e in _publishes(events)]
    retractions = [{"at": e.at, "actor": e.actor, "reason": e.payload.get("reason")}
                   for e in events if e.kind == "update.retracted"]
    corrections = sum(1 for e in _publishes(events) if e.payload.get("kind") == "correction")
    med = statistics.median(revs) if revs else None
    return {"lint_blocking": blocking, "lint_warnings": warnings, "lint_acknowledged": acknowledged,
            "revisions_per_update": {"median": (int(med) if med is not None and med == int(med) else med),
                                     "max": max(revs) if revs else None, "updates": len(revs)},
            "retractions": len(retractions), "retraction_list": retractions, "corrections": corrections,
            "withdrawn": sum(1 for e in events if e.kind == "update.withdrawn")}


# -- delivery --------------------------------------------------------------------------


def _channel(name: Any) -> str:
    return str(name or "?").split("~")[0]


def _delivery(events: list[Event], end: datetime) -> dict[str, Any]:
    published_at: dict[str, datetime] = {}      # draft id -> when it went out
    draft_of: dict[str, str] = {}               # delivery id -> draft id
    times: dict[str, list[float]] = defaultdict(list)
    failing: dict[str, datetime] = {}           # channel -> first failure not yet over
    offline: dict[str, float] = defaultdict(float)
    failovers, dead = [], []
    dead_count = 0
    simulated = 0

    def rows(items) -> None:
        for r in items or ():
            if isinstance(r, dict) and r.get("id") and r.get("draft_id"):
                draft_of[str(r["id"])] = str(r["draft_id"])

    def recover(channel: str, at: datetime) -> None:
        since = failing.pop(channel, None)
        if since is not None:
            offline[channel] += (at - since).total_seconds()

    for e in events:
        p = e.payload
        if e.kind == "update.published":
            published_at[str(p.get("draft_id"))] = e.at
            rows(records.published(p))
        elif e.kind == "update.retracted":
            published_at[str(p.get("notice_id"))] = e.at
            rows(p.get("retraction_rows"))
        elif e.kind == "delivery.failed_over":
            rows(p.get("new_rows"))
            channel = _channel(p.get("channel"))
            recover(channel, e.at)
            failovers.append({"at": e.at, "from": channel, "to": _channel(p.get("to")),
                              "deliveries": len(p.get("deliveries") or ()), "text": p.get("text")})
        elif e.kind == "delivery.dead":
            channel = _channel(p.get("channel"))
            recover(channel, e.at)
            dead_count += len(p.get("deliveries") or ()) or 1
            dead.append({"at": e.at, "channel": channel, "deliveries": len(p.get("deliveries") or ()),
                         "text": p.get("text")})
        elif e.kind == "delivery.attempt_failed":
            failing.setdefault(_channel(p.get("channel")), e.at)
        elif e.kind in ("delivery.delivered", "delivery.simulated"):
            channel = _channel(p.get("channel"))
            recover(channel, e.at)
            simulated += e.kind == "delivery.simulated"
            sent = published_at.get(draft_of.get(str(p.get("delivery_id")), ""))
            if sent is not None:
                times[channel].append(seconds(e.at - sent))
    for channel, since in list(failing.items()):     # still failing at the end of the record
        offline[channel] += (end - since).total_seconds()
    return {"by_channel": {ch: _stats(times[ch]) for ch in sorted(times)},
            "failovers": len(failovers), "failover_list": failovers,
            "dead_letters": dead_count, "dead_letter_list": dead,
            "offline_s": seconds_sum(offline.values()),
            "offline_by_channel": {ch: seconds_sum([s]) for ch, s in sorted(offline.items())},
            "simulated": simulated}


def seconds_sum(values) -> int | float:
    total = sum(values)
    return int(total) if total == int(total) else round(total, 3)

"""Playing a scenario to its end with its scripted players (``[[script]]``).

The clock stands paused and jumps from one offset to the next, so every action
is stamped at exactly its offset: playing the same file twice gives the same
journal, offset for offset, and the same retrospective figures (the replay test).
Each scripted action is an ordinary service call as the named player, so the same
rules hold as for people at the keyboard: a script that skips a review fails to
publish, and says so.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from warroom.errors import InputError, WarroomError
from warroom.exercise import run
from warroom.exercise.scenario import Scenario
from warroom.services import drafts, incidents, publishing, review, timeline
from warroom.services.access import SYSTEM
from warroom.store import Store


@dataclass
class Played:
    """What a play did: the exercise, and each scripted action's outcome."""

    ref: str
    incident_id: uuid.UUID
    #: (offset in seconds, who, what, outcome text, ok)
    steps: list[tuple[int, str, str, str, bool]] = field(default_factory=list)

    @property
    def failures(self) -> list[tuple[int, str, str, str, bool]]:
        return [s for s in self.steps if not s[4]]


def play(store: Store, facilitator: str, scenario: Scenario, *, strict: bool = True,
         progress: Callable[[tuple[int, str, str, str, bool]], None] | None = None) -> Played:
    """Start ``scenario``, run its script and injects to the end on a paused clock,
    deliver into the sink, and end it. ``strict``: stop at the first action the
    services refuse (raising their error, naming the step); otherwise note it and go on."""
    view = run.start(store, facilitator, scenario, paused=True)
    played = Played(view.ref, view.incident_id)
    for step in scenario.script:
        _move_to(store, facilitator, view.incident_id, step["offset_s"])
        try:
            outcome = _act(store, view.incident_id, step)
            ok = True
        except WarroomError as exc:
            if strict:
                raise InputError(f"{scenario.source}: the scripted action at {step['offset_s'] // 60} min "
                                 f"({step['as']}: {step['do']}) was refused: {exc}", field="script") from None
            outcome, ok = str(exc), False
        entry = (step["offset_s"], step["as"], step["do"], outcome, ok)
        played.steps.append(entry)
        if progress is not None:
            progress(entry)
    _move_to(store, facilitator, view.incident_id, scenario.length_s)
    _dispatch(store)
    run.end(store, facilitator, view.incident_id)
    return played


def _move_to(store: Store, facilitator: str, incident_id: uuid.UUID, offset_s: int) -> None:
    """Advance the paused clock to ``offset_s`` (never back), firing the injects on the way."""
    now = run.get(store, incident_id, viewer=SYSTEM)
    ahead = timedelta(seconds=offset_s) - (now.sim_now - now.sim_start)
    if ahead > timedelta(0):
        run.control(store, facilitator, incident_id, advance=ahead)
    else:
        run.fire_due(store, incident_id)


def _latest(store: Store, incident_id: uuid.UUID, audience: str, viewer: str) -> uuid.UUID:
    mine = [d for d in drafts.list_drafts(store, incident_id, viewer=viewer) if d.audience == audience]
    if not mine:
        raise InputError(f"there is no update for {audience} to act on yet (compose one first)")
    return max(mine, key=lambda d: d.id.bytes).id          # UUIDv7: the newest has the greatest id


def _act(store: Store, incident_id: uuid.UUID, step: dict[str, Any]) -> str:
    who, do = step["as"], step["do"]
    if do == "log":
        timeline.log(store, who, incident_id, step["text"])
        return "logged"
    if do == "compose":
        made = drafts.compose_drafts(store, who, incident_id, [step["audience"]])
        return f"composed {made[0].audience}"
    if do == "status":
        incidents.set_status(store, who, incident_id, step["to"])
        return f"status {step['to']}"
    if do == "severity":
        incidents.set_severity(store, who, incident_id, step["to"])
        return f"severity {step['to']}"
    if do == "dispatch":
        return f"{_dispatch(store)} delivered into the sink"
    draft_id = _latest(store, incident_id, step["audience"], who)
    if do == "edit":
        drafts.save_revision(store, who, draft_id, subject=step["subject"], long=step["long"])
        return "edited"
    if do == "submit":
        review.submit(store, who, draft_id, acknowledge=True)
        return "submitted"
    if do == "review":
        return review.decide(store, who, draft_id, step["decision"], role=step["role"], acknowledge=True)
    if do == "publish":
        planned = publishing.publish(store, who, draft_id, acknowledge=True)
        return f"published: {planned.deliveries} deliveries"
    raise InputError(f"unknown scripted action {do!r}")


def _dispatch(store: Store) -> int:
    """Deliver what is queued, once (an exercise's deliveries go into the sink)."""
    from warroom.delivery.dispatcher import Dispatcher

    summary = Dispatcher(store, parallel=False, rng=random.Random(0), sleep=lambda _s: None).run_once()
    return summary.simulated

"""The figures of the retrospective's Inquiries section: how many questions
stakeholders asked, by category, how long they waited for an answer, and how many
are still open; read from the journal like every other figure (the section's words
are :func:`warroom.retro.summary.sections`').

A question is answered when it is linked to an update and that update went out:
the time to answer runs from when it was asked to the later of the link and the
update's publish. A question linked to an update never published counts apart
(``linked_unpublished``): its askers have not heard the answer yet. Taking the
answer off (``inquiry.reopened``) opens it again.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from warroom.retro.journal_replay import Event, parse_time, seconds


def figures(events: list[Event], end: datetime) -> dict[str, Any]:
    """The section's figures from the incident's events (in journal order)."""
    asked: dict[str, tuple[datetime, str]] = {}
    linked: dict[str, tuple[str, datetime]] = {}
    published: dict[str, datetime] = {}
    for e in events:
        if e.kind == "inquiry.added":
            when = parse_time(e.payload.get("asked_at")) or e.at
            asked[str(e.payload.get("inquiry_id"))] = (when, str(e.payload.get("category") or "other"))
        elif e.kind == "inquiry.answered":
            linked[str(e.payload.get("inquiry_id"))] = (str(e.payload.get("draft_id")), e.at)
        elif e.kind == "inquiry.reopened":
            linked.pop(str(e.payload.get("inquiry_id")), None)
        elif e.kind == "update.published":
            published.setdefault(str(e.payload.get("draft_id")), e.at)
    waits: list[float] = []
    by_category: dict[str, dict[str, Any]] = {}
    unanswered = unpublished = 0
    oldest_open: float | None = None
    for qid, (when, category) in sorted(asked.items(), key=lambda kv: kv[1][0]):
        c = by_category.setdefault(category, {"asked": 0, "answered": 0, "open": 0, "waits": []})
        c["asked"] += 1
        link = linked.get(qid)
        out = published.get(link[0]) if link else None
        if link is not None and out is not None:
            wait = max(seconds(max(link[1], out) - when), 0)
            waits.append(wait)
            c["waits"].append(wait)
            c["answered"] += 1
            continue
        c["open"] += 1
        unanswered += 1
        if link is not None:
            unpublished += 1
        waited = max(seconds(end - when), 0)
        oldest_open = waited if oldest_open is None else max(oldest_open, waited)
    return {
        "count": len(asked), "answered": len(waits), "unanswered": unanswered, "linked_unpublished": unpublished,
        "time_to_answer": _stats(waits), "oldest_open_s": oldest_open,
        "by_category": {k: {"asked": v["asked"], "answered": v["answered"], "open": v["open"],
                            "median_s": _stats(v["waits"])["median_s"], "max_s": _stats(v["waits"])["max_s"]}
                        for k, v in sorted(by_category.items(), key=lambda kv: (-kv[1]["asked"], kv[0]))},
    }


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"median_s": None, "max_s": None}
    med = statistics.median(values)
    return {"median_s": int(med) if med == int(med) else round(med, 3), "max_s": max(values)}

"""The linter's findings at each submit, judged again from the journal: the words of
the revision asked to be reviewed (each revision's text is in its ``draft.revised``
event), for its audience and the incident's status at that moment.

A submit that the linter refused wrote nothing, so the journal holds only what got
through; a revision that new words put back into review (no submit of its own) is
judged too, and there blocking findings can show. The judgement is today's linter
and organisation settings over the words then written.
"""

from __future__ import annotations

from sqlalchemy import select

from warroom.services import wording
from warroom.services.settings import lint_config_in
from warroom.store.models import Audience


def findings_at_submit(session, events) -> tuple[int, int, int]:
    """(blocking, warnings, warnings acknowledged at submit) over every review request round."""
    external = {name: bool(ext) for name, ext in session.execute(select(Audience.name, Audience.external))}
    config = None
    words: dict[tuple[str, int], dict[str, str]] = {}
    audience: dict[str, str] = {}
    status = "investigating"
    blocking = warnings = acknowledged = 0
    for e in events:
        p = e.payload
        draft = str(p.get("draft_id") or "")
        if e.kind == "incident.opened":
            status = str(p.get("status") or status)
        elif e.kind in ("incident.status_changed", "incident.reopened"):
            status = str(p.get("to") or status)
        elif e.kind == "draft.composed":
            audience[draft] = str(p.get("audience") or "")
        elif e.kind == "draft.revised":
            words[(draft, int(p.get("revision") or 0))] = {k: str(p.get(k) or "") for k in
                                                          ("title", "subject", "long", "short", "chat")}
        elif e.kind == "review.requested":
            texts = words.get((draft, int(p.get("revision") or 0)))
            if texts is None:
                continue
            if config is None:
                config = lint_config_in(session)
            flags = wording.judge(texts, external=external.get(audience.get(draft, ""), True), status=status,
                                  config=config)
            blocking += sum(1 for f in flags if f.blocking)
            warnings += sum(1 for f in flags if not f.blocking)
        elif e.kind == "draft.warnings_acknowledged" and p.get("step") == "submit":
            acknowledged += len(p.get("warnings") or ())
    return blocking, warnings, acknowledged

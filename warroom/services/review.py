"""Review of drafts: which reviews an update needs, submitting, deciding.

Every decision is bound to one exact revision (its content hash); a new revision
voids the decisions on the old one and asks again. Roles are checked here, not
only in the window: a viewer cannot decide, nobody decides on their own words.

Disputes go to the arbiter (the incident commander), who decides with a reason;
the commander may also override missing reviews, on the record; publishing
marks the update published, puts it on the timeline and restarts the cadence.
Not yet here: time-boxed windows and hand-over to backups.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from warroom.domain import DEFAULT_UPDATE_INTERVALS, Category, Role
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import incidents, people
from warroom.store import Store
from warroom.store.models import Draft, DraftRevision, ReviewRequest

DECISIONS = ("approve", "request_changes", "reject")
_DECIDED = {"approve": "approved", "request_changes": "changes_requested", "reject": "rejected"}

#: The default policy: reviews by audience; a security or data incident, or
#: regulators, also need legal.
DEFAULT_POLICY: dict[str, tuple[Role, ...]] = {
    "it": (Role.TECHNICAL_REVIEWER,),
    "employees": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "executives": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "customers": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "partners": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "regulators": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER, Role.LEGAL_REVIEWER),
}
_LEGAL_CATEGORIES = {Category.SECURITY, Category.DATA}


def required_roles(audience: str, incident: incidents.IncidentView) -> tuple[Role, ...]:
    roles = DEFAULT_POLICY.get(audience, (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER))
    if incident.category in _LEGAL_CATEGORIES and Role.LEGAL_REVIEWER not in roles:
        roles = roles + (Role.LEGAL_REVIEWER,)
    return roles


@dataclass(frozen=True, slots=True)
class RequestView:
    id: uuid.UUID
    draft_id: uuid.UUID
    revision: int
    role: Role
    state: str
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None


def _rview(r: ReviewRequest) -> RequestView:
    return RequestView(r.id, r.draft_id, r.revision, Role(r.role), r.state, r.decided_by, r.decided_at, r.comment)


def _current_revision(session, d: Draft) -> DraftRevision:
    return session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                       DraftRevision.number == d.current_revision)).one()


def request_reviews(tx, d: Draft) -> list[ReviewRequest]:
    """Void what was asked for older revisions and ask the required roles again."""
    session = tx.session
    for old in session.scalars(select(ReviewRequest).where(ReviewRequest.draft_id == d.id,
                                                           ReviewRequest.state != "void")):
        if old.revision != d.current_revision or old.state == "pending":
            old.state = "void"
    rev = _current_revision(session, d)
    incident = incidents._view(incidents._find(session, d.incident_id), DEFAULT_UPDATE_INTERVALS)
    made = []
    for role in required_roles(d.audience, incident):
        r = ReviewRequest(id=uuid7(), draft_id=d.id, revision=rev.number, content_hash=rev.content_hash,
                          role=role.value, state="pending", created_at=tx.now)
        session.add(r)
        made.append(r)
    d.state = "in_review"
    d.updated_at = tx.now
    tx.record("review.requested", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                   "roles": [r.role for r in made]}, incident_id=d.incident_id)
    return made


def submit(store: Store, actor: str, draft_id: uuid.UUID) -> list[RequestView]:
    with store.write(actor) as tx:
        d = tx.session.get(Draft, draft_id)
        if d is None:
            raise NotFound(f"No draft {draft_id}.")
        if d.state not in ("draft", "changes_requested"):
            raise InputError(f"This update is {d.state.replace('_', ' ')}; only a draft can be submitted.")
        made = request_reviews(tx, d)
        tx.session.flush()
        return [_rview(r) for r in made]


def requests(store: Store, draft_id: uuid.UUID, *, include_void: bool = False) -> list[RequestView]:
    with store.read() as session:
        stmt = select(ReviewRequest).where(ReviewRequest.draft_id == draft_id)
        if not include_void:
            stmt = stmt.where(ReviewRequest.state != "void")
        return [_rview(r) for r in session.scalars(stmt.order_by(ReviewRequest.created_at, ReviewRequest.role))]


def decide(store: Store, actor: str, draft_id: uuid.UUID, decision: str, *, comment: str | None = None,
           role: str | None = None) -> str:
    """Approve, request changes or reject the draft's current revision in one of the
    actor's review roles. Returns the draft's new state."""
    if decision not in DECISIONS:
        raise InputError(f"Decide one of {', '.join(DECISIONS)}.")
    comment = (comment or "").strip() or None
    if decision != "approve" and not comment:
        raise InputError("Say what must change (a comment) when you do not approve.")
    person = people.get(store, actor)
    with store.write(actor) as tx:
        d = tx.session.get(Draft, draft_id)
        if d is None:
            raise NotFound(f"No draft {draft_id}.")
        if d.state != "in_review":
            raise InputError(f"This update is {d.state.replace('_', ' ')}, not in review.")
        rev = _current_revision(tx.session, d)
        authors = set(tx.session.scalars(select(DraftRevision.author).where(DraftRevision.draft_id == d.id,
                                                                            DraftRevision.number == rev.number)))
        if actor in authors:
            raise InputError("Nobody reviews their own words: ask another reviewer.")
        pending = tx.session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.state == "pending",
            ReviewRequest.revision == rev.number)).all()
        mine = [r for r in pending if person.has(Role(r.role)) and (role is None or r.role == Role.parse(role).value)]
        if not mine:
            wanted = ", ".join(Role(r.role).label.lower() for r in pending) or "nobody"
            raise InputError(f"{actor} cannot decide here: the review waits for {wanted}, and {actor} is "
                             f"{', '.join(r.label.lower() for r in person.roles) or 'no reviewer'}.")
        request = mine[0]
        if request.content_hash != rev.content_hash:
            raise InputError("The words changed since this review was asked for; review the new revision.")
        request.state = _DECIDED[decision]
        request.decided_by = actor
        request.decided_at = tx.now
        request.comment = comment
        states = [r.state for r in tx.session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.revision == rev.number, ReviewRequest.state != "void"))]
        if "rejected" in states and "approved" in states:
            d.state = "disputed"
        elif "rejected" in states or "changes_requested" in states:
            d.state = "changes_requested"
        elif all(s == "approved" for s in states):
            d.state = "approved"
        d.updated_at = tx.now
        tx.record("review.decided", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                     "role": request.role, "decision": request.state, "comment": comment,
                                     "draft_state": d.state}, incident_id=d.incident_id)
        return d.state


def _commander_check(session, actor: str, d: Draft, person) -> incidents.Incident:
    row = incidents._find(session, d.incident_id)
    if not (row.commander == actor or person.has(Role.INCIDENT_COMMANDER)):
        raise InputError(f"Only the incident commander ({row.commander or 'not set'}) can do this.")
    return row


def _reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InputError(f"Give a reason for the {what}; it is kept with the update.")
    if len(reason) > 2000:
        raise InputError("Keep the reason under 2000 characters.")
    return reason


def decide_dispute(store: Store, actor: str, draft_id: uuid.UUID, outcome: str, reason: str) -> str:
    """The arbiter settles a dispute: 'approve' publishes as is, 'reject' sends it back."""
    if outcome not in ("approve", "reject"):
        raise InputError("The arbiter decides approve or reject.")
    reason = _reason(reason, "decision")
    person = people.get(store, actor)
    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        if d.state != "disputed":
            raise InputError(f"This update is {d.state.replace('_', ' ')}, not disputed.")
        _commander_check(tx.session, actor, d, person)
        d.state = "approved" if outcome == "approve" else "changes_requested"
        d.updated_at = tx.now
        tx.record("review.dispute_decided", {"draft_id": d.id, "revision": d.current_revision, "outcome": outcome,
                                             "reason": reason, "draft_state": d.state}, incident_id=d.incident_id)
        return d.state


def override(store: Store, actor: str, draft_id: uuid.UUID, reason: str) -> str:
    """The commander publishes without the missing reviews, giving a reason; the
    override is flagged wherever the update shows."""
    reason = _reason(reason, "override")
    person = people.get(store, actor)
    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        if d.state in ("published", "withdrawn", "overridden", "approved"):
            raise InputError(f"This update is {d.state.replace('_', ' ')}; there is nothing to override.")
        _commander_check(tx.session, actor, d, person)
        missing = [r.role for r in tx.session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.state.in_(("pending", "rejected", "changes_requested"))))]
        d.state = "overridden"
        d.updated_at = tx.now
        tx.record("review.overridden", {"draft_id": d.id, "revision": d.current_revision, "reason": reason,
                                        "missing": missing}, incident_id=d.incident_id)
        return d.state


def _get(session, draft_id: uuid.UUID) -> Draft:
    d = session.get(Draft, draft_id)
    if d is None:
        raise NotFound(f"No draft {draft_id}.")
    return d


def _unchanged_holding_statement(session, d: Draft) -> bool:
    from warroom.store.models import Template

    if d.template_id is None or d.current_revision != 1:
        return False
    t = session.get(Template, d.template_id)
    return bool(t and t.preapproved)


def publish(store: Store, actor: str, draft_id: uuid.UUID) -> str:
    """Mark an approved (or overridden) update published: on the timeline, and the
    next update falls due a full interval from now. Delivery builds on this."""
    from warroom.domain import EntryKind
    from warroom.store.models import TimelineEntry

    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        ok = d.state in ("approved", "overridden") or (
            d.state in ("draft", "in_review") and _unchanged_holding_statement(tx.session, d))
        if not ok:
            raise InputError(f"This update is {d.state.replace('_', ' ')}: it needs its reviews (or an override "
                             "by the incident commander) before it is published. A pre-approved holding statement "
                             "goes out without review only unchanged.")
        incident = incidents._find(tx.session, d.incident_id)
        rev = _current_revision(tx.session, d)
        overridden = d.state == "overridden"
        d.state = "published"
        d.updated_at = tx.now
        incident.last_update_at = tx.now
        incident.updated_at = tx.now
        flag = " (OVERRIDE: published without all reviews)" if overridden else ""
        entry = TimelineEntry(id=uuid7(), incident_id=incident.id, kind=EntryKind.PUBLISHED.value,
                              text=f"Update published to {d.audience}{flag}: {rev.subject}", author=actor,
                              occurred_at=tx.now, recorded_at=tx.now, edited_at=None)
        tx.session.add(entry)
        tx.record("update.published", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                       "audience": d.audience, "overridden": overridden, "entry_id": entry.id},
                  incident_id=incident.id)
        return d.state


def withdraw(store: Store, actor: str, draft_id: uuid.UUID, reason: str) -> str:
    reason = _reason(reason, "withdrawal")
    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        if d.state in ("withdrawn", "published"):
            raise InputError(f"This update is {d.state}; it cannot be withdrawn.")
        d.state = "withdrawn"
        d.updated_at = tx.now
        for r in tx.session.scalars(select(ReviewRequest).where(ReviewRequest.draft_id == d.id,
                                                                ReviewRequest.state == "pending")):
            r.state = "void"
        tx.record("update.withdrawn", {"draft_id": d.id, "reason": reason}, incident_id=d.incident_id)
        return d.state

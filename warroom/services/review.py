"""Review of drafts: which reviews an update needs, submitting, deciding.

Every decision is bound to one exact revision (its content hash); a new revision
voids the decisions on the old one and asks again. Roles are checked here, not
only in the window: a viewer cannot decide, nobody decides on their own words.

Not yet here (later steps of the approval work): time-boxed windows and
hand-over to backups, disputes decided by an arbiter, overrides, publishing.
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

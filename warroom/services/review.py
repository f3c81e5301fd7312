"""Review of drafts: submitting, deciding, disputes and overrides, the queue, and
what a draft allows its viewer (:func:`allowed`, which the window only shows).

Every decision is bound to one exact revision (its content hash); a new revision
voids the decisions on the old one and asks again. Every step that passes words on
lints that exact revision (:mod:`warroom.services.wording`). Roles are checked
here: a viewer cannot decide, nobody decides on their own words, two reviews need
two people. Disputes go to the arbiter (the incident commander unless the policy
names someone), who decides with a reason; the commander may override missing
reviews, on the record, but never the linter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from warroom.domain import Role
from warroom.errors import InputError, NotFound
from warroom.services import access, drafts, incidents, people, publishing, review_rules, wording
from warroom.services.access import Action
from warroom.services.reviewers import (
    RequestView, authors, current_revision, draft_row, legal_gate, problems, request_reviews, request_view,
)
from warroom.store import Store
from warroom.store.models import Draft, DraftRevision, Incident, ReviewRequest

DECISIONS = ("approve", "request_changes", "reject")
_DECIDED = {"approve": "approved", "request_changes": "changes_requested", "reject": "rejected"}


class Submitted(list):
    """The review requests made, and what stops any of them from ever being given
    (each naming who could unblock it): said at once, not when a window lapses."""

    problems: list[str]


def submit(store: Store, actor: str, draft_id: uuid.UUID, *, acknowledge: bool = False) -> Submitted:
    """Ask for the reviews the update needs. Blocking findings refuse; warnings
    need ``acknowledge`` (recorded on the revision) unless acknowledged before."""
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        row = incidents.find_row(tx.session, d.incident_id)
        access.require(tx, Action.COMPOSE, row)
        if d.state not in ("draft", "changes_requested"):
            raise InputError(f"This update is {d.state.replace('_', ' ')}; only a draft can be submitted.",
                             field="draft")
        wording.check(tx, d, current_revision(tx.session, d), acknowledge=acknowledge, step="submit")
        made = request_reviews(tx, d)
        tx.session.flush()
        out = Submitted(request_view(r) for r in made)
        out.problems = problems(tx.session, d, [Role(r.role) for r in made], row)
        return out


def requests(store: Store, draft_id: uuid.UUID, *, viewer: str, include_void: bool = False) -> list[RequestView]:
    with store.read() as session:
        incidents.find(session, draft_row(session, draft_id).incident_id, viewer)
        stmt = select(ReviewRequest).where(ReviewRequest.draft_id == draft_id)
        if not include_void:
            stmt = stmt.where(ReviewRequest.state != "void")
        return [request_view(r) for r in session.scalars(stmt.order_by(ReviewRequest.created_at, ReviewRequest.role))]


def decide(store: Store, actor: str, draft_id: uuid.UUID, decision: str, *, comment: str | None = None,
           role: str | None = None, acknowledge: bool = False) -> str:
    """Approve, request changes or reject the draft's current revision in one of the
    actor's review roles. Returns the draft's new state. An approval lints the exact
    revision: blocking findings refuse it, warnings need an acknowledgement."""
    if decision not in DECISIONS:
        raise InputError(f"Decide one of {', '.join(DECISIONS)}.")
    comment = (comment or "").strip() or None
    if decision != "approve" and not comment:
        raise InputError("Say what must change (a comment) when you do not approve.")
    try:
        person = people.get(store, actor)
    except NotFound:
        person = None  # may still be the one a request was handed to (the commander)
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        access.require_member(tx, incidents.find_row(tx.session, d.incident_id))
        after_the_fact = d.kind == "retraction"   # a retraction goes out first, reviewed afterwards
        if d.state != "in_review" and not after_the_fact:
            raise InputError(f"This update is {d.state.replace('_', ' ')}, not in review.", field="draft")
        rev = current_revision(tx.session, d)
        decided_here = tx.session.scalars(select(ReviewRequest.role).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.revision == rev.number,
            ReviewRequest.decided_by == actor, ReviewRequest.state != "void")).first()
        pending = tx.session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.state == "pending",
            ReviewRequest.revision == rev.number)).all()
        wanted_role = Role.parse(role).value if role else None
        mine = [r for r in pending if (r.assignee == actor or (person is not None and person.has(Role(r.role))))
                and (wanted_role is None or r.role == wanted_role)]
        mine.sort(key=lambda r: r.assignee != actor)  # what was handed to them first
        if not mine:
            wanted = ", ".join(Role(r.role).label.lower() for r in pending) or "nobody"
            mine_text = ", ".join(r.label.lower() for r in person.roles) if person else "not in the people register"
            raise access.NotPermitted(f"{actor} cannot decide here: the review waits for {wanted}, and {actor} is "
                                      f"{mine_text or 'no reviewer'}.", field="actor")
        if actor in authors(tx.session, d):
            raise access.NotPermitted("Nobody reviews their own words (any revision of this update): ask another "
                                      "reviewer.", field="actor")
        request = mine[0]
        handed_to_me = request.assignee == actor and request.level > 0
        if decided_here is not None and not handed_to_me:
            # Two roles, two people: only a review handed over to someone (the commander
            # after lapsed windows) may be decided by one who already decided another.
            raise access.NotPermitted(f"{actor} has already decided on this revision (as "
                                      f"{Role(decided_here).label.lower()}); a second review must come from someone "
                                      "else.", field="actor")
        if request.content_hash != rev.content_hash:
            raise InputError("The words changed since this review was asked for; review the new revision.")
        if decision == "approve" and not after_the_fact:
            wording.check(tx, d, rev, acknowledge=acknowledge, step="approve")
        request.state = _DECIDED[decision]
        request.decided_by = actor
        request.decided_at = tx.now
        request.comment = comment
        states = [r.state for r in tx.session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.revision == rev.number, ReviewRequest.state != "void"))]
        if after_the_fact:
            pass  # it went out already: the decisions are its record
        elif "rejected" in states and "approved" in states:
            d.state = "disputed"
        elif "rejected" in states or "changes_requested" in states:
            d.state = "changes_requested"
        elif all(s == "approved" for s in states):
            d.state = "approved"
        d.updated_at = tx.now
        tx.record("review.decided", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                     "role": request.role, "decision": request.state, "comment": comment,
                                     "draft_state": d.state, "request_id": request.id}, incident_id=d.incident_id)
        return d.state


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
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        row = incidents.find_row(tx.session, d.incident_id)
        access.require_member(tx, row)
        if d.state != "disputed":
            raise InputError(f"This update is {d.state.replace('_', ' ')}, not disputed.")
        who = review_rules.arbiter(tx.session, row)
        if actor != who:
            raise access.NotPermitted(f"Disputes are settled by {who or 'the incident commander'} (the arbiter in "
                                      "the review policy).", field="actor")
        d.state = "approved" if outcome == "approve" else "changes_requested"
        d.updated_at = tx.now
        tx.record("review.dispute_decided", {"draft_id": d.id, "revision": d.current_revision, "outcome": outcome,
                                             "reason": reason, "draft_state": d.state}, incident_id=d.incident_id)
        return d.state


def override(store: Store, actor: str, draft_id: uuid.UUID, reason: str, *, acknowledge: bool = False) -> str:
    """The commander lets the update go without the missing reviews, giving a reason;
    the override is flagged wherever the update shows. It skips reviews, never the
    linter: blocking findings refuse it."""
    reason = _reason(reason, "override")
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        access.require(tx, Action.OVERRIDE, incidents.find_row(tx.session, d.incident_id))
        if d.state not in ("in_review", "changes_requested", "disputed"):
            raise InputError(f"This update is {d.state.replace('_', ' ')}; only one submitted for review can be "
                             "overridden.", field="draft")
        gate = legal_gate(tx.session, d)
        if gate:
            raise InputError(gate + " Ask a legal reviewer; the other reviews may be overridden once it is given.",
                             field="draft")
        wording.check(tx, d, current_revision(tx.session, d), acknowledge=acknowledge, step="override")
        missing = [r.role for r in tx.session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.state.in_(("pending", "rejected", "changes_requested"))))]
        d.state = "overridden"
        d.updated_at = tx.now
        tx.record("review.overridden", {"draft_id": d.id, "revision": d.current_revision, "reason": reason,
                                        "missing": missing}, incident_id=d.incident_id)
        return d.state


@dataclass(frozen=True, slots=True)
class QueueItem:
    request: RequestView
    incident_id: uuid.UUID
    incident_ref: str
    incident_title: str
    audience: str
    draft_state: str
    mine: bool


def queue(store: Store, actor: str, *, incident_id: uuid.UUID | None = None) -> list[QueueItem]:
    """Pending reviews: those waiting for ``actor`` first (by deadline), then the rest
    in review for ``incident_id``."""
    try:
        me = people.get(store, actor)
    except NotFound:
        me = None
    with store.read() as session:
        w = access.reader(session, actor)
        rows = session.execute(
            select(ReviewRequest, Draft, Incident).join(Draft, Draft.id == ReviewRequest.draft_id)
            .join(Incident, Incident.id == Draft.incident_id)
            .where(ReviewRequest.state == "pending",
                   or_(Draft.state == "in_review", Draft.kind == "retraction"))).all()
    items = []
    for r, d, inc in rows:
        if not access.visible(w, inc):
            continue  # a confidential incident is for its members
        rv = request_view(r)
        mine = r.assignee == actor or (r.assignee is None and me is not None and me.has(rv.role))
        if mine or (incident_id is not None and inc.id == incident_id):
            items.append(QueueItem(rv, inc.id, inc.ref, inc.title, d.audience, d.state, mine))
    far = datetime.max.replace(tzinfo=None)
    items.sort(key=lambda q: (not q.mine, q.request.due_at.replace(tzinfo=None) if q.request.due_at else far))
    return items


def waiting_summary(store: Store, incident_id: uuid.UUID, *, viewer: str) -> dict[str, int]:
    """How many reviews of an incident wait for whom (for the incident header)."""
    with store.read() as session:
        incidents.find(session, incident_id, viewer)
        rows = session.execute(
            select(ReviewRequest.assignee, ReviewRequest.role).join(Draft, Draft.id == ReviewRequest.draft_id)
            .where(Draft.incident_id == incident_id, Draft.state == "in_review",
                   ReviewRequest.state == "pending")).all()
    out: dict[str, int] = {}
    for assignee, role in rows:
        key = assignee or f"any {Role(role).label.lower()}"
        out[key] = out.get(key, 0) + 1
    return out


def findings(store: Store, draft_id: uuid.UUID, viewer: str, *, revision: int | None = None) -> list[wording.Flag]:
    """The linter's findings on one revision of an update (its current one unless
    ``revision`` is named), blocking first, in reading order: what a reviewer reads
    beside the words. The same judgement the steps apply; a window never lints."""
    with store.read() as session:
        d = draft_row(session, draft_id)
        incidents.find(session, d.incident_id, viewer)
        if revision is None:
            rev = current_revision(session, d)
        else:
            rev = session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                              DraftRevision.number == revision)).first()
            if rev is None:
                raise NotFound(f"This update has no revision {revision}.", field="revision")
        order = [name for name, _channel in wording.FIELDS]
        return sorted(wording.flags_in(session, d, rev),
                      key=lambda f: (not f.blocking, order.index(f.field) if f.field in order else len(order)))


@dataclass(frozen=True, slots=True)
class Allowed:
    """What one person may do with one update now, and why not: computed here, the
    window only shows it (buttons, tooltips), the command line only says it."""

    state: str
    why_not_edit: str | None
    why_not_submit: str | None
    why_not_publish: str | None
    why_not_override: str | None
    why_not_retract: str | None
    why_not_correct: str | None
    #: Every finding of the linter on the current revision, blocking first.
    flags: tuple[wording.Flag, ...]
    #: Warnings nobody acknowledged yet: a submit, approval, override or publish asks for it.
    unacknowledged: tuple[wording.Flag, ...]
    preapproved: bool

    @property
    def can_edit(self) -> bool:
        return self.why_not_edit is None

    @property
    def can_submit(self) -> bool:
        return self.why_not_submit is None

    @property
    def can_publish(self) -> bool:
        return self.why_not_publish is None

    @property
    def can_override(self) -> bool:
        return self.why_not_override is None

    @property
    def can_retract(self) -> bool:
        return self.why_not_retract is None

    @property
    def can_correct(self) -> bool:
        return self.why_not_correct is None

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.flags)


def allowed(store: Store, draft_id: uuid.UUID, actor: str) -> Allowed:
    with store.read() as session:
        d = draft_row(session, draft_id)
        incident = incidents.find(session, d.incident_id, actor)
        rev = current_revision(session, d)
        w = access.who(session, actor)
        flags = sorted(wording.flags_in(session, d, rev), key=lambda f: (not f.blocking, f.field))
        blocked = "The linter blocks the words: change them first." if any(f.blocking for f in flags) else None
        state = d.state.replace("_", " ")

        def may(action: Action) -> str | None:
            return access.why_not(w, action, incident)

        why_edit = may(Action.COMPOSE) or (None if d.state in drafts.EDITABLE else f"This update is {state}.")
        why_submit = (may(Action.COMPOSE) or
                      (None if d.state in ("draft", "changes_requested") else f"This update is {state}.") or blocked)
        why_override = (may(Action.OVERRIDE) or
                        (None if d.state in ("in_review", "changes_requested", "disputed") else
                         f"This update is {state}; only one submitted for review can be overridden.") or
                        legal_gate(session, d) or blocked)
        why_retract = may(Action.RETRACT) or (None if d.state == "published" and d.kind != "retraction" else
                                               "Only a published update is retracted.")
        why_correct = may(Action.COMPOSE) or (None if d.state == "retracted" else
                                               "Only a retracted update is corrected.")
        return Allowed(d.state, why_edit, why_submit,
                       publishing.why_not_publish(session, actor, d, rev, incident), why_override, why_retract,
                       why_correct, tuple(flags), tuple(wording.unacknowledged(rev, flags)),
                       publishing.unchanged_holding_statement(session, d))

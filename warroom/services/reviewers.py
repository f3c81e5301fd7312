"""Who reviews: asking the roles an update needs, picking who each request waits
for, handing lapsed requests on, and saying at once when nobody can give one.

Somebody may give a review when they hold its role, did not write any revision
of the update, and may see the incident. Each request waits for one such person
for the severity's window; when it lapses, :func:`sweep` hands it to that
reviewer's backup (when the backup may give it and is on duty), then to the
incident commander (when they may). Two reviews need two people. Every
hand-over is journaled.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from itertools import permutations

from sqlalchemy import select

from warroom.domain import Role, Severity
from warroom.errors import NotFound
from warroom.exercise.stamp import now_for
from warroom.ids import uuid7
from warroom.services import access, incidents, people
from warroom.services.review_rules import LEGAL_AUDIENCES, policy_in, required_roles, review_window
from warroom.store import Store
from warroom.store.models import Draft, DraftRevision, Incident, Person, ReviewRequest


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
    assignee: str | None = None
    due_at: datetime | None = None
    level: int = 0


def request_view(r: ReviewRequest) -> RequestView:
    return RequestView(r.id, r.draft_id, r.revision, Role(r.role), r.state, r.decided_by, r.decided_at, r.comment,
                       r.assignee, r.due_at, r.level)


def draft_row(session, draft_id: uuid.UUID) -> Draft:
    d = session.get(Draft, draft_id) if isinstance(draft_id, uuid.UUID) else None
    if d is None:
        raise NotFound(f"No update {draft_id}.", field="draft")
    return d


def current_revision(session, d: Draft) -> DraftRevision:
    return session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                       DraftRevision.number == d.current_revision)).one()


def authors(session, d: Draft) -> set[str]:
    """Everyone who wrote any revision of the update, and who composed it."""
    return set(session.scalars(select(DraftRevision.author).where(DraftRevision.draft_id == d.id))) | {d.created_by}


def _people(session) -> dict[str, people.PersonView]:
    return {p.name: people.view_of(p) for p in session.scalars(select(Person).order_by(Person.name))}


def may_review(person: people.PersonView | None, role: Role, *, writers: set[str], incident) -> bool:
    """Whether ``person`` may give a review in ``role`` on these words."""
    return (person is not None and person.has(role) and person.name not in writers
            and access.visible(access.Who(person.name, frozenset(person.roles), True, False), incident))


def eligible(session, role: Role, *, writers: set[str], incident) -> list[str]:
    return [p.name for p in _people(session).values() if may_review(p, role, writers=writers, incident=incident)]


def _first_available(session, role: Role, now: datetime, *, writers: set[str], incident) -> str | None:
    for p in _people(session).values():
        if may_review(p, role, writers=writers, incident=incident) and p.available(now):
            return p.name
    return None  # nobody on duty: anyone holding the role may take it


def problems(session, d: Draft, roles: list[Role], incident) -> list[str]:
    """What stops the reviews asked for from ever being given, each naming who
    could unblock it; empty when every role has somebody, all of them different."""
    if access.register_empty(session):
        return []  # nobody is registered: anyone may review (a first look at the program)
    writers = authors(session, d)
    who = {role: eligible(session, role, writers=writers, incident=incident) for role in roles}
    admins = [p.name for p in _people(session).values() if p.has(Role.ADMINISTRATOR)]
    unblock = (f"An administrator ({', '.join(admins)}) can give the role to someone who did not write it"
               if admins else "An administrator can give the role to someone who did not write it")
    commander = incident.commander or "the incident commander"
    out = []
    for role, names in who.items():
        if not names:
            holders = [p.name for p in _people(session).values() if p.has(role)]
            why = (f"every {role.label.lower()} ({', '.join(holders)}) wrote these words" if holders and
                   set(holders) <= writers else f"nobody who may see {incident.ref} holds the "
                   f"{role.label.lower()} role")
            out.append(f"Nobody can give the {role.label.lower()} review: {why}. {unblock}, or {commander} can "
                       "override it.")
    if not out and len(roles) > 1 and not _distinct(who):
        named = ", ".join(sorted({n for names in who.values() for n in names}))
        out.append(f"These reviews need {len(roles)} different people, and only {named} may give them. "
                   f"{unblock}, or {commander} can override them.")
    return out


def _distinct(who: dict[Role, list[str]]) -> bool:
    """Whether each role can have its own person (a tiny matching: roles are at most three)."""
    roles = list(who)
    names = sorted({n for ns in who.values() for n in ns})
    if len(names) < len(roles):
        return False
    return any(all(p in who[r] for r, p in zip(roles, pick)) for pick in permutations(names, len(roles)))


def request_reviews(tx, d: Draft) -> list[ReviewRequest]:
    """Void what was asked for older revisions and ask the required roles again."""
    session = tx.session
    voided = []
    for old in session.scalars(select(ReviewRequest).where(ReviewRequest.draft_id == d.id,
                                                           ReviewRequest.state != "void")):
        old.state = "void"  # a new request round: nothing from an earlier round counts
        voided.append(old.id)
    rev = current_revision(session, d)
    row = incidents.find_row(session, d.incident_id)
    incident = incidents.view_of(row)
    window = review_window(session, incident.severity)
    writers = authors(session, d)
    made = []
    taken: set[str] = set()
    for role in required_roles(d.audience, incident, policy_in(session)):
        assignee = _first_available(session, role, tx.now, writers=writers | taken, incident=row)
        if assignee:
            taken.add(assignee)  # two reviews, two people
        r = ReviewRequest(id=uuid7(), draft_id=d.id, revision=rev.number, content_hash=rev.content_hash,
                          role=role.value, state="pending", created_at=tx.now, assignee=assignee,
                          due_at=tx.now + window, level=0)
        session.add(r)
        made.append(r)
    d.state = "in_review"
    d.updated_at = tx.now
    tx.record("review.requested", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                   "requests": [{"role": r.role, "assignee": r.assignee, "due_at": r.due_at,
                                                 "id": r.id} for r in made], "voided": voided},
              incident_id=d.incident_id)
    return made


def legal_gate(session, d: Draft) -> str | None:
    """Why an update to regulators may not go out yet (None when it may, or when its
    audience needs no such gate): a legal reviewer has not approved this revision."""
    if d.audience not in LEGAL_AUDIENCES:
        return None
    approved = session.scalars(select(ReviewRequest.id).where(
        ReviewRequest.draft_id == d.id, ReviewRequest.revision == d.current_revision,
        ReviewRequest.role == Role.LEGAL_REVIEWER.value, ReviewRequest.state == "approved")).first()
    if approved is not None:
        return None
    return (f"An update to {d.audience} needs a legal reviewer's approval of this revision before it goes out; "
            "neither an override nor a pre-approved template replaces it.")


#: Draft states whose pending reviews still matter (and so lapse and are handed on).
AWAITING_REVIEW = ("in_review", "disputed")


def sweep(store: Store, actor: str = access.SYSTEM, *, viewer: str = access.SYSTEM,
          exercise: uuid.UUID | None = None) -> list[RequestView]:
    """Hand every lapsed review on: to the reviewer's backup, then to the incident
    commander, skipping anyone who may not give it. The program does this by itself
    (every dispatcher runs it); returns the requests handed over that ``viewer`` may see.
    An exercise's reviews lapse on its own clock: they are swept only with ``exercise``
    naming it (by whoever moves that clock)."""
    now = store.clock.now()
    with store.read() as session:
        if exercise is not None:
            now = now_for(session, exercise, now)
        lapsed = session.scalars(select(ReviewRequest.id).join(Draft, Draft.id == ReviewRequest.draft_id)
                                 .join(Incident, Incident.id == Draft.incident_id)
                                 .where(ReviewRequest.state == "pending", ReviewRequest.due_at < now,
                                        ReviewRequest.level < 2,
                                        # An update overridden, published or withdrawn waits for nobody.
                                        Draft.state.in_(AWAITING_REVIEW),
                                        Incident.exercise.is_(False) if exercise is None
                                        else Incident.id == exercise)).all()
    if not lapsed:
        return []
    moved = []
    with store.write(actor) as tx:
        access.require_member(tx, incidents.find_row(tx.session, exercise) if exercise is not None else None)
        everyone = _people(tx.session)
        for request_id in lapsed:
            r = tx.session.get(ReviewRequest, request_id)
            if r is None or r.state != "pending" or r.due_at is None or r.due_at >= tx.now or r.level >= 2:
                continue  # decided or moved meanwhile
            d = tx.session.get(Draft, r.draft_id)
            if d.state not in AWAITING_REVIEW:
                continue  # overridden or published meanwhile
            incident = incidents.find_row(tx.session, d.incident_id)
            window = review_window(tx.session, Severity(incident.severity))
            writers = authors(tx.session, d) | _decided_by_others(tx.session, r)
            role = Role(r.role)
            before = r.assignee
            backup = everyone[before].backups.get(r.role) if before in everyone else None
            commander = everyone.get(incident.commander)
            if r.level == 0 and backup and may_review(everyone.get(backup), role, writers=writers,
                                                      incident=incident) and everyone[backup].available(tx.now):
                r.assignee, r.level = backup, 1
            elif commander is not None and commander.name not in writers:
                # The commander decides a review handed to them, whatever their roles.
                r.assignee, r.level = commander.name, 2
            else:
                r.assignee, r.level = None, 2  # anyone who may give it
            r.due_at = tx.now + window
            tx.record("review.handed_over", {"request_id": r.id, "draft_id": d.id, "role": r.role, "from": before,
                                             "to": r.assignee, "level": r.level, "due_at": r.due_at},
                      incident_id=d.incident_id)
            if access.visible(access.who(tx.session, viewer), incident):
                moved.append(request_view(r))
    return moved


def _decided_by_others(session, r: ReviewRequest) -> set[str]:
    """Who already decided another review of the same revision: they cannot take this one."""
    return set(session.scalars(select(ReviewRequest.decided_by).where(
        ReviewRequest.draft_id == r.draft_id, ReviewRequest.revision == r.revision, ReviewRequest.id != r.id,
        ReviewRequest.decided_by.is_not(None), ReviewRequest.state != "void")))

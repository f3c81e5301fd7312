"""Review of drafts: which reviews an update needs, submitting, deciding.

Every decision is bound to one exact revision (its content hash); a new revision
voids the decisions on the old one and asks again. Roles are checked here, not
only in the window: a viewer cannot decide, nobody decides on their own words.

Disputes go to the arbiter (the incident commander), who decides with a reason;
the commander may also override missing reviews, on the record; publishing
marks the update published, puts it on the timeline and restarts the cadence.
Reviews are time-boxed: each request waits for one reviewer for the severity's
window; when it lapses, :func:`sweep` hands it to that reviewer's backup, and
after the backup's window to the incident commander. Every hand-over is recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from warroom.domain import DEFAULT_UPDATE_INTERVALS, Category, Role, Severity
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access, incidents, people
from warroom.services.access import Action
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


POLICY_KEY = "review_policy"

# A rule is keyed "audience" (every severity and category) or
# "audience|SEVERITY|category" with "*" for any: "customers|SEV4|*",
# "customers|*|network", "customers|SEV1|security". The most specific rule that
# matches an update sets its reviews (a category counts more than a severity);
# a security or data incident always adds legal on top.


def rule_key(audience: str, severity=None, category=None) -> str:
    sev = Severity.parse(severity).value if severity not in (None, "", "*") else "*"
    cat = Category.parse(category).value if category not in (None, "", "*") else "*"
    return audience if sev == cat == "*" else f"{audience}|{sev}|{cat}"


def split_key(key: str) -> tuple[str, str, str]:
    audience, _, rest = key.partition("|")
    sev, _, cat = rest.partition("|")
    return audience, sev or "*", cat or "*"


def describe_key(key: str) -> str:
    """``customers|SEV4|*`` -> ``customers at SEV4``; ``customers|*|security`` -> ``customers, security incidents``."""
    audience, sev, cat = split_key(key)
    text = audience + (f" at {sev}" if sev != "*" else "")
    return text + (f", {Category(cat).label.lower()} incidents" if cat != "*" else "")


def policy(store: Store) -> dict[str, tuple[Role, ...]]:
    """The review rules (see :func:`rule_key`): the stored ones over the defaults."""
    with store.read() as session:
        return _policy(session)


def _policy(session) -> dict[str, tuple[Role, ...]]:
    import json

    from warroom.store.models import Meta

    row = session.get(Meta, POLICY_KEY)
    stored = json.loads(row.value) if row else {}
    merged = dict(DEFAULT_POLICY)
    merged.update({key: tuple(Role(r) for r in roles) for key, roles in stored.items()})
    return dict(sorted(merged.items(), key=lambda kv: split_key(kv[0])))


def set_policy(store: Store, actor: str, audience: str, roles, *, severity=None,
               category=None) -> dict[str, tuple[Role, ...]]:
    """Which reviews an audience's updates need, for every incident or only at one
    severity and/or in one category (editable; journaled). ``roles=None`` removes
    a severity or category rule, so the audience's own rule applies again."""
    import json

    from warroom.services import audiences as audience_service
    from warroom.store.models import Meta

    aud = audience_service.get(store, audience).name
    key = rule_key(aud, severity, category)
    if roles is None:
        if key == aud:
            raise InputError(f"Every audience needs a rule of its own; change {aud}'s reviews instead of removing "
                             "them.")
        parsed = []
    else:
        parsed = [Role.parse(r) for r in (roles.split(",") if isinstance(roles, str) else roles) if str(r).strip()]
        if any(r not in (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER, Role.LEGAL_REVIEWER) for r in parsed):
            raise InputError("Reviews are technical_reviewer, comms_reviewer and legal_reviewer.")
        if not parsed:
            raise InputError("An update needs at least one review; name the roles, e.g. technical_reviewer.")
    with store.write(actor) as tx:
        access.require(tx, Action.REVIEW_POLICY)
        row = tx.session.get(Meta, POLICY_KEY)
        stored = json.loads(row.value) if row else {}
        before = stored.get(key)
        if parsed:
            stored[key] = [r.value for r in dict.fromkeys(parsed)]
        elif key in stored:
            del stored[key]
        else:
            raise InputError(f"There is no rule for {describe_key(key)}.")
        if row is None:
            tx.session.add(Meta(key=POLICY_KEY, value=json.dumps(stored, sort_keys=True)))
        else:
            row.value = json.dumps(stored, sort_keys=True)
        tx.record("policy.reviews_set", {"audience": aud, "rule": key, "from": before, "to": stored.get(key)})
    return policy(store)


ARBITER_KEY = "review_arbiter"


def arbiter(session, incident_row) -> str:
    """Who settles disputes: the person the policy names, or the incident's commander."""
    from warroom.store.models import Meta

    row = session.get(Meta, ARBITER_KEY)
    return row.value if row is not None and row.value != "commander" else (incident_row.commander or "")


def set_arbiter(store: Store, actor: str, name: str) -> str:
    from warroom.store.models import Meta

    name = " ".join((name or "").split())
    if name != "commander":
        people.get(store, name)  # a known person
    with store.write(actor) as tx:
        access.require(tx, Action.REVIEW_POLICY)
        row = tx.session.get(Meta, ARBITER_KEY)
        before = row.value if row else "commander"
        if row is None:
            tx.session.add(Meta(key=ARBITER_KEY, value=name))
        else:
            row.value = name
        tx.record("policy.arbiter_set", {"from": before, "to": name})
    return name


def set_window(store: Store, actor: str, severity, window: timedelta) -> None:
    from warroom.store.models import SeverityPolicy

    sev = Severity.parse(severity)
    if not timedelta(minutes=1) <= window <= timedelta(days=1):
        raise InputError("A review window is between 1 minute and 1 day.", field="window")
    with store.write(actor) as tx:
        access.require(tx, Action.REVIEW_POLICY)
        row = tx.session.get(SeverityPolicy, sev.value)
        old = row.review_window_s
        row.review_window_s = int(window.total_seconds())
        tx.record("policy.review_window_set", {"severity": sev.value, "old_s": old, "new_s": row.review_window_s})


def required_roles(audience: str, incident: incidents.IncidentView,
                   rules: dict[str, tuple[Role, ...]] | None = None) -> tuple[Role, ...]:
    """The reviews an update to ``audience`` needs for this incident: the most
    specific matching rule, plus legal for a security or data incident."""
    rules = DEFAULT_POLICY if rules is None else rules
    best, best_score = (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER), -1
    for key, roles in rules.items():
        aud, sev, cat = split_key(key)
        if aud != audience or sev not in ("*", incident.severity.value) or cat not in ("*", incident.category.value):
            continue
        score = 2 * (cat != "*") + (sev != "*")
        if score > best_score:
            best, best_score = roles, score
    roles = tuple(best)
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
    assignee: str | None = None
    due_at: datetime | None = None
    level: int = 0


def _rview(r: ReviewRequest) -> RequestView:
    return RequestView(r.id, r.draft_id, r.revision, Role(r.role), r.state, r.decided_by, r.decided_at, r.comment,
                       r.assignee, r.due_at, r.level)


def _current_revision(session, d: Draft) -> DraftRevision:
    return session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                       DraftRevision.number == d.current_revision)).one()


def request_reviews(tx, d: Draft) -> list[ReviewRequest]:
    """Void what was asked for older revisions and ask the required roles again."""
    session = tx.session
    for old in session.scalars(select(ReviewRequest).where(ReviewRequest.draft_id == d.id,
                                                           ReviewRequest.state != "void")):
        old.state = "void"  # a new request round: nothing from an earlier round counts
    rev = _current_revision(session, d)
    incident = incidents.view_of(incidents.find_row(session, d.incident_id))
    window = review_window(session, incident.severity)
    made = []
    for role in required_roles(d.audience, incident, _policy(session)):
        r = ReviewRequest(id=uuid7(), draft_id=d.id, revision=rev.number, content_hash=rev.content_hash,
                          role=role.value, state="pending", created_at=tx.now,
                          assignee=_first_available(session, role, tx.now, exclude=rev.author,
                                                    only=_members(incident)),
                          due_at=tx.now + window, level=0)
        session.add(r)
        made.append(r)
    d.state = "in_review"
    d.updated_at = tx.now
    tx.record("review.requested", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                   "requests": [{"role": r.role, "assignee": r.assignee, "due_at": r.due_at}
                                                for r in made]}, incident_id=d.incident_id)
    return made


#: Review windows when the policy table has none (SEV1 10 min … SEV4 4 h).
DEFAULT_WINDOWS = {"SEV1": 600, "SEV2": 1200, "SEV3": 3600, "SEV4": 14400}


def review_window(session, severity) -> timedelta:
    from warroom.store.models import SeverityPolicy

    row = session.get(SeverityPolicy, severity.value)
    return timedelta(seconds=row.review_window_s if row else DEFAULT_WINDOWS[severity.value])


def _people(session):
    from warroom.store.models import Person

    return {p.name: people.view_of(p) for p in session.scalars(select(Person).order_by(Person.name))}


def _members(incident) -> set[str] | None:
    """Who may see an incident's reviews: everyone, or a confidential one's members."""
    return {incident.commander, *incident.members} if incident.confidential else None


def _first_available(session, role: Role, now: datetime, *, exclude: str | None = None,
                     only: set[str] | None = None) -> str | None:
    for p in _people(session).values():
        if p.has(role) and p.name != exclude and p.available(now) and (only is None or p.name in only):
            return p.name
    return None  # nobody on duty: anyone holding the role may take it


def sweep(store: Store, actor: str = access.SYSTEM, *, viewer: str = access.SYSTEM) -> list[RequestView]:
    """Hand every lapsed review on: to the reviewer's backup, then to the incident
    commander. The program does this by itself (``actor`` the system); returns the
    requests handed over that ``viewer`` may see."""
    now = store.clock.now()
    with store.read() as session:
        lapsed = session.scalars(select(ReviewRequest.id).where(ReviewRequest.state == "pending",
                                                                ReviewRequest.due_at < now,
                                                                ReviewRequest.level < 2)).all()
    if not lapsed:
        return []
    moved = []
    with store.write(actor) as tx:
        everyone = _people(tx.session)
        for request_id in lapsed:
            r = tx.session.get(ReviewRequest, request_id)
            if r is None or r.state != "pending" or r.due_at is None or r.due_at >= tx.now or r.level >= 2:
                continue  # decided or moved meanwhile
            d = tx.session.get(Draft, r.draft_id)
            incident = incidents.find_row(tx.session, d.incident_id)
            window = review_window(tx.session, Severity(incident.severity))
            before = r.assignee
            backup = everyone[before].backups.get(r.role) if before in everyone else None
            allowed = {incident.commander, *(incident.members or [])} if incident.confidential else None
            if r.level == 0 and backup and backup in everyone and everyone[backup].available(tx.now) and \
                    (allowed is None or backup in allowed):
                r.assignee, r.level = backup, 1
            else:
                r.assignee, r.level = incident.commander or None, 2
            r.due_at = tx.now + window
            tx.record("review.handed_over", {"request_id": r.id, "draft_id": d.id, "role": r.role, "from": before,
                                             "to": r.assignee, "level": r.level, "due_at": r.due_at},
                      incident_id=d.incident_id)
            if access.visible(access.who(tx.session, viewer), incident):
                moved.append(_rview(r))
    return moved


def submit(store: Store, actor: str, draft_id: uuid.UUID) -> list[RequestView]:
    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        access.require(tx, Action.COMPOSE, incidents.find_row(tx.session, d.incident_id))
        if d.state not in ("draft", "changes_requested"):
            raise InputError(f"This update is {d.state.replace('_', ' ')}; only a draft can be submitted.")
        made = request_reviews(tx, d)
        tx.session.flush()
        return [_rview(r) for r in made]


def requests(store: Store, draft_id: uuid.UUID, *, viewer: str, include_void: bool = False) -> list[RequestView]:
    with store.read() as session:
        incidents.find(session, _get(session, draft_id).incident_id, viewer)
        stmt = select(ReviewRequest).where(ReviewRequest.draft_id == draft_id)
        if not include_void:
            stmt = stmt.where(ReviewRequest.state != "void")
        return [_rview(r) for r in session.scalars(stmt.order_by(ReviewRequest.created_at, ReviewRequest.role))]


def _authors(session, d: Draft) -> set[str]:
    """Everyone who wrote any revision of the update, and who composed it."""
    return set(session.scalars(select(DraftRevision.author).where(DraftRevision.draft_id == d.id))) | {d.created_by}


def decide(store: Store, actor: str, draft_id: uuid.UUID, decision: str, *, comment: str | None = None,
           role: str | None = None) -> str:
    """Approve, request changes or reject the draft's current revision in one of the
    actor's review roles. Returns the draft's new state."""
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
        d = _get(tx.session, draft_id)
        access.require_member(tx, incidents.find_row(tx.session, d.incident_id))
        if d.state != "in_review":
            raise InputError(f"This update is {d.state.replace('_', ' ')}, not in review.")
        rev = _current_revision(tx.session, d)
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
        if actor in _authors(tx.session, d):
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
        d = _get(tx.session, draft_id)
        row = incidents.find_row(tx.session, d.incident_id)
        access.require_member(tx, row)
        if d.state != "disputed":
            raise InputError(f"This update is {d.state.replace('_', ' ')}, not disputed.")
        who = arbiter(tx.session, row)
        if actor != who:
            raise access.NotPermitted(f"Disputes are settled by {who or 'the incident commander'} (the arbiter in "
                                      "the review policy).", field="actor")
        d.state = "approved" if outcome == "approve" else "changes_requested"
        d.updated_at = tx.now
        tx.record("review.dispute_decided", {"draft_id": d.id, "revision": d.current_revision, "outcome": outcome,
                                             "reason": reason, "draft_state": d.state}, incident_id=d.incident_id)
        return d.state


def override(store: Store, actor: str, draft_id: uuid.UUID, reason: str) -> str:
    """The commander publishes without the missing reviews, giving a reason; the
    override is flagged wherever the update shows."""
    reason = _reason(reason, "override")
    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        access.require(tx, Action.OVERRIDE, incidents.find_row(tx.session, d.incident_id))
        if d.state not in ("in_review", "changes_requested", "disputed"):
            raise InputError(f"This update is {d.state.replace('_', ' ')}; only one submitted for review can be "
                             "overridden.")
        missing = [r.role for r in tx.session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == d.id, ReviewRequest.state.in_(("pending", "rejected", "changes_requested"))))]
        d.state = "overridden"
        d.updated_at = tx.now
        tx.record("review.overridden", {"draft_id": d.id, "revision": d.current_revision, "reason": reason,
                                        "missing": missing}, incident_id=d.incident_id)
        return d.state


def _get(session, draft_id: uuid.UUID) -> Draft:
    d = session.get(Draft, draft_id) if isinstance(draft_id, uuid.UUID) else None
    if d is None:
        raise NotFound(f"No update {draft_id}.", field="draft")
    return d


def _unchanged_holding_statement(session, d: Draft) -> bool:
    from warroom.store.models import Template

    if d.template_id is None or d.current_revision != 1:
        return False
    t = session.get(Template, d.template_id)
    return bool(t and t.preapproved)


def publish(store: Store, actor: str, draft_id: uuid.UUID):
    """Publish an approved (or overridden) update: on the timeline, the next update
    falls due a full interval from now, and in the same transaction the outbox gets
    one delivery per channel and recipient the matrix names. Returns what was planned
    (:class:`warroom.services.outbox.Planned`)."""
    from warroom.domain import EntryKind
    from warroom.services import outbox
    from warroom.store.models import TimelineEntry

    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        access.require(tx, Action.PUBLISH, incidents.find_row(tx.session, d.incident_id))
        ok = d.state in ("approved", "overridden") or (
            d.state in ("draft", "in_review") and _unchanged_holding_statement(tx.session, d))
        if not ok:
            raise InputError(f"This update is {d.state.replace('_', ' ')}: it needs its reviews (or an override "
                             "by the incident commander) before it is published. A pre-approved holding statement "
                             "goes out without review only unchanged.")
        incident = incidents.find_row(tx.session, d.incident_id)
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
        planned = outbox.plan_deliveries(tx, incident, d, rev)
        tx.record("update.published", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                       "audience": d.audience, "overridden": overridden, "entry_id": entry.id,
                                       "deliveries": planned.deliveries, "channels": list(planned.channels)},
                  incident_id=incident.id)
        return planned


def withdraw(store: Store, actor: str, draft_id: uuid.UUID, reason: str) -> str:
    reason = _reason(reason, "withdrawal")
    with store.write(actor) as tx:
        d = _get(tx.session, draft_id)
        access.require(tx, Action.PUBLISH, incidents.find_row(tx.session, d.incident_id))
        if d.state in ("withdrawn", "published"):
            raise InputError(f"This update is {d.state}; it cannot be withdrawn.")
        d.state = "withdrawn"
        d.updated_at = tx.now
        for r in tx.session.scalars(select(ReviewRequest).where(ReviewRequest.draft_id == d.id,
                                                                ReviewRequest.state == "pending")):
            r.state = "void"
        tx.record("update.withdrawn", {"draft_id": d.id, "reason": reason}, incident_id=d.incident_id)
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
    from warroom.store.models import Incident

    try:
        me = people.get(store, actor)
    except NotFound:
        me = None
    with store.read() as session:
        w = access.reader(session, actor)
        rows = session.execute(
            select(ReviewRequest, Draft, Incident).join(Draft, Draft.id == ReviewRequest.draft_id)
            .join(Incident, Incident.id == Draft.incident_id)
            .where(ReviewRequest.state == "pending", Draft.state == "in_review")).all()
    items = []
    for r, d, inc in rows:
        if not access.visible(w, inc):
            continue  # a confidential incident is for its members
        rv = _rview(r)
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

"""Who may do what: one table of actions × roles, checked by every service.

Every write goes through :func:`require` inside its transaction (the transaction
refuses to journal anything otherwise), and every read of an incident's data
through :func:`check_read` or :func:`visible`, with the viewer passed in. The
window and the command line only show what these allow; team sync, inbound
feeds and exercise injects pass the same checks.

On one laptop the actor is whoever the person says they are (``--as``,
``WARROOM_USER``, the window's choice): roles prevent mistakes, not impostors.

Rules beside the table:

- While the people register is empty, anyone may do anything (a first look at
  the program); the first person added becomes incident commander and
  administrator. Once it has anyone in it, an actor not in it is refused.
- A confidential incident is read and changed only by its commander and members.
- Work the program does by itself (the dispatcher, the review sweep, shipped
  templates) runs as a :class:`System` actor, which no name typed by a person
  can be.
- A signal from an inbound source acts as a :class:`Source`: it may only do what
  :data:`SOURCE_MAY` lists (never review, approve, override or publish), whoever
  in the register shares its name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from sqlalchemy import exists, select

from warroom.domain import Role
from warroom.errors import NotFound, NotPermitted
from warroom.exercise.stamp import stamp
from warroom.identity import SYSTEM, LogOnly, Source, System, is_source, is_system
from warroom.store.models import Incident, Person
from warroom.views import sees

__all__ = ["NotPermitted", "SYSTEM", "System", "is_system", "Source", "is_source", "SOURCE_MAY", "Action", "PERMISSIONS", "require", "require_member", "check", "check_read", "reader",
           "visible", "who", "why_not", "allows", "needed", "table", "register_empty"]


class Action(str, enum.Enum):
    """Everything the permission table knows, in the order the README prints it."""

    READ = "read incidents, timelines and updates"
    DECLARE = "declare an incident"
    STATUS = "change status or severity"
    LOG = "log timeline entries"
    EDIT_INCIDENT = "edit an incident (title, commander, flags…)"
    MEMBERS = "change who may see a confidential incident"
    COMPOSE = "compose and edit updates"
    REVIEW = "review an update (in the role asked for)"
    OVERRIDE = "override missing reviews"
    PUBLISH = "publish an update"
    RETRACT = "retract a published update"
    DELIVERIES = "send, retry or cancel deliveries"
    ARCHIVE = "export a signed archive"
    TRUST = "trust or distrust archive signers"
    PREAPPROVE = "pre-approve a template version (comms and legal)"
    TEMPLATES = "change templates"
    STAKEHOLDERS = "change stakeholders"
    PEOPLE = "change people and roles"
    REVIEW_POLICY = "change review rules, windows and the arbiter"
    CADENCE = "change the update cadence"
    MATRIX = "change the stakeholder matrix"
    CHANNELS = "change or test channels"
    SETTINGS = "change audiences, organisation and delivery settings"
    EXERCISE = "run a tabletop exercise (facilitator: its clock, injects and end)"
    FOLLOWUPS = "add and change an incident's follow-up actions"
    SOURCES = "add, change or remove inbound sources (PagerDuty, Alertmanager…)"
    COMPONENTS = "set a component's status"

    @property
    def label(self) -> str:
        return self.value


IC, TECH, COMMS, LEGAL, OWNER, ADMIN, VIEWER = (
    Role.INCIDENT_COMMANDER, Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER, Role.LEGAL_REVIEWER,
    Role.COMMUNICATIONS_OWNER, Role.ADMINISTRATOR, Role.VIEWER)


@dataclass(frozen=True, slots=True)
class Rule:
    #: Roles that may, on any incident they can see.
    roles: frozenset[Role]
    #: The incident's own commander may too (and for some actions only they may).
    own_commander: bool = False


def _rule(*roles: Role, own_commander: bool = False) -> Rule:
    return Rule(frozenset(roles), own_commander)


#: The table: who may do what. Viewers only read. The README prints it
#: (``warroom-cli person permissions`` too).
PERMISSIONS: dict[Action, Rule] = {
    Action.READ: _rule(IC, TECH, COMMS, LEGAL, OWNER, ADMIN, VIEWER, own_commander=True),
    Action.DECLARE: _rule(IC, TECH, OWNER),
    Action.STATUS: _rule(IC, own_commander=True),
    Action.LOG: _rule(IC, TECH, COMMS, LEGAL, OWNER, own_commander=True),
    Action.EDIT_INCIDENT: _rule(IC, own_commander=True),
    Action.MEMBERS: _rule(IC, own_commander=True),
    Action.COMPOSE: _rule(IC, TECH, COMMS, OWNER, own_commander=True),
    Action.REVIEW: _rule(TECH, COMMS, LEGAL),
    Action.OVERRIDE: _rule(own_commander=True),
    Action.PUBLISH: _rule(COMMS, OWNER, own_commander=True),
    Action.RETRACT: _rule(OWNER, own_commander=True),
    Action.DELIVERIES: _rule(IC, OWNER, own_commander=True),
    Action.ARCHIVE: _rule(IC, LEGAL, OWNER, own_commander=True),
    Action.TRUST: _rule(LEGAL, ADMIN),
    Action.PREAPPROVE: _rule(COMMS, LEGAL),
    Action.TEMPLATES: _rule(ADMIN, OWNER),
    Action.STAKEHOLDERS: _rule(ADMIN, OWNER),
    Action.PEOPLE: _rule(ADMIN),
    Action.REVIEW_POLICY: _rule(ADMIN),
    Action.CADENCE: _rule(ADMIN),
    Action.MATRIX: _rule(ADMIN),
    Action.CHANNELS: _rule(ADMIN),
    Action.SETTINGS: _rule(ADMIN),
    Action.EXERCISE: _rule(IC, ADMIN, own_commander=True),
    Action.FOLLOWUPS: _rule(IC, OWNER, own_commander=True),
    Action.SOURCES: _rule(ADMIN),
    Action.COMPONENTS: _rule(IC, OWNER),
}


#: All an inbound source may do: open an incident, move its status and severity, log
#: on its timeline, draft its updates and submit them for review, and set component status. Reviews,
#: overrides and publishing stay with people.
SOURCE_MAY: frozenset[Action] = frozenset({Action.READ, Action.DECLARE, Action.STATUS, Action.LOG, Action.COMPOSE,
                                                Action.COMPONENTS})


@dataclass(frozen=True, slots=True)
class Who:
    """The actor as the checks see them: their roles, or that the register is empty."""

    name: str
    roles: frozenset[Role]
    known: bool          # in the people register
    open_register: bool  # nobody is registered yet: everyone may do everything
    system: bool = False
    #: An inbound source (:class:`Source`): only :data:`SOURCE_MAY`.
    source: bool = False
    #: A System actor that may do only these (a :class:`LogOnly` one); None: anything.
    only: frozenset | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles


def register_empty(session) -> bool:
    return not session.scalar(select(exists().where(Person.id.is_not(None))))


#: What a :class:`LogOnly` actor (the vendor status watch) may do.
LOG_ONLY = frozenset({"READ", "LOG"})


def who(session, actor: str) -> Who:
    if is_system(actor):
        only = LOG_ONLY if isinstance(actor, LogOnly) else None
        return Who(str(actor), frozenset(), True, False, system=True, only=only)
    if is_source(actor):
        return Who(str(actor), frozenset(), True, False, source=True)
    row = session.scalars(select(Person).where(Person.name == actor)).first()
    if row is not None:
        return Who(actor, frozenset(Role(r) for r in row.roles or ()), True, False)
    return Who(actor, frozenset(), False, register_empty(session))


def _unknown(actor: str) -> NotPermitted:
    return NotPermitted(f"{actor!r} is not in the people register: only people an administrator has added may "
                        "use this database. Say who you are, or ask an administrator to add you.",
                        field="actor")


def _article(label: str) -> str:
    return ("an " if label[0] in "aeiou" else "a ") + label


def _roles_text(rule: Rule) -> str:
    names = [_article(r.label.lower()) for r in sorted(rule.roles, key=lambda r: list(Role).index(r))]
    if rule.own_commander:
        names.insert(0, "the incident's commander")
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def needed(action: Action) -> str:
    """Who may, in words: "an administrator", "the incident's commander or a comms reviewer"."""
    return _roles_text(PERMISSIONS[action])


def allows(w: Who, action: Action, incident: Incident | None = None) -> bool:
    """Whether ``w`` may do ``action`` (on ``incident``, which they must be able to see)."""
    if w.system:
        return w.only is None or action.name in w.only
    if incident is not None and not _sees(w.name, incident):
        return False  # confidential: by name, even while the register is empty
    if w.source:
        return action in SOURCE_MAY
    if w.open_register:
        return True
    if not w.known:
        return False
    rule = PERMISSIONS[action]
    if rule.roles & w.roles:
        return True
    return bool(rule.own_commander and incident is not None and incident.commander == w.name
                and Role.INCIDENT_COMMANDER in w.roles)


def why_not(w: Who, action: Action, incident: Incident | None = None) -> str | None:
    """None when allowed; else what is needed, in words a person can act on."""
    if allows(w, action, incident):
        return None
    if w.system:
        return f"{w.name} may only read incidents and log timeline entries; it may not {action.label}."
    if not w.known and not w.open_register:
        return str(_unknown(w.name))
    if incident is not None and not _sees(w.name, incident):
        return f"{incident.ref} is confidential: only its commander and members see it."
    if w.source:
        return (f"{w.name} is an inbound source: a source may only {_SOURCE_WORDS}; a person must "
                f"{action.label}.")
    who_may = needed(action)
    if incident is not None and PERMISSIONS[action].own_commander:
        who_may = who_may.replace("the incident's commander", f"the incident's commander ({incident.commander})")
    return f"Only {who_may} may {action.label}; {w.name} is {_person_roles(w)}."


_SOURCE_WORDS = ("open incidents, change status or severity, log, compose updates for review and set component "
                 "status")


def _person_roles(w: Who) -> str:
    if not w.roles:
        return "no role"
    return ", ".join(_article(r.label.lower()) for r in sorted(w.roles, key=lambda r: list(Role).index(r)))


def require(tx, action: Action, incident: Incident | None = None) -> Who:
    """Refuse (:class:`NotPermitted`) unless the transaction's actor may do ``action``;
    a confidential incident they may not see is not found. Marks the transaction
    as checked, so it may journal."""
    w = check(tx.session, tx.actor, action, incident)
    tx.checked = True
    _clock_of(tx, incident)
    return w


def require_member(tx, incident: Incident | None = None) -> Who:
    """For a rule finer than the table (a review in the role asked for, the arbiter
    settling a dispute): the actor is known and sees the incident; the caller
    decides the rest. Marks the transaction as checked."""
    w = who(tx.session, tx.actor)
    if not (w.system or w.open_register) and not w.known:
        raise _unknown(w.name)
    if w.source:   # reviews, disputes, a follow-up's owner: a person's decisions
        raise NotPermitted(f"{w.name} is an inbound source: a source never reviews, approves or settles "
                           "anything; a person must.", field="actor")
    if w.only is not None:
        raise NotPermitted(f"{w.name} may only log timeline entries.", field="actor")
    if incident is not None:
        check_read(tx.session, tx.actor, incident)
    tx.checked = True
    _clock_of(tx, incident)
    return w


def _clock_of(tx, incident: Incident | None) -> None:
    """A change to an exercise incident is stamped with the exercise's own clock."""
    if incident is not None and incident.exercise:
        stamp(tx, incident.id)


def check(session, actor: str, action: Action, incident: Incident | None = None) -> Who:
    """:func:`require` outside a write transaction (exports, tests of a channel)."""
    w = who(session, actor)
    if not (w.system or w.open_register) and not w.known:
        raise _unknown(w.name)
    if incident is not None and not w.system and not _sees(w.name, incident):
        raise NotFound(f"No incident {incident.ref}.", field="incident")
    if not allows(w, action, incident):
        raise NotPermitted(why_not(w, action, incident) or "Not permitted.", field="actor")
    return w


def check_read(session, viewer: str, incident: Incident) -> None:
    """A confidential incident the viewer may not see is not found; an unknown viewer
    (once the register has people) is refused."""
    if is_system(viewer):
        return
    w = who(session, viewer)
    if not (w.known or w.open_register):
        raise _unknown(viewer)
    if not _sees(viewer, incident):
        raise NotFound(f"No incident {incident.ref}.", field="incident")


def reader(session, viewer: str) -> Who:
    """For lists: the viewer as :func:`visible` needs them (refused when unknown)."""
    w = who(session, viewer)
    if not (w.system or w.open_register or w.known):
        raise _unknown(viewer)
    return w


def visible(w: Who, incident: Incident) -> bool:
    return w.system or _sees(w.name, incident)


def _sees(name: str, incident: Incident) -> bool:
    return sees(name, confidential=incident.confidential, commander=incident.commander, members=incident.members)


def table() -> list[tuple[str, dict[str, bool]]]:
    """The permission table as rows: (action, {column: allowed}), for the README and
    ``person permissions``. Columns: the incident's commander, then every role."""
    columns = ["incident's commander"] + [r.label for r in Role]
    rows = []
    for action, rule in PERMISSIONS.items():
        cells = {"incident's commander": rule.own_commander}
        cells.update({r.label: r in rule.roles for r in Role})
        rows.append((action.label, cells))
    return [(name, {c: cells[c] for c in columns}) for name, cells in rows]

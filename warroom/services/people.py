"""People: who uses this database, in which roles, who stands in for them, and
whether they can be reached now. (Approval workflows build on this.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from warroom import inputs
from warroom.domain import REVIEW_ROLES, Role
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.ids import uuid7
from warroom.services import access
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import Person

AVAILABILITY = ("on_duty", "off_duty", "until")


@dataclass(frozen=True, slots=True)
class PersonView:
    id: uuid.UUID
    name: str
    email: str | None
    roles: tuple[Role, ...]
    backups: dict[str, str]
    availability: str
    available_until: datetime | None

    def has(self, role: Role) -> bool:
        return role in self.roles

    def available(self, now: datetime) -> bool:
        if self.availability == "on_duty":
            return True
        if self.availability == "until":
            return self.available_until is not None and now < self.available_until
        return False

    def as_dict(self) -> dict:
        return {"id": str(self.id), "name": self.name, "email": self.email, "roles": [r.value for r in self.roles],
                "backups": dict(self.backups), "availability": self.availability,
                "available_until": self.available_until}


def view_of(p: Person) -> PersonView:
    return PersonView(p.id, p.name, p.email, tuple(Role(r) for r in p.roles), dict(p.backups or {}),
                      p.availability, p.available_until)


#: Names the program journals its own work under: no person may take them.
RESERVED = frozenset({"system", "dispatcher"})


def _clean_name(name: str) -> str:
    inputs.check_plain(name or "", field="name", what="A person's name")
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InputError("A person's name is 1 to 200 characters.", field="name")
    if name.casefold() in RESERVED:
        raise InputError(f"{name!r} is the name War room records its own work under; choose another.", field="name")
    return name


def _clean_email(email: str | None) -> str | None:
    if not email:
        return None
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InputError(f"{email!r} is not an e-mail address: {exc}", field="email") from None


def _clean_roles(roles) -> list[str]:
    parsed = [Role.parse(r) for r in ([r for r in roles.split(",") if r.strip()] if isinstance(roles, str) else roles)]
    if Role.VIEWER in parsed and len(parsed) > 1:
        raise InputError("A viewer only reads; give either 'viewer' or other roles, not both.", field="roles")
    return [r.value for r in dict.fromkeys(parsed)]


def list_people(store: Store) -> list[PersonView]:
    with store.read() as session:
        return [view_of(p) for p in session.scalars(select(Person).order_by(func.lower(Person.name), Person.name))]


def get(store: Store, name: str) -> PersonView:
    with store.read() as session:
        p = session.scalars(select(Person).where(Person.name == " ".join(name.split()))).first()
        if p is None:
            raise NotFound(f"No person {name!r} in the people register.", field="name")
        return view_of(p)


def save(store: Store, actor: str, name: str, *, email: str | None = None, roles=None,
         backups: dict[str, str] | None = None, availability: str | None = None,
         available_until: datetime | None = None, replace_backups: bool = False) -> PersonView:
    """Add a person or change one (only the fields given). ``backups`` are merged
    into the person's others (a name of "" removes that role's backup) unless
    ``replace_backups``.

    The first person in an empty register becomes incident commander and
    administrator; after that only an administrator changes people. Nobody
    changes their own roles, and the last administrator stays one."""
    name = _clean_name(name)
    clean_email = _clean_email(email) if email is not None else None
    clean_roles = _clean_roles(roles) if roles is not None else None
    if availability is not None and availability not in AVAILABILITY:
        raise InputError(f"Availability is one of {', '.join(AVAILABILITY)}.", field="availability")
    if availability == "until" and available_until is None:
        raise InputError("Say until when: give a time with 'until'.", field="available_until")
    with store.write(actor) as tx:
        first = access.register_empty(tx.session)
        existing = tx.session.scalars(select(Person).where(Person.name == name)).first()
        own_availability = (existing is not None and name == actor and roles is None and backups is None
                            and email is None)
        if own_availability:
            access.require_member(tx)  # anyone in the register says when they can be reached
        else:
            access.require(tx, Action.PEOPLE)
        if first:
            # Somebody must be able to run incidents and add the others.
            base = [r for r in (clean_roles or []) if r != Role.VIEWER.value]
            clean_roles = list(dict.fromkeys([Role.INCIDENT_COMMANDER.value, Role.ADMINISTRATOR.value] + base))
        known = {p.name for p in tx.session.scalars(select(Person))}
        clean_backups = None
        if backups is not None:
            clean_backups = {} if (replace_backups or existing is None) else dict(existing.backups or {})
            for role, who in backups.items():
                r = Role.parse(role)
                if r not in REVIEW_ROLES:
                    raise InputError(f"Backups are for review roles ({', '.join(x.value for x in REVIEW_ROLES)}), "
                                     f"not {r.value}.", field="backups")
                if not (who or "").strip():
                    clean_backups.pop(r.value, None)
                    continue
                who = _clean_name(who)
                if who == name:
                    raise InputError("Nobody can be their own backup.", field="backups")
                if who not in known:
                    raise InputError(f"The backup {who!r} is not known yet; add them first.", field="backups")
                clean_backups[r.value] = who
        p = existing
        if clean_roles is not None and p is not None and sorted(clean_roles) != sorted(p.roles or []):
            if name == actor and not access.is_system(actor):
                raise NotPermitted("Nobody changes their own roles: ask another administrator.", field="roles")
            if Role.ADMINISTRATOR.value in (p.roles or []) and Role.ADMINISTRATOR.value not in clean_roles:
                admins = [q for q in tx.session.scalars(select(Person))
                          if Role.ADMINISTRATOR.value in (q.roles or [])]
                if len(admins) <= 1:
                    raise NotPermitted(f"{name} is the last administrator: make someone else one first.",
                                       field="roles")
        if p is None:
            p = Person(id=uuid7(), name=name, email=clean_email, roles=clean_roles or [Role.VIEWER.value],
                       backups=clean_backups or {}, availability=availability or "on_duty",
                       available_until=available_until if availability == "until" else None,
                       created_at=tx.now, updated_at=tx.now)
            tx.session.add(p)
            tx.record("person.added", view_of(p).as_dict())
        else:
            changes = {}
            for field, value in (("email", clean_email), ("roles", clean_roles), ("backups", clean_backups),
                                 ("availability", availability)):
                if value is not None and getattr(p, field) != value:
                    changes[field] = [getattr(p, field), value]
                    setattr(p, field, value)
            if availability is not None:
                until = available_until if availability == "until" else None
                if p.available_until != until:
                    changes["available_until"] = [p.available_until, until]
                    p.available_until = until
            if changes:
                p.updated_at = tx.now
                tx.record("person.changed", {"name": name, "changes": changes})
        tx.session.flush()
        return view_of(p)

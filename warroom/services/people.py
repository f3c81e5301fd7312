"""People: who uses this database, in which roles, who stands in for them, and
whether they can be reached now. (Approval workflows build on this.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from warroom.domain import REVIEW_ROLES, Role
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
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


def _view(p: Person) -> PersonView:
    return PersonView(p.id, p.name, p.email, tuple(Role(r) for r in p.roles), dict(p.backups or {}),
                      p.availability, p.available_until)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InputError("A person's name is 1 to 200 characters.")
    return name


def _clean_email(email: str | None) -> str | None:
    if not email:
        return None
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InputError(f"{email!r} is not an e-mail address: {exc}") from None


def _clean_roles(roles) -> list[str]:
    parsed = [Role.parse(r) for r in ([r for r in roles.split(",") if r.strip()] if isinstance(roles, str) else roles)]
    if Role.VIEWER in parsed and len(parsed) > 1:
        raise InputError("A viewer only reads; give either 'viewer' or other roles, not both.")
    return [r.value for r in dict.fromkeys(parsed)]


def list_people(store: Store) -> list[PersonView]:
    with store.read() as session:
        return [_view(p) for p in session.scalars(select(Person).order_by(Person.name))]


def get(store: Store, name: str) -> PersonView:
    with store.read() as session:
        p = session.scalars(select(Person).where(Person.name == " ".join(name.split()))).first()
        if p is None:
            raise NotFound(f"No person {name!r}. `warroom-cli person list` shows who is known.")
        return _view(p)


def save(store: Store, actor: str, name: str, *, email: str | None = None, roles=None,
         backups: dict[str, str] | None = None, availability: str | None = None,
         available_until: datetime | None = None) -> PersonView:
    """Add a person or change one (only the fields given)."""
    name = _clean_name(name)
    clean_email = _clean_email(email) if email is not None else None
    clean_roles = _clean_roles(roles) if roles is not None else None
    if availability is not None and availability not in AVAILABILITY:
        raise InputError(f"Availability is one of {', '.join(AVAILABILITY)}.")
    if availability == "until" and available_until is None:
        raise InputError("Say until when: give a time with 'until'.")
    with store.write(actor) as tx:
        known = {p.name for p in tx.session.scalars(select(Person))}
        clean_backups = None
        if backups is not None:
            clean_backups = {}
            for role, who in backups.items():
                r = Role.parse(role)
                if r not in REVIEW_ROLES:
                    raise InputError(f"Backups are for review roles ({', '.join(x.value for x in REVIEW_ROLES)}), "
                                     f"not {r.value}.")
                who = _clean_name(who)
                if who == name:
                    raise InputError("Nobody can be their own backup.")
                if who not in known:
                    raise InputError(f"The backup {who!r} is not known yet; add them first.")
                clean_backups[r.value] = who
        p = tx.session.scalars(select(Person).where(Person.name == name)).first()
        if p is None:
            p = Person(id=uuid7(), name=name, email=clean_email, roles=clean_roles or [Role.VIEWER.value],
                       backups=clean_backups or {}, availability=availability or "on_duty",
                       available_until=available_until if availability == "until" else None,
                       created_at=tx.now, updated_at=tx.now)
            tx.session.add(p)
            tx.record("person.added", _view(p).as_dict())
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
        return _view(p)

"""Audiences: who updates are written for. The list is data, editable."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from sqlalchemy import func, select

from warroom import inputs
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import Audience

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True, slots=True)
class AudienceView:
    id: uuid.UUID
    name: str
    label: str
    external: bool
    locale: str | None
    timezone: str | None


def _view(row: Audience) -> AudienceView:
    return AudienceView(row.id, row.name, row.label, row.external, row.locale, row.timezone)


def list_audiences(store: Store) -> list[AudienceView]:
    with store.read() as session:
        return [_view(r) for r in session.scalars(select(Audience).order_by(Audience.position, Audience.name))]


def get(store: Store, name: str) -> AudienceView:
    with store.read() as session:
        row = session.scalars(select(Audience).where(Audience.name == name.strip().lower())).first()
        if row is None:
            known = ", ".join(a.name for a in list_audiences(store))
            raise NotFound(f"Unknown audience {name!r}: choose one of {known}.")
        return _view(row)


def check_locale(locale: str) -> str:
    try:
        return str(Locale.parse(locale.strip().replace("-", "_")))
    except (ValueError, UnknownLocaleError, TypeError):
        raise InputError(f"Unknown locale {locale!r}: give e.g. en, en_GB, de or de_CH.") from None


def check_zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"Unknown time zone {zone!r}: give e.g. Europe/Berlin or America/New_York.") from None
    return zone


def save(store: Store, actor: str, name: str, *, label: str | None = None, external: bool | None = None,
         locale: str | None = None, timezone: str | None = None) -> AudienceView:
    """Add an audience or change one."""
    name = (name or "").strip().lower()
    if not _NAME.match(name):
        raise InputError("An audience name is a short word in lower case (letters, digits, - and _), e.g. key-accounts.")
    if label is not None:
        inputs.check_plain(label, field="label", what="An audience's label")
        label = " ".join(label.split())
        if not label or len(label) > 100:
            raise InputError("An audience's label is 1 to 100 characters.")
    clean_locale = check_locale(locale) if locale else None
    clean_zone = check_zone(timezone) if timezone else None
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        row = tx.session.scalars(select(Audience).where(Audience.name == name)).first()
        if row is None:
            position = (tx.session.scalar(select(func.max(Audience.position))) or 0) + 1
            row = Audience(id=uuid7(), name=name, label=(label or name.capitalize()).strip()[:100],
                           external=bool(external), locale=clean_locale, timezone=clean_zone,
                           position=position, created_at=tx.now)
            tx.session.add(row)
            tx.record("audience.added", {"name": name, "label": row.label, "external": row.external,
                                         "locale": clean_locale, "timezone": clean_zone, "id": row.id,
                                         "position": position})
        else:
            changes = {}
            for field, value in (("label", label), ("external", external), ("locale", clean_locale),
                                 ("timezone", clean_zone)):
                if value is not None and getattr(row, field) != value:
                    changes[field] = [getattr(row, field), value]
                    setattr(row, field, value)
            if changes:
                tx.record("audience.changed", {"name": name, "changes": changes})
        tx.session.flush()
        return _view(row)

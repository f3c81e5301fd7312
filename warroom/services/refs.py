"""Naming rows the way people do: an id by a unique beginning, and an update by a
short reference that can be said aloud, ``INC-1/U3`` (the third update composed
for INC-1). Both the command line and the window resolve and print them here.

An update's number is its place among its incident's updates in the order they
were composed (time, then id); it is computed, never stored."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom import ids
from warroom.errors import InputError, NotFound
from warroom.store import Store
from warroom.store.models import Delivery, Draft, Followup, Incident, Inquiry, TimelineEntry

#: What each kind of row is called, and the table it lives in.
KINDS = {"incident": Incident, "update": Draft, "delivery": Delivery, "entry": TimelineEntry, "followup": Followup,
         "inquiry": Inquiry}

#: At most this many candidates are named when a beginning matches several.
MAX_NAMED = 8

_DRAFT_REF = re.compile(r"^\s*(?:INC-)?(\d{1,9})\s*/\s*U(\d{1,9})\s*$", re.IGNORECASE)


def by_prefix(session: Session, kind: str, key: str | uuid.UUID, *, field: str | None = None,
              keep: Callable[[object], bool] | None = None, where: str = "") -> object:
    """The row of ``kind`` whose id is ``key`` or begins with it. A beginning that
    matches several is refused naming them (exit 2); ``keep`` leaves out rows the
    caller may not show. ``where`` says where the ids are listed."""
    model = KINDS[kind]
    field = field or kind
    if isinstance(key, uuid.UUID):
        row = session.get(model, key)
        if row is None or (keep is not None and not keep(row)):
            raise NotFound(f"No {kind} {key}.", field=field)
        return row
    digits = ids.typed_prefix(str(key))
    if digits is None:  # nothing is called that (NotFound is an InputError: exit 2)
        raise NotFound(f"{key!r} is not {_a(kind)} id: give its id or a unique beginning of at least "
                         f"{ids.MIN_TYPED} characters{where}.", field=field)
    if len(digits) == 32:
        rows = [r for r in (session.get(model, uuid.UUID(digits)),) if r is not None]
    else:
        low, high = ids.prefix_bounds(digits)
        rows = list(session.scalars(select(model).where(model.id.between(low, high)).order_by(model.id)
                                    .limit(200)))
    if keep is not None:
        rows = [r for r in rows if keep(r)]
    if not rows:
        raise NotFound(f"No {kind} {key}.", field=field)
    if len(rows) > 1:
        shown = short_ids(session, kind, [r.id for r in rows[:MAX_NAMED]])
        names = ", ".join(shown[r.id] for r in rows[:MAX_NAMED])
        more = f" and {len(rows) - MAX_NAMED} more" if len(rows) > MAX_NAMED else ""
        raise InputError(f"{key!r} begins the ids of {len(rows)} {_plural(kind)}: {names}{more}. "
                         "Give more of the id.", field=field)
    return rows[0]


def short_ids(session: Session, kind: str, wanted: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each id's shortest beginning (8 characters or more) that no other row of
    ``kind`` shares: what lists print, and what is accepted back."""
    wanted = list(wanted)
    if not wanted:
        return {}
    model = KINDS[kind]
    among: set[uuid.UUID] = set()
    # Only ids that share the first MIN_SHOWN digits of one wanted can make it longer.
    for head in sorted({u.hex[:ids.MIN_SHOWN] for u in wanted}):
        low, high = ids.prefix_bounds(head)
        among.update(session.scalars(select(model.id).where(model.id.between(low, high))))
    return ids.unique_prefixes(wanted, among)


def short_id_map(store: Store, kind: str, wanted: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """:func:`short_ids` in a read of its own."""
    with store.read() as session:
        return short_ids(session, kind, wanted)


# -- updates: INC-1/U3 ----------------------------------------------------------------

def draft_numbers(session: Session, incident_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """``INC-n/Um`` of every update of these incidents, by update id."""
    out: dict[uuid.UUID, str] = {}
    for incident_id in set(incident_ids):
        ref = session.scalar(select(Incident.ref).where(Incident.id == incident_id))
        rows = session.scalars(select(Draft.id).where(Draft.incident_id == incident_id)
                               .order_by(Draft.created_at, Draft.id))
        out.update({draft_id: f"{ref}/U{n}" for n, draft_id in enumerate(rows, 1)})
    return out


def draft_refs(store: Store, draft_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """``INC-n/Um`` of each update of ``draft_ids``."""
    draft_ids = set(draft_ids)
    if not draft_ids:
        return {}
    with store.read() as session:
        incident_ids = set(session.scalars(select(Draft.incident_id).where(Draft.id.in_(draft_ids))))
        numbers = draft_numbers(session, incident_ids)
    return {d: numbers[d] for d in draft_ids if d in numbers}


def draft_names(store: Store, draft_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """Each update's ``INC-n/Um`` and short id, as lists print them."""
    draft_ids = list(draft_ids)
    numbers = draft_refs(store, draft_ids)
    short = short_id_map(store, "update", draft_ids)
    return {d: (numbers.get(d, "?"), short[d]) for d in draft_ids}


def find_draft(session: Session, key: str | uuid.UUID, *, keep: Callable[[object], bool] | None = None) -> Draft:
    """An update by ``INC-n/Um``, or by its id or a unique beginning of it."""
    m = _DRAFT_REF.match(key) if isinstance(key, str) else None
    if m is None:
        return by_prefix(session, "update", key, field="draft", keep=keep,
                         where=", or INC-1/U3 (the update list shows both)")
    ref, number = f"INC-{int(m.group(1))}", int(m.group(2))
    incident_id = session.scalar(select(Incident.id).where(Incident.ref == ref))
    rows = [] if incident_id is None else list(session.scalars(
        select(Draft).where(Draft.incident_id == incident_id).order_by(Draft.created_at, Draft.id)))
    if not 1 <= number <= len(rows) or (keep is not None and not keep(rows[number - 1])):
        raise NotFound(f"No update {ref}/U{number}.", field="draft")
    return rows[number - 1]


def _a(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _plural(kind: str) -> str:
    return {"delivery": "deliveries", "entry": "entries", "inquiry": "inquiries"}.get(kind, kind + "s")

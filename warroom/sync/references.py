"""Incident references (``INC-n``) made on laptops that could not see each other.

A laptop numbers the incidents it opens from its own counter, so two laptops
working apart may both open ``INC-4``. Every such reference is provisional until
the laptops meet (through the server, or a bundle), and this is the rule that
settles it, the same on every laptop whatever order the events arrive in:

1. **Who keeps the number.** Of two incidents claiming one reference, the one whose
   claim came first by (event time, event id) keeps it; a claim is the event that
   gave the incident the reference (``incident.opened`` or ``incident.renumbered``).
   The same rule serves the server and bundles: a server's cursor order is not
   known to a laptop that imported a bundle, and an order that depended on who
   synced first would let two laptops disagree.
2. **The other one at once.** The appliers give the incident that lost a provisional
   reference on the spot: its number and the end of its id (``INC-4~9F3A0C12``),
   unique and the same on every laptop, so nothing clashes and nothing is dropped.
3. **Its own laptop renumbers it.** After a pull or a bundle import, the laptop
   whose device opened that incident (only that one, so it happens once) records
   ``incident.renumbered`` with the next free number of its counter: the journal
   keeps both numbers (``from`` and ``to``), and the timeline says
   "INC-4 is now INC-5". If two laptops renumber into the same number at the same
   time, rule 1 settles that too.

The appliers of ``incident.opened`` and ``incident.renumbered`` call :func:`take`;
:func:`settle` is step 3.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.domain import EntryKind
from warroom.identity import SYSTEM
from warroom.store import Store
from warroom.store.models import Incident, JournalEvent, Meta, TimelineEntry

#: Marks a reference the appliers gave while the incident's own laptop renumbers it.
PROVISIONAL = "~"
CLAIMS = ("incident.opened", "incident.renumbered")


def provisional(ref: str, incident_id: uuid.UUID) -> str:
    return f"{ref}{PROVISIONAL}{incident_id.hex[-8:].upper()}"


def is_provisional(ref: str) -> bool:
    return PROVISIONAL in ref


def _claim(session: Session, incident: Incident, skip: uuid.UUID) -> tuple[datetime, str]:
    """When the incident got its current reference: (time, event id) of the claim."""
    best: tuple[datetime, str] | None = None
    for row in session.scalars(select(JournalEvent).where(JournalEvent.incident_id == incident.id,
                                                          JournalEvent.kind.in_(CLAIMS))):
        if row.id == skip:
            continue
        payload = json.loads(row.payload)
        if (payload.get("ref") if row.kind == "incident.opened" else payload.get("to")) == incident.ref:
            stamp = (row.at, str(row.id))
            best = stamp if best is None or stamp < best else best
    if best is None:                # written in this transaction, before its journal row
        return (incident.declared_at, "")
    return best


def take(session: Session, incident_id: uuid.UUID, ref: str, at: datetime, event_id: uuid.UUID) -> str:
    """The reference the incident gets from a claim of ``ref`` at (``at``, ``event_id``):
    ``ref`` itself when no other incident has it or when this claim is earlier (the
    other one then gets a provisional reference), else a provisional one."""
    holder = session.scalars(select(Incident).where(Incident.ref == ref, Incident.id != incident_id)).first()
    if holder is None:
        return ref
    if (at, str(event_id)) < _claim(session, holder, event_id):
        holder.ref = provisional(ref, holder.id)
        session.flush()
        return ref
    return provisional(ref, incident_id)


def renumbered_text(old: str, new: str) -> str:
    return f"{old} is now {new}: another laptop had opened an incident as {old} at the same time."


def settle(store: Store) -> list[str]:
    """Renumber the incidents this device opened that hold a provisional reference;
    returns "INC-4 → INC-5" for each."""
    done: list[str] = []
    with store.write(SYSTEM, warn_ms=None) as tx:
        session = tx.session
        waiting = session.scalars(select(Incident).where(Incident.ref.contains(PROVISIONAL))
                                  .order_by(Incident.declared_at, Incident.id)).all()
        for incident in waiting:
            opened = session.scalars(select(JournalEvent).where(JournalEvent.incident_id == incident.id,
                                                                JournalEvent.kind == "incident.opened")).first()
            if opened is None or opened.device_id != store.device_id:
                continue
            old = incident.ref.split(PROVISIONAL, 1)[0]
            meta = session.get(Meta, "next_incident_number")
            number = int(meta.value)
            meta.value = str(number + 1)
            new = f"INC-{number}"
            text = renumbered_text(old, new)
            entry = TimelineEntry(id=uuid.uuid5(incident.id, f"renumbered:{old}:{new}"), incident_id=incident.id,
                                  kind=EntryKind.NOTE.value, text=text, author=tx.actor, occurred_at=tx.now, recorded_at=tx.now, edited_at=None)
            session.add(entry)
            incident.ref, incident.updated_at = new, tx.now
            tx.record("incident.renumbered", {"from": old, "to": new, "provisional": provisional(old, incident.id),
                                              "entry_id": entry.id, "entry_text": text}, incident_id=incident.id)
            done.append(f"{old} → {new}")
    return done

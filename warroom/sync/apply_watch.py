"""Appliers of the vendor status watch (:mod:`warroom.inbound.feeds`): the providers
watched and what was seen of each, so a change a laptop recorded is not recorded
again by another once they are in step. The timeline entries a look logged are
``timeline.logged`` events of their own. How a device polls (its validators, its
back-off) is its own and never travels."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warroom.store.models import WatchProvider, WatchSeen
from warroom.sync.apply_base import Applier, Event, as_uuid, change, put
from warroom.sync.apply_config import clash_name


def write_provider(session: Session, key: uuid.UUID, *, name: str, url: str, kind: str, aliases: list[str],
                   every_s: int, at: datetime) -> WatchProvider:
    """The provider row as its ``watch.added`` event says (a name another laptop took
    meanwhile: the one added first keeps it, the other gets ``name~ID``)."""
    holder = session.scalars(select(WatchProvider).where(WatchProvider.name == name,
                                                         WatchProvider.id != key)).first()
    if holder is not None:
        if (holder.created_at, str(holder.id)) > (at, str(key)):
            holder.name = clash_name(name, holder.id, 80)
            session.flush()
        else:
            name = clash_name(name, key, 80)
    row = session.get(WatchProvider, key)
    if row is None:
        row = WatchProvider(id=key, name=name, url=url, kind=kind, aliases=list(aliases), every_s=every_s,
                            state={}, observed_at=None, created_at=at, updated_at=at)
        session.add(row)
        return row
    return change(session, WatchProvider, key, name=name, url=url, kind=kind, aliases=list(aliases),
                  every_s=every_s, updated_at=at)


def write_seen(session: Session, provider_id: uuid.UUID, seen: Mapping[str, str], dropped: Iterable[str],
               state: dict[str, Any], at: datetime) -> None:
    """What a look saw: seen keys set, vanished ones dropped, the provider's state."""
    change(session, WatchProvider, provider_id, state=dict(state), observed_at=at)
    for key, value in seen.items():
        put(session, WatchSeen, (provider_id, key), value=value)
    gone = list(dropped)
    if gone:
        session.execute(delete(WatchSeen).where(WatchSeen.provider_id == provider_id, WatchSeen.key.in_(gone)))


def _added(session: Session, ev: Event) -> None:
    write_provider(session, as_uuid(ev.need("provider_id")), name=ev.need("name"), url=ev.need("url"),
                   kind=ev.need("kind"), aliases=list(ev.need("aliases")), every_s=int(ev.need("every_s")),
                   at=ev.at)


def _removed(session: Session, ev: Event) -> None:
    row = session.get(WatchProvider, as_uuid(ev.need("provider_id")))
    if row is not None:
        session.delete(row)


def _observed(session: Session, ev: Event) -> None:
    provider_id = as_uuid(ev.need("provider_id"))
    if session.get(WatchProvider, provider_id) is None:
        return  # removed on another laptop meanwhile: nothing left to keep it on
    write_seen(session, provider_id, dict(ev.need("seen")), list(ev.need("dropped")), dict(ev.need("state")),
               ev.at)


APPLIERS: dict[str, Applier] = {
    "watch.added": _added,
    "watch.removed": _removed,
    "watch.observed": _observed,
}

"""The journal check: every chain walked, the tables compared with the journal,
and (on request, or when the journal cannot be read) where the file is damaged:
SQLite's own integrity check and every value that cannot be decoded. The window
and the command line both call :func:`check`, so they cannot disagree on what
"intact" means."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from warroom import devicekey
from warroom.errors import StoreDamaged
from warroom.journal import verify
from warroom.store import Store
from warroom.store.damage import scan
from warroom.store.models import TrustedKey


@dataclass(frozen=True, slots=True)
class Report:
    devices: int
    events: int
    #: What is wrong, the first break first: "…", "state: …", "storage: …".
    problems: tuple[str, ...]
    first_bad_event: str | None
    #: What the check cannot vouch for without it being wrong (unsigned events, a signer it cannot confirm).
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def check(store: Store, *, storage: bool = False,
          progress: Callable[[int, int], None] | None = None) -> Report:
    """``progress(done, total)`` every few thousand events; it may raise to stop."""
    own = devicekey.own_public(store.device_id)
    try:
        with store.read() as session:
            trusted = frozenset(session.scalars(select(TrustedKey.public_key)))
            report = verify(session, progress=progress, own_key=own, trusted_keys=trusted)
            problems = [str(p) for p in report.problems] + [f"state: {m}" for m in report.mismatches]
    except StoreDamaged as exc:
        return damaged(store.path, f"the journal and the tables cannot be read ({exc.detail})")
    except json.JSONDecodeError:
        return damaged(store.path, "a journal event's payload is not JSON")
    if storage:
        problems += [f"storage: {line}" for line in scan(store.path)]
    first = str(report.first.event_id) if report.first and report.first.event_id else None
    return Report(report.devices, report.events, tuple(problems), first, tuple(report.notes))


def damaged(path: Path, why: str) -> Report:
    """The report on a file too damaged to check its journal: why, then where SQLite
    and the decoder find it damaged (table, row and column, never the bytes)."""
    return Report(0, 0, (f"storage: {why}",) + tuple(f"storage: {line}" for line in scan(path)), None)

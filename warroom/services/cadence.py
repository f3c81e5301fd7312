"""Update cadence: how often stakeholders hear from us, per severity (the review policy is in review_rules)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from warroom.domain import DEFAULT_UPDATE_INTERVALS, Severity
from warroom.errors import InputError
from warroom.services import access
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import SeverityPolicy

#: A number (the digits 0-9 only: float() takes any script's) and a unit.
_INTERVAL = re.compile(r"[0-9]+(\.[0-9]+)?\s*[smhd]?", re.ASCII)
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(days=7)


def update_intervals(store: Store) -> dict[Severity, timedelta]:
    with store.read() as session:
        return intervals_in(session)


def intervals_in(session) -> dict[Severity, timedelta]:
    rows = session.scalars(select(SeverityPolicy)).all()
    policy = dict(DEFAULT_UPDATE_INTERVALS)
    for row in rows:
        policy[Severity(row.severity)] = timedelta(seconds=row.update_interval_s)
    return policy


def set_update_interval(store: Store, actor: str, severity: str | Severity, interval: timedelta) -> None:
    sev = Severity.parse(severity)
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise InputError(f"An update interval must be between {MIN_INTERVAL} and 7 days; {interval} is not.")
    with store.write(actor) as tx:
        access.require(tx, Action.CADENCE)
        row = tx.session.get(SeverityPolicy, sev.value)
        old = row.update_interval_s if row else int(DEFAULT_UPDATE_INTERVALS[sev].total_seconds())
        if row is None:
            tx.session.add(SeverityPolicy(severity=sev.value, update_interval_s=int(interval.total_seconds())))
        else:
            row.update_interval_s = int(interval.total_seconds())
        tx.record("policy.interval_set", {"severity": sev.value, "old_s": old,
                                          "new_s": int(interval.total_seconds())})


def parse_interval(text: str) -> timedelta:
    """``30s``, ``30m``, ``1h``, ``4h``, ``1d``, ``90`` (minutes)."""
    raw = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not _INTERVAL.fullmatch(raw):
        raise InputError(f"Cannot read the interval {text!r}: give e.g. 30m, 1h, 4h or 1d.")
    try:
        if raw and raw[-1] in units:
            return timedelta(seconds=float(raw[:-1]) * units[raw[-1]])
        return timedelta(minutes=float(raw))
    except (ValueError, OverflowError):
        raise InputError(f"Cannot read the interval {text!r}: give e.g. 30m, 1h, 4h or 1d.") from None

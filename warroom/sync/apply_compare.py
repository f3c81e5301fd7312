"""What two databases must agree on once they applied the same events: every state
table, row by row, except what belongs to one device (:data:`DEVICE_LOCAL`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from warroom.store.models import Base

#: Tables that are not state: the journal itself and each chain's head.
NOT_STATE = {
    "journal_event": "the journal: what is applied, not what applying makes",
    "device": "each chain's head and signature: sync bookkeeping, ingested with the events",
    "sync_server": "this database's own server address and login",
    "sync_pushed": "how far this device has pushed: its own bookkeeping",
    "sync_refusal": "what the server refused this device: its own bookkeeping",
    "sync_hidden": "chain links of events this login may not read: its own bookkeeping",
    "watch_poll": "how this device polls each watched provider (validators, back-off, last error)",
}

#: Device-local columns (and rows), never carried by an event, with the reason for each.
DEVICE_LOCAL: dict[str, str] = {
    "meta[device_id]": "the identity of the database's own device",
    "channel.state": "a channel's health as this device's dispatchers saw it (ok, retrying, limited, down); "
                     "only whether the channel is removed is shared",
    "channel.failures": "this device's consecutive failures on the channel (its circuit breaker)",
    "channel.opened_at": "when this device's breaker for the channel opened",
    "channel.last_error": "the last error this device's dispatchers met on the channel",
    "channel.last_ok_at": "when this device last got through on the channel",
    "channel.paused_until": "a vendor's Retry-After as this device was told it",
    "channel.rate_tat": "the vendor's rate as this device's dispatchers spend it",
    "channel.updated_at": "moved by every health change above as well as by configuration",
    "delivery.lease_owner": "the dispatcher process on this device that claimed the delivery",
    "delivery.lease_until": "how long that claim lasts",
}


def state_tables() -> list[Any]:
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_STATE]


def _shared(table: str, column: str, value: Any) -> Any:
    if table == "channel" and column == "state":
        return value == "removed"
    return value


def snapshot(session) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every state table's rows by primary key, without the device-local columns."""
    out: dict[str, dict[Any, dict[str, Any]]] = {}
    for table in state_tables():
        keys = [c.name for c in table.primary_key.columns]
        rows: dict[Any, dict[str, Any]] = {}
        for row in session.execute(select(table)).mappings():
            key = tuple(row[k] for k in keys)
            if table.name == "meta" and f"meta[{row['key']}]" in DEVICE_LOCAL:
                continue
            rows[key] = {c: _shared(table.name, c, v) for c, v in row.items()
                         if f"{table.name}.{c}" not in DEVICE_LOCAL}
        out[table.name] = rows
    return out


def differences(a: dict, b: dict, limit: int = 30) -> list[str]:
    """Where two snapshots disagree, each named by table, key and column."""
    out: list[str] = []
    for table in a.keys() | b.keys():
        left, right = a.get(table, {}), b.get(table, {})
        for key in sorted(left.keys() ^ right.keys(), key=str):
            out.append(f"{table} {key}: only in {'the first' if key in left else 'the second'}")
        for key in sorted(left.keys() & right.keys(), key=str):
            for column, value in left[key].items():
                if right[key].get(column) != value:
                    out.append(f"{table} {key}.{column}: {value!r} != {right[key].get(column)!r}")
    return sorted(out)[:limit]

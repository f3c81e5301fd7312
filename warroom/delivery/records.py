"""Deliveries as the journal carries them, so another device writes the same rows.

A delivery on its own (a retraction's correction, a failover's new row) is one
*record*: its columns (:data:`RECORD_COLUMNS`). The deliveries one publish queues
on one channel differ only in their id, recipient and address (and the message's
``delivery_id``, which is the delivery's own id), so ``update.published`` carries
them as *groups*: once what they share, then per delivery what is its own
(:func:`group`). Each expands to the same records (:func:`expand`). Events written
before groups carry every record whole (``delivery_rows``); :func:`published`
reads both."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

#: A delivery's columns as its journal event carries them (the lease is this device's own).
RECORD_COLUMNS = ("id", "incident_id", "draft_id", "channel_id", "audience", "recipient", "address", "message",
                  "state", "attempts", "next_attempt_at", "last_error", "receipt", "failover_from", "route",
                  "exercise", "priority", "created_at", "queued_at", "updated_at", "delivered_at")
#: What each delivery of a group has of its own; every other column is the group's.
OWN_COLUMNS = ("id", "recipient", "address")


def group(shared: Mapping[str, Any], rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Deliveries that share every column but their own (:data:`OWN_COLUMNS`) as the
    journal carries them; ``shared["message"]`` is their message but for its
    ``delivery_id``, which is each delivery's id."""
    common = {name: shared[name] for name in RECORD_COLUMNS if name not in OWN_COLUMNS}
    common["message"] = dict(common["message"], delivery_id=None)
    return {"shared": common, "rows": [{name: row[name] for name in OWN_COLUMNS} for row in rows]}


def expand(grouped: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The records of a group, in its order."""
    shared = grouped["shared"]
    message = shared["message"]
    for row in grouped["rows"]:
        yield {**shared, **{name: row[name] for name in OWN_COLUMNS},
               "message": dict(message, delivery_id=str(row["id"]))}


def published(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every delivery an ``update.published`` event queued, as records (none when it names none)."""
    if "delivery_groups" in payload:
        return [record for grouped in payload["delivery_groups"] for record in expand(grouped)]
    return list(payload.get("delivery_rows") or ())

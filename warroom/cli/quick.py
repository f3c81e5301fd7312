"""Read commands answered before the database layer is imported.

``incident list`` is what a script or a person runs most; SQLAlchemy and the models
cost most of its time. :mod:`warroom.firstscreen` reads the list with the standard
library's ``sqlite3``, through the rules the services use (:mod:`warroom.views`),
and says None for anything it is not sure of (a new, older or damaged file, a person
the register does not know): then the command runs through the store, which upgrades,
refuses or explains.
"""

from __future__ import annotations

from pathlib import Path

from warroom.cli.common import EXIT_OK, Output, utc
from warroom.views import IncidentView


def incident_list(db: Path, args, out: Output) -> int | None:
    from warroom import firstscreen

    rows = firstscreen.incidents(db, args.actor, include_resolved=not args.active)
    return None if rows is None else print_incidents(rows, out)


def print_incidents(rows: list[IncidentView], out: Output) -> int:
    """``INC-1    SEV1  Investigating  2026-12-06 01:03 UTC  Title``, or the rows as JSON."""
    if out.as_json:
        out.data([r.as_dict() for r in rows])
        return EXIT_OK
    if not rows:
        print("No incidents.")
    for r in rows:
        print(f"{r.ref:<8} {r.severity.value:<5} {r.status.label:<13} {utc(r.detected_at)}  {r.title}")
    return EXIT_OK

"""The people most tests act as: one for every role, under the names the tests use.

A test that adds people gets a closed register, where every actor must be known
and hold the role an action needs; :func:`team` registers this cast in one call
(the first person, "admin", becomes incident commander and administrator, as
the first person in any register does).
"""

from __future__ import annotations

from warroom.identity import SYSTEM
from warroom.services import people

#: name -> roles
CAST: dict[str, str] = {
    "admin": "administrator",
    "Dana": "incident_commander",
    "Sam": "communications_owner",
    "Sam Writer": "communications_owner",
    "Tess Tester": "communications_owner,administrator",   # WARROOM_USER in the tests
    "Ravi Shah": "technical_reviewer",
    "Mia Lindqvist": "comms_reviewer",
    "Lea Braun": "legal_reviewer",
    "Vic Viewer": "viewer",
}


def team(store, **more: str) -> dict[str, str]:
    """Register the cast (and ``more``: name=roles, with ``_`` for spaces in names);
    returns who was registered with which roles."""
    cast = dict(CAST)
    cast.update({name.replace("_", " "): roles for name, roles in more.items()})
    for name, roles in cast.items():
        people.save(store, SYSTEM, name, roles=roles)
    return cast


def team_file(db_path, **more: str) -> dict[str, str]:
    """:func:`team` on a database file (for command-line tests, before the first command)."""
    from warroom.app import open_store

    store = open_store(db_path)
    try:
        return team(store, **more)
    finally:
        store.close()

"""Who is using War room: ``--as``, then ``WARROOM_USER``, then the login name."""

from __future__ import annotations

import getpass
import os

from warroom import inputs
from warroom.errors import InputError


class System(str):
    """The program acting by itself (a string, so it journals as its name).

    Only code makes one; a name from ``--as`` or the window is a plain ``str``
    and never passes as the system, whatever it says."""

    __slots__ = ()


#: Work the program does by itself: shipped templates, the review sweep, demos.
SYSTEM = System("system")


class Source(str):
    """An inbound source acting (a PagerDuty account, an Alertmanager): a string, so
    it journals as its name. Neither a person nor the program: it may declare, move
    status and severity, log and compose an update and submit it for review, and
    nothing else; it never reviews, approves, overrides or publishes (see
    :data:`warroom.services.access.SOURCE_MAY`). Only code makes one."""

    __slots__ = ()


class LogOnly(System):
    """The program acting for a source outside War room (a vendor's status feed): it
    may read incidents and log timeline entries on them, and nothing else, whatever
    the source says."""

    __slots__ = ()


def is_source(actor: object) -> bool:
    return isinstance(actor, Source)


#: The vendor status watch (:mod:`warroom.inbound.feeds`): it only logs.
WATCH = LogOnly("status watch")


def is_system(actor: object) -> bool:
    return isinstance(actor, System)


def skips_checks(actor: object) -> bool:
    """A System actor trusted with any change (not a :class:`LogOnly` one, which passes
    the permission table like a person)."""
    return isinstance(actor, System) and not isinstance(actor, LogOnly)


def current_actor(arg: str | None = None) -> str:
    name = arg or os.environ.get("WARROOM_USER")
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no user database entry (containers)
            name = "unknown"
    inputs.check_plain(name, field="actor", what="The name given with --as or WARROOM_USER")
    name = " ".join(name.split())
    if not name:
        raise InputError("Say who you are with --as NAME or WARROOM_USER.")
    if len(name) > 200:
        raise InputError("The name given with --as or WARROOM_USER is too long (over 200 characters).")
    return name

"""Errors a user can act on.

Every service raises a subclass of :class:`WarroomError` whose message says what
went wrong and what to do next. The command line maps them to exit codes, the
window shows them in a dialog.
"""

from __future__ import annotations


class WarroomError(Exception):
    """Base class: the message is meant for the user."""

    exit_code = 2


class InputError(WarroomError):
    """The user gave something the service cannot accept (exit code 2)."""


class NotFound(InputError):
    """A named thing (incident, entry, ...) does not exist."""


class TransitionError(InputError):
    """A status change that the status vocabulary does not allow."""


class StoreError(WarroomError):
    """The database cannot be opened or used; it is left untouched."""


class CheckFailed(WarroomError):
    """A check (journal verification, ...) found a problem (exit code 1)."""

    exit_code = 1

"""Errors a user can act on.

Every service raises a subclass of :class:`WarroomError` whose message says what
went wrong and what to do next. The command line maps them to exit codes, the
window shows them in a dialog.
"""

from __future__ import annotations


class WarroomError(Exception):
    """Base class: the message is meant for the user. ``field`` names what it is
    about (``title``, ``severity``, ``actor``…), so a form can mark that field."""

    exit_code = 2

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InputError(WarroomError):
    """The user gave something the service cannot accept (exit code 2)."""


class NotFound(InputError):
    """A named thing (incident, entry, ...) does not exist."""


class BadRows(InputError):
    """An import of which nothing was written: ``rows`` names every bad row at once
    as (number, field, message), so the file is fixed in one go."""

    def __init__(self, source: str, rows: list[tuple[int, str | None, str]], *, unit: str = "line") -> None:
        self.rows = list(rows)
        count = len({n for n, _, _ in self.rows})
        fields = {f for _, f, _ in self.rows}
        super().__init__(f"{source}: {count} bad {unit}{'' if count == 1 else 's'}; nothing was imported.\n"
                         + "\n".join(f"  {message}" for _, _, message in self.rows),
                         field=fields.pop() if len(fields) == 1 else "file")


class TransitionError(InputError):
    """A status change that the status vocabulary does not allow."""


class NotPermitted(WarroomError):
    """The actor may not do this: the message names the role needed (exit code 3)."""

    exit_code = 3


class StoreError(WarroomError):
    """The database cannot be opened or used; it is left untouched."""


class StoreBusy(StoreError):
    """Another program held the database's write lock longer than War room waits."""


class StoreReadOnly(StoreError):
    """The database file, or the folder it lives in, cannot be written."""


class StoreFull(StoreError):
    """The disk (or the database's size limit) is full: the change was not saved."""


class StoreDamaged(StoreError):
    """The file is damaged: the only fault whose advice is a backup. ``detail`` says
    what was found, without the advice."""

    def __init__(self, message: str = "", *, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail or message


class CheckFailed(WarroomError):
    """A check (journal verification, ...) found a problem (exit code 1)."""

    exit_code = 1

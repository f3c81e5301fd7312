"""Run one ``warroom-cli`` command: parse, open the store, call the command's
handler, and turn what went wrong into a message and an exit code.

Nothing heavy is imported before the arguments are parsed: ``--version`` and
``--help`` never load SQLAlchemy, the models or a service."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence

from warroom.cli.common import EXIT_CHECK, EXIT_INTERNAL, Output, terminal_safe
from warroom.cli.parser import build_parser
from warroom.errors import CheckFailed, InputError, StoreDamaged, WarroomError
from warroom.identity import current_actor

#: The handler that checks the journal: it still reports on a database too damaged to open.
VERIFY = "timeline:cmd_verify"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever it prints is safe for a terminal (:func:`terminal_safe`).
    A reader that stops reading (``warroom-cli … | head``) ends the command quietly."""
    try:
        with terminal_safe():
            try:
                return run(argv)
            finally:  # also after --help and --version (SystemExit): a closed pipe shows here, not at exit
                sys.stdout.flush()
    except BrokenPipeError:
        return end_on_closed_pipe()


def end_on_closed_pipe() -> int:
    """End as a program does whose reader went away: no message, and where there
    are signals, the status of one ended by SIGPIPE (141 in a shell)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere, without a second error
    except (OSError, ValueError):
        pass
    sigpipe = getattr(signal, "SIGPIPE", None)
    if sigpipe is not None:
        signal.signal(sigpipe, signal.SIG_DFL)
        os.kill(os.getpid(), sigpipe)
    return 128 + 13


def handler_of(args: argparse.Namespace, named: str | None = None) -> Callable:
    """The function a command names as ``module:function`` (its handler, or ``named``),
    its group's module imported now."""
    module, _, name = (named or args.handler).partition(":")
    return getattr(importlib.import_module(f"warroom.cli.{module}"), name)


def run(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    as_json = getattr(args, "json", False)
    out = Output(as_json)
    # A command runs (not --help, not --version): now the log, the paths and the store are needed.
    import logging

    from warroom import logs, paths

    logs.setup()
    log = logging.getLogger("warroom.cli")

    try:
        check_arguments(args)
        args.actor = current_actor(getattr(args, "actor", None))
        quick = getattr(args, "quick", None)
        if quick is not None and not getattr(args, "no_store", False):
            # A read the standard library's sqlite3 answers (warroom.firstscreen), before
            # SQLAlchemy is imported; None when the store must be asked after all.
            code = handler_of(args, quick)(paths.resolve_db_path(getattr(args, "db", None)), args, out)
            if code is not None:
                return code
        func = handler_of(args)
        if getattr(args, "no_store", False):  # checks an archive anyone can verify, no database needed
            code = func(None, args, out)
        else:
            from warroom.app import open_store
            from warroom.clock import SystemClock

            db = paths.resolve_db_path(getattr(args, "db", None))
            with open_store(db, clock=SystemClock()) as store:
                code = func(store, args, out)
    except BrokenPipeError:
        raise
    except CheckFailed as exc:
        error(str(exc), as_json)
        return EXIT_CHECK
    except StoreDamaged as exc:
        if args.handler != VERIFY:
            error(str(exc), as_json)
            return exc.exit_code
        # Too damaged to open: the check still says where.
        from warroom.cli.timeline import print_verify
        from warroom.services import integrity

        db = paths.resolve_db_path(getattr(args, "db", None))
        return print_verify(integrity.damaged(db, f"the database cannot be opened ({exc.detail})"), out)
    except WarroomError as exc:
        error(str(exc), as_json, rows=getattr(exc, "rows", None))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not _database_error(exc):
            log.exception("unexpected error")
            error(f"Unexpected error: {exc}. Details are in the log ({paths.log_dir()}).", as_json)
            return EXIT_INTERNAL
        from warroom.store.faults import translate as translate_fault

        log.exception("database error")
        fault = translate_fault(exc, paths.resolve_db_path(getattr(args, "db", None)))
        error(str(fault) if fault is not None else
              f"The database reported an error: {exc.orig}. `warroom-cli verify --integrity` checks the "
              "file.", as_json)
        return fault.exit_code if fault is not None else EXIT_CHECK
    return code


def _database_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's (SQLAlchemy's, imported only once a command needed it)."""
    sql_errors = sys.modules.get("sqlalchemy.exc")
    return sql_errors is not None and isinstance(exc, sql_errors.DatabaseError)


def check_arguments(args: argparse.Namespace) -> None:
    """Bytes that are not UTF-8 arrive as surrogates: refuse them once, here."""
    for name, value in vars(args).items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(f"The {name.replace('_', ' ')} argument is not valid UTF-8 text.") from None


def error(message: str, as_json: bool, *, rows: list[tuple[int, str | None, str]] | None = None) -> None:
    """The message on standard error; with ``--json``, a JSON object (an import's
    bad rows each as row, field and message)."""
    if as_json:
        data: dict = {"error": message}
        if rows:
            data["rows"] = [{"row": n, "field": f, "message": m} for n, f, m in rows]
        print(json.dumps(data, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"warroom-cli: {message}", file=sys.stderr)

"""``warroom-cli followup add|list|done|reopen|edit``: an incident's follow-up actions."""

from __future__ import annotations

import sys

from warroom.cli.common import EXIT_OK, Output
from warroom.errors import InputError
from warroom.services import followups
from warroom.services.followups import FollowupView
from warroom.store import Store


def _line(f: FollowupView) -> str:
    state = "done" if f.done else ("OVERDUE" if f.overdue else "open")
    return f"{f.ref:<12} {state:<8} due {f.due.isoformat()}  {f.owner:<20} {f.text}"


def _warn(f: FollowupView) -> None:
    warning = followups.due_warning(f)
    if warning:
        print(f"warroom-cli: warning: {warning}", file=sys.stderr)


def cmd_add(store: Store, args, out: Output) -> int:
    f = followups.add_followup(store, args.actor, args.incident, args.text, owner=args.owner, due=args.due)
    out.data(f.as_dict(), f"Added {f.ref}: {f.text} (owner {f.owner}, due {f.due.isoformat()})")
    _warn(f)
    return EXIT_OK


def cmd_list(store: Store, args, out: Output) -> int:
    rows = followups.list_followups(store, args.incident, viewer=args.actor)
    if out.as_json:
        out.data([f.as_dict() for f in rows])
        return EXIT_OK
    for f in rows:
        print(_line(f))
    if not rows:
        print("No follow-up actions yet.")
    late = sum(1 for f in rows if f.overdue)
    if late:
        print(f"{late} overdue.")
    return EXIT_OK


def cmd_done(store: Store, args, out: Output) -> int:
    f = followups.mark_done(store, args.actor, args.followup)
    out.data(f.as_dict(), f"{f.ref} done: {f.text}")
    return EXIT_OK


def cmd_reopen(store: Store, args, out: Output) -> int:
    f = followups.reopen(store, args.actor, args.followup)
    out.data(f.as_dict(), f"{f.ref} open again: {f.text}")
    return EXIT_OK


def cmd_edit(store: Store, args, out: Output) -> int:
    if args.text is None and args.owner is None and args.due is None:
        raise InputError("Say what to change: --text, --owner or --due.")
    before = followups.get(store, args.followup, viewer=args.actor)
    f = followups.edit_followup(store, args.actor, args.followup, text=args.text, owner=args.owner, due=args.due)
    out.data(f.as_dict(), _line(f))
    if f.due != before.due:
        _warn(f)
    return EXIT_OK

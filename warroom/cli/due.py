"""``warroom-cli due``: which audiences are owed an update soon, or are overdue.

Exit 1 when an update is overdue (for scripts and monitors), 0 otherwise."""

from __future__ import annotations

from warroom.cli.common import EXIT_CHECK, EXIT_OK, Output, utc
from warroom.store import Store


def _left(seconds: float) -> str:
    from datetime import timedelta

    from warroom.text.durations import duration_text

    text = duration_text(timedelta(seconds=seconds), "clock")
    return f"overdue by {text}" if seconds <= 0 else f"in {text}"


def cmd_due(store: Store, args, out: Output) -> int:
    from warroom.services import reminders

    items = reminders.reminders(store, viewer=args.actor)
    if not args.all:
        items = reminders.pressing(items)
    overdue = any(r.overdue for r in items)
    if out.as_json:
        out.data({"overdue": overdue, "due": [r.as_json() for r in items]})
        return EXIT_CHECK if overdue else EXIT_OK
    for r in items:
        exercise = "  EXERCISE" if r.exercise else ""
        print(f"{r.state.upper():9}  {r.ref}  {r.severity}  {r.who:<12}  due {utc(r.due_at)}  "
              f"({_left(r.left_s)}){exercise}  {r.title}")
    if not items:
        print("Nothing due in the next "
              f"{int(reminders.SOON.total_seconds() // 60)} minutes." + ("" if args.all else
                                                                         " (--all lists every next update.)"))
    return EXIT_CHECK if overdue else EXIT_OK


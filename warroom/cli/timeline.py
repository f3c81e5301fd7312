"""``warroom-cli log``, ``edit-entry``, ``timeline``, ``export`` and ``verify``."""

from __future__ import annotations

import sys
from typing import Any

from warroom.cli.common import EXIT_CHECK, EXIT_OK, Output, read_text_arg, utc, write_out
from warroom.errors import InputError
from warroom.services import export as export_service
from warroom.services import refs, timeline
from warroom.store import Store
from warroom.text.timeparse import parse_when


def cmd_log(store: Store, args, out: Output) -> int:
    text = read_text_arg(args.text, args.file)
    at = parse_when(args.at, now=store.clock.now()) if args.at else None
    e = timeline.log(store, args.actor, args.incident, text, kind=args.kind, at=at)
    out.data(e.as_dict(), f"Logged {e.kind.label.lower()} at {utc(e.occurred_at)}.")
    return EXIT_OK


def cmd_edit_entry(store: Store, args, out: Output) -> int:
    text = read_text_arg(args.text, args.file)
    e = timeline.edit(store, args.actor, args.entry, text)
    out.data(e.as_dict(), "Entry updated; the previous text is kept in the journal.")
    return EXIT_OK


def cmd_timeline(store: Store, args, out: Output) -> int:
    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be 1 or more.")
    rows = timeline.entries(store, args.incident, viewer=args.actor, kind=args.kind, search=args.search,
                            limit=args.limit)
    if out.as_json:
        out.data([r.as_dict() for r in rows])
        return EXIT_OK
    short = refs.short_id_map(store, "entry", [r.id for r in rows]) if args.ids else {}
    width = max((len(v) for v in short.values()), default=0)
    for r in rows:
        edited = " (edited)" if r.edited_at else ""
        head = f"{short[r.id]:<{width}}  " if args.ids else ""
        print(f"{head}{r.occurred_at:%Y-%m-%d %H:%M:%S}Z  {r.kind.label:<14} {r.author:<16} {r.text}{edited}")
    if not rows:
        print("No entries." if not args.search else f"No entries match {args.search!r}.")
    if rows.truncated:
        print(f"warroom-cli: more than {len(rows):,} entries match; these are the most recently recorded. "
              "Add words to narrow the search.", file=sys.stderr)
    return EXIT_OK


def cmd_export(store: Store, args, out: Output) -> int:
    write_out(export_service.export_incident(store, args.incident, args.format, viewer=args.actor), args.out)
    return EXIT_OK


def cmd_verify(store: Store, args, out: Output) -> int:
    from warroom.services import integrity

    return print_verify(integrity.check(store, storage=args.integrity), out)


def print_verify(report: Any, out: Output) -> int:
    problems = list(report.problems)
    data = {"ok": report.ok, "devices": report.devices, "events": report.events, "problems": problems,
            "first_bad_event": report.first_bad_event, "notes": list(report.notes)}
    if out.as_json:
        out.data(data)
    elif problems:
        print(f"Journal check FAILED ({report.events:,} events on {report.devices} device(s)).")
        for p in problems:
            print(f"  first bad: {p}" if p == problems[0] else f"  also: {p}")
    else:
        signed = "" if report.notes else ", signed by this device"
        print(f"Journal intact: {report.events:,} events on {report.devices} device(s){signed}.")
    for note in report.notes:
        print(f"  note: {note}")
    return EXIT_CHECK if problems else EXIT_OK

"""``warroom-cli clocks INC-n`` and ``incident flag|unflag``: regulatory clocks."""

from __future__ import annotations

from warroom.cli.common import EXIT_OK, Output, utc
from warroom.errors import InputError
from warroom.services import obligations, regimes
from warroom.store import Store


def _local(c: obligations.ClockView) -> str:
    local = c.due_local()
    return local.strftime("%Y-%m-%d %H:%M %Z") if local else "—"


def cmd_clocks(store: Store, args, out: Output) -> int:
    if args.flags:
        listed = [{"flag": f.key, "label": f.label, "records": f.records,
                   "regimes": [r.key for r in regimes.started_by(f.key)]} for f in regimes.flags().values()]
        if out.as_json:
            out.data(listed)
            return EXIT_OK
        for f in listed:
            print(f"{f['flag']:<22} {f['label']}\n{'':<22} starts: {', '.join(f['regimes'])}")
        return EXIT_OK
    if not args.incident:
        raise InputError("Name the incident (clocks INC-1), or give --flags to list the flags.")
    rows = obligations.clocks(store, args.incident, viewer=args.actor)
    if out.as_json:
        out.data([c.as_dict() for c in rows])
        return EXIT_OK
    if not rows:
        print(f"No regulatory clocks: flag the incident first (incident flag {args.incident} FLAG; "
              "clocks --flags lists them).")
        return EXIT_OK
    for c in rows:
        r = c.regime
        status = "" if r.in_force else f" [{r.status}, not in force]"
        print(f"{r.name}{status}  ({r.period()}; flag {c.flag})")
        print(f"  notify:  {r.notify_whom}")
        print(f"  start:   {utc(c.start)}")
        if c.due is None:
            print(f"  due:     no fixed deadline: {r.deadline}")
        else:
            print(f"  due:     {utc(c.due)}  ({_local(c)})")
            print(f"  left:    {obligations.format_left(c.left)}" +
                  (f"; regulators update published {utc(c.answered_at)} ({c.state})" if c.answered_at else
                   f" ({c.state})"))
        print(f"  cite:    {r.citation}  {r.url}")
    return EXIT_OK


def cmd_flag(store: Store, args, out: Output) -> int:
    fv = obligations.flag(store, args.actor, args.incident, args.flag, at=args.at)
    started = [r.name for r in regimes.started_by(fv.flag.key)]
    out.data(fv.as_dict(), f"{args.incident} flagged {fv.flag.key} ({fv.flag.label}), clocks from "
                           f"{utc(fv.started_at)}: {', '.join(started)}")
    return EXIT_OK


def cmd_unflag(store: Store, args, out: Output) -> int:
    obligations.unflag(store, args.actor, args.incident, args.flag)
    out.data({"incident": args.incident, "flag": args.flag, "removed": True},
             f"{args.incident}: flag {args.flag} removed; its clocks no longer show.")
    return EXIT_OK

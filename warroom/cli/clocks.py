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
        listed = [{"flag": f.key, "label": f.label, "records": f.records, "facts": list(f.facts),
                   "regimes": [r.key for r in regimes.started_by(f.key)],
                   "conditions": {r.key: [c.phrase() if c.flag else f"{c.fact}{c.op}{c.value}" for c in r.when]
                                  for r in regimes.started_by(f.key) if r.when}}
                  for f in regimes.flags().values()]
        if out.as_json:
            out.data(listed)
            return EXIT_OK
        for f in listed:
            starts = [k + (f" (if {' and '.join(f['conditions'][k])})" if k in f["conditions"] else "")
                      for k in f["regimes"]]
            print(f"{f['flag']:<22} {f['label']}\n{'':<22} starts: {', '.join(starts)}")
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
        if c.regulators:
            print(f"  whom:    {', '.join(c.regulators)} ({r.jurisdiction})")
        if c.flag_time is not None and c.flag_time != c.start:
            print(f"  flagged: {utc(c.flag_time)}")
        print(f"  start:   {utc(c.start)}")
        if c.due is None:
            print(f"  due:     no fixed deadline: {r.deadline}")
        else:
            print(f"  due:     {utc(c.due)}  ({_local(c)})")
            print(f"  left:    {obligations.format_left(c.left)}" +
                  (f"; regulators update published {utc(c.answered_at)} ({c.state})" if c.answered_at else
                   f" ({c.state})"))
        for why in c.basis:
            print(f"  note:    {why}")
        print(f"  cite:    {r.citation}  {r.url}")
    # One line per jurisdiction the register names no regulator for (not under each clock:
    # some clocks notify individuals or the media, not a regulator).
    unnamed = sorted({c.regime.jurisdiction for c in rows if not c.regulators}
                     - {c.regime.jurisdiction for c in rows if c.regulators})
    for code in unnamed:
        print(f"No regulators stakeholder of jurisdiction {code} in the register: `stakeholder add NAME "
              f"--audience regulators --jurisdiction {code}` names it in these clocks and the drafts.")
    return EXIT_OK


def cmd_flag(store: Store, args, out: Output) -> int:
    fv = obligations.flag(store, args.actor, args.incident, args.flag, at=args.at, classified=args.classified,
                          affected=args.affected, most_in_one_state=args.most_in_one_state)
    started = [c.regime.name for c in obligations.clocks(store, args.incident, viewer=args.actor)
               if c.flag == fv.flag.key]
    recorded = "".join(f"; {regimes.FACTS[name]}: {utc(value) if name == 'classified_at' else f'{value:,}'}"
                       for name in fv.flag.facts if (value := fv.facts.get(name)) is not None)
    out.data(fv.as_dict(), f"{args.incident} flagged {fv.flag.key} ({fv.flag.label}), clocks from "
                           f"{utc(fv.started_at)}{recorded}: {', '.join(started) or 'none applies'}")
    return EXIT_OK


def cmd_unflag(store: Store, args, out: Output) -> int:
    obligations.unflag(store, args.actor, args.incident, args.flag)
    out.data({"incident": args.incident, "flag": args.flag, "removed": True},
             f"{args.incident}: flag {args.flag} removed; its clocks no longer show.")
    return EXIT_OK

"""``warroom-cli matrix show|set``: who hears what, how often, through which channels."""

from __future__ import annotations

from typing import Any

from warroom.cli.common import EXIT_OK
from warroom.errors import InputError
from warroom.services import cadence, incidents, matrix
from warroom.store import Store
from warroom.text.durations import duration_text


def utc_minutes(when) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "—"


def cmd_show(store: Store, args, out) -> int:
    if args.incident:
        inc = incidents.get(store, args.incident, viewer=args.actor)
        rows = matrix.plan(store, inc.id, viewer=args.actor)
        lines = [f"{inc.ref} {inc.title} — {inc.severity.value}, {inc.status.value}"]
        data = []
        for r in rows:
            if not r.cell.told:
                lines.append(f"  {r.audience:<14} not told at {inc.severity.value}")
            elif not r.cell.routes:
                lines.append(f"  {r.audience:<14} no channels set (matrix set {r.audience} "
                             f"{inc.severity.value} --channels …)")
            else:
                chans = ", ".join(f"{n} ({kind}, {state}" + (f", {have} recipients" if kind in ("email", "sms") else "")
                                  + (f", {missing} without contact" if missing else "") + ")"
                                  for n, kind, state, have, missing in r.channels)
                every = duration_text(r.cadence, "entry")
                lines.append(f"  {r.audience:<14} {r.cell.channels_text:<28} every {every:<6} "
                             f"next due {utc_minutes(r.next_due)}" + (f"  sender {r.cell.owner}" if r.cell.owner else ""))
                lines.append(f"  {'':<14} {chans}")
            data.append({"audience": r.audience, "told": r.cell.told, "routes": [list(x) for x in r.cell.routes],
                         "cadence_s": int(r.cadence.total_seconds()), "owner": r.cell.owner,
                         "template_audience": r.cell.template_audience or r.audience,
                         "last_update_at": r.last_update_at, "next_due": r.next_due,
                         "channels": [{"name": n, "kind": k, "state": s, "recipients": h, "missing": m}
                                      for n, k, s, h, m in r.channels]})
        out.data({"incident": inc.ref, "severity": inc.severity.value, "audiences": data}, "\n".join(lines))
        return EXIT_OK
    names, sevs, cells = matrix.grid(store)
    texts = {}
    for (a, s), c in cells.items():
        text = "—" if not c.told else (c.channels_text or "(not set)")
        texts[(a, s)] = text + (f" /{duration_text(c.cadence, 'entry')}" if c.cadence else "")
    # Each column as wide as its longest cell: a route and its cadence are never cut.
    widths = {s: max([len(s.value)] + [len(texts[(a, s)]) for a in names]) + 2 for s in sevs}
    first = max([14] + [len(a) + 2 for a in names])
    lines = [(f"{'':<{first}}" + "".join(f"{s.value:<{widths[s]}}" for s in sevs)).rstrip()]
    for a in names:
        lines.append((f"{a:<{first}}" + "".join(f"{texts[(a, s)]:<{widths[s]}}" for s in sevs)).rstrip())
    out.data([{"audience": c.audience, "severity": c.severity.value, "told": c.told,
               "routes": [list(r) for r in c.routes], "cadence_s": int(c.cadence.total_seconds()) if c.cadence else None,
               "owner": c.owner, "template_audience": c.template_audience, "defined": c.defined}
              for c in cells.values()], "\n".join(lines))
    return EXIT_OK


def cmd_set(store: Store, args, out) -> int:
    kwargs: dict[str, Any] = {}
    if args.told is not None:
        kwargs["told"] = args.told
    if args.channels is not None:
        kwargs["channels"] = args.channels
    if args.cadence is not None:
        kwargs["cadence"] = None if args.cadence in ("", "default") else cadence.parse_interval(args.cadence)
    if args.owner is not None:
        kwargs["owner"] = args.owner or None
    if args.template_audience is not None:
        kwargs["template_audience"] = args.template_audience or None
    if args.only_customer_facing is not None:
        kwargs["only_customer_facing"] = args.only_customer_facing
    if args.via_success_manager is not None:
        kwargs["via_success_manager"] = args.via_success_manager
    if not kwargs:
        raise InputError("Say what to change: --channels, --cadence, --owner, --template-audience, --told, "
                         "--not-told, --only-customer-facing, --always, --key-accounts-via-manager or "
                         "--key-accounts-direct.")
    cells = matrix.set_cell(store, args.actor, args.audience, args.severity, **kwargs)
    out.data([{"audience": c.audience, "severity": c.severity.value, "told": c.told,
               "routes": [list(r) for r in c.routes]} for c in cells],
             f"Matrix saved for {args.audience} at {', '.join(c.severity.value for c in cells)}.")
    return EXIT_OK

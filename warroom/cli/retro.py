"""``warroom-cli retro INC-n [--json] [--out report.html|report.pdf]``: the
communication retrospective of one incident, computed from its journal."""

from __future__ import annotations

import sys

from warroom.cli.common import EXIT_OK, Output
from warroom.store import Store


def cmd_retro(store: Store, args, out: Output) -> int:
    from warroom import retro
    from warroom.retro import files

    if args.out:
        files.format_of(args.out)          # a bad suffix is refused before any work
    result = retro.compute(store, args.incident, viewer=args.actor)
    if args.out:
        from warroom.exercise.score import write_report

        # An exercise's report leads with its score card, as exercise end --out writes it.
        target = write_report(store, result, args.out, incident=args.incident, viewer=args.actor)
        print(f"Wrote {target}", file=sys.stderr)
    if out.as_json:
        out.data(result.to_json())
    elif not args.out:
        from warroom.retro.summary import text_report

        sys.stdout.write(text_report(result))
    return EXIT_OK

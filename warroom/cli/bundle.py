"""``warroom-cli bundle heads|export|import``: team sync without a server.

On the laptop that lacks events: ``bundle heads --out HEADS``; carry HEADS over;
on the laptop that has them: ``bundle export --out FILE --since HEADS``; carry FILE
back; ``bundle import FILE``. Without ``--since`` the whole journal is written.
Exit codes of ``import``: 0 imported, 1 refused (named; nothing was written). A
signer this laptop does not know yet is refused unless ``--signer`` gives the
fingerprint ``export`` showed on the other laptop."""

from __future__ import annotations

import json
from pathlib import Path

from warroom.cli.common import EXIT_OK, Output
from warroom.paths import write_private_file
from warroom.store import Store


def cmd_bundle_heads(store: Store, args, out: Output) -> int:
    from warroom.sync import bundle

    heads = bundle.heads(store)
    text = json.dumps({"heads": heads}, indent=2, sort_keys=True)
    if args.out:
        write_private_file(Path(args.out), (text + "\n").encode("utf-8"))
        out.data({"heads": heads, "out": args.out}, f"Wrote this laptop's chain heads ({len(heads)} devices) to "
                                                    f"{args.out}: give it to `bundle export --since` on the other.")
    else:
        print(text)
    return EXIT_OK


def cmd_bundle_export(store: Store, args, out: Output) -> int:
    from warroom.sync import bundle

    since = bundle.read_heads_arg(args.since) if args.since else None
    done = bundle.export(store, Path(args.out), since=since)
    note = (f" Chains of {len(done.held_back)} device(s) stop before an event this laptop may not read "
            "(confidential).") if done.held_back else ""
    out.data({"out": str(done.path), "events": done.events, "devices": done.devices,
              "held_back": [str(d) for d in done.held_back], "fingerprint": done.fingerprint},
             f"Wrote {done.events} event(s) of {done.devices} device(s) to {done.path}, signed by this laptop's "
             f"key {done.fingerprint}: tell whoever imports it that fingerprint." + note)
    return EXIT_OK


def cmd_bundle_import(store: Store, args, out: Output) -> int:
    from warroom.sync import bundle

    done = bundle.import_(store, Path(args.file), signer=args.signer)
    lines = [f"Imported {done.events} event(s) signed by device {done.signer} (key {done.fingerprint})"
             + (f"; {done.skipped} already here" if done.skipped else "") + "."]
    lines += [f"  renumbered: {r}" for r in done.renumbered]
    out.data({"events": done.events, "skipped": done.skipped, "signer": str(done.signer),
              "fingerprint": done.fingerprint, "renumbered": list(done.renumbered)}, "\n".join(lines))
    return EXIT_OK

"""``warroom-cli statuspage build|serve``: the self-hosted status page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from warroom import sitepage
from warroom.cli.common import EXIT_OK
from warroom.errors import InputError
from warroom.services import channels, site
from warroom.store import Store


def site_config(store: Store, args) -> tuple[dict[str, Any], Any]:
    """The self-hosted page channel's settings and id: the one named, else the first."""
    if getattr(args, "channel", None):
        ch = channels.get(store, args.channel)
        if ch.kind != "sitepage":
            raise InputError(f"Channel {ch.name} is a {ch.label}, not a self-hosted status page.")
        return ch.config, ch.id
    for ch in channels.list_channels(store):
        if ch.kind == "sitepage":
            return ch.config, ch.id
    return {}, None


def cmd_build(store: Store, args, out) -> int:
    config, channel_id = site_config(store, args)
    target = Path(args.out or config.get("out_dir") or "")
    if not str(target) or str(target) == ".":
        raise InputError("Say where: --out DIR (or add a sitepage channel with an out_dir).")
    written = site.build(store, target, config, channel_id=channel_id)
    out.data({"out": str(target), "files": [str(p) for p in written]},
             f"Wrote the status page to {target} ({len(written)} files). Serve it with: "
             f"warroom-cli statuspage serve --dir {target}")
    return EXIT_OK


def cmd_serve(store: Store, args, out) -> int:
    config, channel_id = site_config(store, args)
    target = Path(args.dir or config.get("out_dir") or "")
    if not str(target) or str(target) == ".":
        raise InputError("Say which folder: --dir DIR (or add a sitepage channel with an out_dir).")
    site.build(store, target, config, channel_id=channel_id)
    server = sitepage.serve(target, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"Serving the status page at http://{host}:{port}/ (Ctrl+C stops).", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK

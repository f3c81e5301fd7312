"""``warroom-cli channel add|set|list|test|remove``: delivery channels and their secrets."""

from __future__ import annotations

import json
import sys
from typing import Any

from warroom import inputs, secrets
from warroom.channels.base import ChannelError
from warroom.cli.common import EXIT_OK
from warroom.errors import CheckFailed, InputError
from warroom.services import channels
from warroom.store import Store

#: The longest secret read from standard input (a URL, a token, a password).
MAX_SECRET = 16 * inputs.KIB


def parse_settings(pairs: list[str] | None) -> dict[str, Any]:
    """``--set key=value`` pairs; a JSON value is parsed (components={"API": "id"})."""
    out: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise InputError(f"{pair!r}: give settings as KEY=VALUE, e.g. --set page_id=abc123.")
        value = value.strip()
        if value and value[0] in "{[":
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                raise InputError(f"{key}: {value!r} is not valid JSON.") from None
        out[key] = int(value) if value.isascii() and value.isdigit() and key in ("port", "max_segments") else value
    return out


def read_secret(args) -> str | None:
    """Secrets come from standard input only, never from an argument (which other
    users see in the process list and the shell keeps in its history)."""
    if not getattr(args, "secret", False):
        return None
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Secret (not shown): ")
    value = inputs.read_line(MAX_SECRET, what="The secret on standard input")
    if not value:
        raise InputError("--secret reads the secret from standard input, and it was empty.")
    return value


def cmd_add(store: Store, args, out) -> int:
    config = parse_settings(args.set)
    secret = read_secret(args)
    ch = channels.add(store, args.actor, args.name, args.kind, config, secret=secret)
    kept = secrets.where() if secret else None
    out.data({**channel_json(ch), "secret_in": kept},
             f"Channel {ch.name} added ({ch.label})." + (f" Its secret is in {kept}." if kept else ""))
    return EXIT_OK


def cmd_set(store: Store, args, out) -> int:
    secret = read_secret(args)
    ch = channels.update(store, args.actor, args.name, config=parse_settings(args.set), secret=secret,
                         enabled=args.enabled, rename=args.rename)
    kept = secrets.where() if secret else None
    out.data({**channel_json(ch), "secret_in": kept},
             f"Channel {ch.name} changed." + (f" Its new secret is in {kept}." if kept else ""))
    return EXIT_OK


def channel_json(ch) -> dict[str, Any]:
    return {"name": ch.name, "kind": ch.kind, "config": ch.config, "enabled": ch.enabled, "state": ch.state,
            "failures": ch.failures, "queued": ch.queued, "last_error": ch.last_error,
            "last_ok_at": ch.last_ok_at, **({"exercise_id": str(ch.exercise_id), "outage": ch.outage}
                                            if ch.exercise_id else {})}


def cmd_list(store: Store, args, out) -> int:
    rows = channels.list_channels(store, exercises=getattr(args, "exercises", False))
    text = "\n".join(f"{c.name:<18} {c.kind:<11} {c.state:<9} {c.queued:>4} queued   "
                     f"{(c.last_error or '')[:60]}" for c in rows) or \
        "No channels yet: add one with warroom-cli channel add NAME --kind slack --secret < url.txt"
    out.data([channel_json(c) for c in rows], text)
    return EXIT_OK


def cmd_test(store: Store, args, out) -> int:
    try:
        done = channels.test(store, args.actor, args.name, timeout=args.timeout)
    except ChannelError as exc:
        raise CheckFailed(f"Channel {args.name} does not work: {exc}") from None
    out.data({"ok": True, "done": done}, f"Channel {args.name} works: {done.rstrip('.')}.")
    return EXIT_OK


def cmd_remove(store: Store, args, out) -> int:
    channels.remove(store, args.actor, args.name)
    out.data({"removed": args.name}, f"Channel {args.name} removed; its secret left {secrets.where()}.")
    return EXIT_OK

"""``warroom-cli watch add|list|remove|status|poll|import``: the vendor status watch."""

from __future__ import annotations

import sys
import threading

from warroom.cli.common import EXIT_CHECK, EXIT_OK, Output, utc
from warroom.inbound import feeds
from warroom.inbound.feeds import Polled, ProviderView
from warroom.services import access
from warroom.store import Store


def _every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _line(p: ProviderView) -> str:
    names = f" (also {', '.join(p.aliases)})" if p.aliases else ""
    return f"{p.name:<20} {p.kind:<8} every {_every(p.every_s):<5} {p.url}{names}"


def cmd_add(store: Store, args, out: Output) -> int:
    p = feeds.add_provider(store, args.actor, args.name, args.url, kind=args.kind, names=args.names,
                           every=args.every)
    out.data(p.as_dict(), f"Watching {_line(p)}")
    return EXIT_OK


def cmd_list(store: Store, args, out: Output) -> int:
    rows = feeds.providers(store, viewer=args.actor)
    if out.as_json:
        out.data([p.as_dict() for p in rows])
        return EXIT_OK
    for p in rows:
        print(_line(p))
    if not rows:
        print("No providers watched yet: watch add NAME --url URL.")
    return EXIT_OK


def cmd_remove(store: Store, args, out: Output) -> int:
    feeds.remove_provider(store, args.actor, args.name)
    out.data({"removed": args.name}, f"No longer watching {args.name}.")
    return EXIT_OK


def cmd_status(store: Store, args, out: Output) -> int:
    rows = feeds.providers(store, viewer=args.actor, name=args.name)
    if out.as_json:
        out.data([p.as_dict() for p in rows])
        return EXIT_OK
    for p in rows:
        print(p.summary())
        for i in p.incidents:
            print(f"    {i['name']} [{i['status']}, {i['impact']} impact]")
        print(f"    last read {utc(p.ok_at)}, next look {utc(p.next_at)}")
    if not rows:
        print("No providers watched yet: watch add NAME --url URL.")
    return EXIT_OK


def _report(polled: list[Polled]) -> None:
    for p in polled:
        if p.error:
            print(f"{p.provider}: cannot read: {p.error} (next look {utc(p.next_at)})", file=sys.stderr, flush=True)
        elif p.recorded and p.recorded.changes:
            on = ", ".join(p.recorded.incidents) or "no open incident names it"
            for change in p.recorded.changes:
                print(f"{change} (logged on: {on})", flush=True)


def cmd_poll(store: Store, args, out: Output) -> int:
    with store.read() as session:
        access.check(session, args.actor, access.Action.READ)
    if args.once:
        polled = feeds.poll_due(store)
        if out.as_json:
            out.data([p.as_dict() for p in polled])
        else:
            _report(polled)
            if not polled:
                print("Nothing due: every provider was looked at within its interval.")
        return EXIT_CHECK if any(p.error for p in polled) else EXIT_OK
    stop = threading.Event()
    print("Watching until stopped (Ctrl+C)…", file=sys.stderr)
    try:
        while not stop.is_set():
            _report(feeds.poll_due(store))
            stop.wait(feeds.seconds_to_next(store))
    except KeyboardInterrupt:
        stop.set()
    return EXIT_OK


def cmd_import(store: Store, args, out: Output) -> int:
    done = feeds.import_file(store, args.actor, args.file, args.provider)
    if out.as_json:
        out.data(done.as_dict())
        return EXIT_OK
    on = ", ".join(done.incidents) or "no open incident names it"
    for change in done.changes:
        print(f"{change} (logged on: {on})")
    if not done.changes:
        print(f"Nothing new from {done.provider}.")
    return EXIT_OK

"""``warroom-cli inbound add|set|list|remove|serve|import|link|received`` and
``warroom-cli component list|set``: signals in, and component status."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from warroom import inputs, secrets
from warroom.cli.common import EXIT_CHECK, EXIT_OK, Output
from warroom.errors import InputError
from warroom.inbound import batch, handle, receiver, sources
from warroom.services import access, components
from warroom.store import Store

#: The largest settings file read.
MAX_SETTINGS = 256 * 1024


def _settings(args) -> dict | None:
    text = getattr(args, "settings", None)
    if getattr(args, "settings_file", None):
        p = Path(args.settings_file)
        try:
            with p.open("rb") as f:
                raw = f.read(MAX_SETTINGS + 1)
        except OSError as exc:
            raise InputError(f"Cannot read {p}: {exc.strerror or exc}.", field="settings") from None
        if len(raw) > MAX_SETTINGS:
            raise InputError(f"{p.name} is over {MAX_SETTINGS // 1024} KiB: a source's settings are far smaller.")
        text = inputs.decode(raw, what=p.name)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise InputError("The settings are not JSON: give an object, e.g. {\"commander\": \"Dana\"}.",
                         field="settings") from None
    if not isinstance(value, dict):
        raise InputError("The settings are a JSON object.", field="settings")
    return value


def _secret() -> str:
    """From standard input only: an argument is seen in the process list and kept in history."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Secret (not shown): ")
    value = inputs.read_line(sources.MAX_SECRET + 2, what="The secret on standard input")
    if not value.strip():
        raise InputError("The source's secret is read from standard input, and it was empty.", field="secret")
    return value


def cmd_add(store: Store, args, out: Output) -> int:
    settings = _settings(args)
    src = sources.add(store, args.actor, args.name, args.kind, secret=_secret(), settings=settings)
    out.data({**src.as_dict(), "secret_in": secrets.where()},
             f"Source {src.name} added ({src.label}): POST its webhooks to /hooks/{src.name}. "
             f"Its secret is in {secrets.where()}.")
    return EXIT_OK


def cmd_set(store: Store, args, out: Output) -> int:
    settings = _settings(args)
    if settings is None and not args.secret:
        raise InputError("Say what to change: --settings, --settings-file or --secret.")
    src = sources.update(store, args.actor, args.name, settings=settings, secret=_secret() if args.secret else None)
    out.data(src.as_dict(), f"Source {src.name} changed.")
    return EXIT_OK


def cmd_list(store: Store, args, out: Output) -> int:
    rows = sources.list_sources(store)
    if out.as_json:
        out.data([s.as_dict() for s in rows])
        return EXIT_OK
    for s in rows:
        print(f"{s.name:<20} {s.label:<13} /hooks/{s.name}  {json.dumps(s.settings, sort_keys=True)}")
    if not rows:
        print("No sources yet: warroom-cli inbound add NAME --kind pagerduty < secret.txt")
    return EXIT_OK


def cmd_remove(store: Store, args, out: Output) -> int:
    sources.remove(store, args.actor, args.name)
    out.data({"removed": args.name}, f"Source {args.name} removed; its requests are refused from now on.")
    return EXIT_OK


def _outcome_lines(o: handle.Outcome, prefix: str = "") -> list[str]:
    lines = [f"{prefix}{o.result:<9} {o.message}"]
    lines += [f"{prefix}{'':<9} kept as a draft, not in review: {why}" for _d, why in o.kept]
    return lines


def _outcomes(out: Output, outcomes: list[handle.Outcome]) -> None:
    if out.as_json:
        out.data([o.as_dict() for o in outcomes])
        return
    for o in outcomes:
        print("\n".join(_outcome_lines(o)))
    if not outcomes:
        print("Nothing in it that War room follows.")


def cmd_import(store: Store, args, out: Output) -> int:
    """One payload reports as a received one does; a batch (a JSON array or JSON lines)
    reports each payload, and exits 1 when any of them was not applied."""
    with store.read() as session:
        access.check(session, args.actor, access.Action.SOURCES)   # the operator vouches for the file
    done = batch.import_file(store, args.file, args.source)
    if not done.batch:
        _outcomes(out, done.outcomes)
        return EXIT_OK
    if out.as_json:
        out.data(done.as_dict())
    else:
        for p in done.payloads:
            if p.error is not None:
                print(f"payload {p.number}: not applied: {p.error}")
            for o in p.outcomes:
                print("\n".join(_outcome_lines(o, f"payload {p.number}: ")))
            if p.error is None and not p.outcomes:
                print(f"payload {p.number}: nothing in it that War room follows")
        print(f"{len(done.payloads)} payloads: {len(done.payloads) - len(done.failed)} applied, "
              f"{len(done.failed)} not.")
    return EXIT_CHECK if done.failed else EXIT_OK


def cmd_serve(store: Store, args, out: Output) -> int:
    with store.read() as session:
        access.check(session, args.actor, access.Action.SOURCES)
    host, port = receiver.parse_bind(args.bind)
    logging.getLogger("warroom.inbound").setLevel(logging.INFO)
    server = receiver.Receiver(store, (host, port), on_handled=lambda name, outcomes: print_handled(name, outcomes))
    print(f"Receiving webhooks on {server.url}/hooks/NAME until stopped (Ctrl+C)…", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def print_handled(source: str, outcomes: list[dict]) -> None:
    """What a received request did, a line each, as it happens (run without a window,
    ``inbound serve`` is how its operator hears that a signal opened an incident)."""
    for o in outcomes:
        if o.get("result") == "duplicate":
            continue
        waiting = len(o.get("drafts") or [])
        opened = str(o.get("message") or "").startswith("opened")
        line = f"{source}: {o.get('message')}"
        if opened and waiting:
            line += f" — {waiting} draft(s) wait for review"
        print(("NEW INCIDENT " if opened else "") + line, flush=True)


def cmd_link(store: Store, args, out: Output) -> int:
    lk = handle.link(store, args.actor, args.incident, args.source, args.external, url=args.url)
    out.data({"source": lk.source, "external_id": lk.external_id, "url": lk.url},
             f"{args.incident} is linked to {lk.source} {lk.external_id}.")
    return EXIT_OK


def cmd_received(store: Store, args, out: Output) -> int:
    rows = handle.received(store, viewer=args.actor)
    if out.as_json:
        out.data([{"source": r.source, "event_id": r.event_id, "kind": r.kind, "outcome": r.outcome,
                   "incident": r.incident, "received_at": r.received_at} for r in rows])
        return EXIT_OK
    for r in rows:
        print(f"{r.received_at:%Y-%m-%d %H:%M:%S}Z {r.source:<12} {r.kind:<13} {r.incident or '-':<8} {r.outcome}")
    if not rows:
        print("Nothing received yet.")
    return EXIT_OK


def cmd_components(store: Store, args, out: Output) -> int:
    rows = components.list_components(store)
    if out.as_json:
        out.data([c.as_dict() for c in rows])
        return EXIT_OK
    for c in rows:
        print(f"{c.name:<30} {c.status:<22} set by {c.set_by}" + (f"  ({c.note})" if c.note else ""))
    if not rows:
        print("No components yet: warroom-cli component set NAME operational")
    return EXIT_OK


def cmd_component_set(store: Store, args, out: Output) -> int:
    c = components.set_status(store, args.actor, args.name, args.status, note=args.note)
    out.data(c.as_dict(), f"{c.name} is {c.label.lower()}.")
    return EXIT_OK

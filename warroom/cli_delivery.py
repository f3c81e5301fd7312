"""The delivery commands of warroom-cli: matrix, channel, outbox, dispatch, statuspage."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from warroom import inputs
from warroom.errors import CheckFailed, InputError
from warroom.store import Store

EXIT_OK, EXIT_CHECK = 0, 1

#: The longest secret read from standard input (a URL, a token, a password).
MAX_SECRET = 16 * inputs.KIB


def _utc(when) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "—"


def _parse_settings(pairs: list[str] | None) -> dict[str, Any]:
    """``--set key=value`` pairs; a JSON value is parsed (components={"API": "id"})."""
    import json

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


def _read_secret(args) -> str | None:
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


# -- channel ----------------------------------------------------------------------


def cmd_channel_add(store: Store, args, out) -> int:
    from warroom.services import channels

    config = _parse_settings(args.set)
    secret = _read_secret(args)
    ch = channels.add(store, args.actor, args.name, args.kind, config, secret=secret)
    out.data(_channel_json(ch), f"Channel {ch.name} added ({ch.label})." +
             (" Its secret is in the keyring." if secret else ""))
    return EXIT_OK


def cmd_channel_set(store: Store, args, out) -> int:
    from warroom.services import channels

    ch = channels.update(store, args.actor, args.name, config=_parse_settings(args.set), secret=_read_secret(args),
                         enabled=args.enabled, rename=args.rename)
    out.data(_channel_json(ch), f"Channel {ch.name} saved.")
    return EXIT_OK


def _channel_json(ch) -> dict[str, Any]:
    return {"name": ch.name, "kind": ch.kind, "config": ch.config, "enabled": ch.enabled, "state": ch.state,
            "failures": ch.failures, "queued": ch.queued, "last_error": ch.last_error,
            "last_ok_at": ch.last_ok_at}


def cmd_channel_list(store: Store, args, out) -> int:
    from warroom.services import channels

    rows = channels.list_channels(store)
    text = "\n".join(f"{c.name:<18} {c.kind:<11} {c.state:<9} {c.queued:>4} queued   "
                     f"{(c.last_error or '')[:60]}" for c in rows) or \
        "No channels yet: add one with warroom-cli channel add NAME --kind slack --secret < url.txt"
    out.data([_channel_json(c) for c in rows], text)
    return EXIT_OK


def cmd_channel_test(store: Store, args, out) -> int:
    from warroom.channels.base import ChannelError
    from warroom.services import channels

    try:
        done = channels.test(store, args.actor, args.name, timeout=args.timeout)
    except ChannelError as exc:
        raise CheckFailed(f"Channel {args.name} does not work: {exc}") from None
    out.data({"ok": True, "done": done}, f"Channel {args.name} works: {done}.")
    return EXIT_OK


def cmd_channel_remove(store: Store, args, out) -> int:
    from warroom.services import channels

    channels.remove(store, args.actor, args.name)
    out.data({"removed": args.name}, f"Channel {args.name} removed; its secret left the keyring.")
    return EXIT_OK


# -- matrix ------------------------------------------------------------------------


def cmd_matrix_show(store: Store, args, out) -> int:
    from warroom.services import incidents, matrix

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
                lines.append(f"  {r.audience:<14} {r.cell.channels_text:<28} every {_interval(r.cadence):<6} "
                             f"next due {_utc(r.next_due)}" + (f"  sender {r.cell.owner}" if r.cell.owner else ""))
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
    width = 24
    lines = [f"{'':<14}" + "".join(f"{s.value:<{width}}" for s in sevs)]
    for a in names:
        cols = []
        for s in sevs:
            c = cells[(a, s)]
            text = "—" if not c.told else (c.channels_text or "(not set)")
            if c.cadence:
                text += f" /{_interval(c.cadence)}"
            cols.append(f"{text[:width - 1]:<{width}}")
        lines.append(f"{a:<14}" + "".join(cols))
    out.data([{"audience": c.audience, "severity": c.severity.value, "told": c.told,
               "routes": [list(r) for r in c.routes], "cadence_s": int(c.cadence.total_seconds()) if c.cadence else None,
               "owner": c.owner, "template_audience": c.template_audience, "defined": c.defined}
              for c in cells.values()], "\n".join(lines))
    return EXIT_OK


def _interval(delta) -> str:
    s = int(delta.total_seconds())
    return f"{s // 3600}h{(s % 3600) // 60:02d}" if s >= 3600 else f"{s // 60}m"


def cmd_matrix_set(store: Store, args, out) -> int:
    from warroom.services import cadence as policy, matrix

    kwargs: dict[str, Any] = {}
    if args.told is not None:
        kwargs["told"] = args.told
    if args.channels is not None:
        kwargs["channels"] = args.channels
    if args.cadence is not None:
        kwargs["cadence"] = None if args.cadence in ("", "default") else policy.parse_interval(args.cadence)
    if args.owner is not None:
        kwargs["owner"] = args.owner or None
    if args.template_audience is not None:
        kwargs["template_audience"] = args.template_audience or None
    if args.only_customer_facing is not None:
        kwargs["only_customer_facing"] = args.only_customer_facing
    if not kwargs:
        raise InputError("Say what to change: --channels, --cadence, --owner, --template-audience, --told, "
                         "--not-told, --only-customer-facing or --always.")
    cells = matrix.set_cell(store, args.actor, args.audience, args.severity, **kwargs)
    out.data([{"audience": c.audience, "severity": c.severity.value, "told": c.told,
               "routes": [list(r) for r in c.routes]} for c in cells],
             f"Matrix saved for {args.audience} at {', '.join(c.severity.value for c in cells)}.")
    return EXIT_OK


# -- outbox and dispatch ----------------------------------------------------------------


def cmd_outbox_list(store: Store, args, out) -> int:
    from warroom.services import incidents, outbox

    incident_id = incidents.get(store, args.incident, viewer=args.actor).id if args.incident else None
    states = tuple(args.state.split(",")) if args.state else None
    rows = outbox.list_deliveries(store, viewer=args.actor, incident_id=incident_id, states=states)
    text = "\n".join(f"{r.id.hex[:10]}  {r.state:<11} {r.channel:<14} {r.target[:30]:<30} {r.attempts:>2}x  "
                     f"{(r.last_error or ('exercise: not sent' if r.state == 'simulated' else ''))[:60]}"
                     for r in rows) or "The outbox is empty."
    out.data([{"id": str(r.id), "state": r.state, "channel": r.channel, "kind": r.kind, "audience": r.audience,
               "recipient": r.recipient, "address": r.address, "attempts": r.attempts, "last_error": r.last_error,
               "next_attempt_at": r.next_attempt_at, "delivered_at": r.delivered_at, "receipt": r.receipt,
               "failover_from": str(r.failover_from) if r.failover_from else None, "exercise": r.exercise}
              for r in rows], text)
    return EXIT_OK


def cmd_outbox_retry(store: Store, args, out) -> int:
    from warroom.services import outbox

    d = outbox.retry(store, args.actor, args.delivery)
    out.data({"id": str(d.id), "state": d.state}, f"Delivery {d.id.hex[:10]} queued again.")
    return EXIT_OK


def cmd_outbox_cancel(store: Store, args, out) -> int:
    from warroom.services import outbox

    d = outbox.cancel(store, args.actor, args.delivery)
    out.data({"id": str(d.id), "state": d.state}, f"Delivery {d.id.hex[:10]} cancelled.")
    return EXIT_OK


def cmd_outbox_settings(store: Store, args, out) -> int:
    from warroom.services import cadence as policy, outbox

    changes: dict[str, Any] = {}
    for name in ("failover_after", "dead_after", "breaker_cooldown", "lease"):
        value = getattr(args, name)
        if value is not None:
            changes[f"{name}_s"] = int(policy.parse_interval(value).total_seconds()) if value not in ("0", "0s") else 0
    if args.breaker_failures is not None:
        changes["breaker_failures"] = args.breaker_failures
    if args.timeout is not None:
        changes["timeout_s"] = args.timeout
    s = outbox.set_settings(store, args.actor, **changes) if changes else outbox.settings(store)
    out.data(s.as_dict(), "\n".join(f"{k:<20} {v}" for k, v in s.as_dict().items()))
    return EXIT_OK


def cmd_dispatch(store: Store, args, out) -> int:
    from warroom.delivery.dispatcher import Dispatcher
    from warroom.services import access

    with store.read() as session:
        access.check(session, args.actor, access.Action.DELIVERIES)
    dispatcher = Dispatcher(store)
    if args.once:
        s = dispatcher.run_once()
        out.data({"delivered": s.delivered, "simulated": s.simulated, "retrying": s.retrying, "failed": s.failed,
                  "failed_over": s.failed_over, "errors": s.errors},
                 f"Delivered {s.delivered}, simulated {s.simulated} (exercise), retrying {s.retrying}, "
                 f"failed {s.failed}, failed over {s.failed_over}." +
                 "".join(f"\n  {e}" for e in s.errors[:20]))
        return EXIT_OK if not s.failed else EXIT_CHECK
    stop = threading.Event()
    print("Dispatching until stopped (Ctrl+C)…", file=sys.stderr)

    def report(s) -> None:
        if s.sent or s.retrying or s.failed or s.failed_over:
            print(f"delivered {s.delivered}, simulated {s.simulated}, retrying {s.retrying}, failed {s.failed}, "
                  f"failed over {s.failed_over}", file=sys.stderr, flush=True)

    try:
        dispatcher.run(stop, idle=args.idle, on_pass=report)
    except KeyboardInterrupt:
        stop.set()
    return EXIT_OK


# -- the self-hosted status page -------------------------------------------------------


def _site_config(store: Store, args) -> tuple[dict[str, Any], Any]:
    """The self-hosted page channel's settings and id: the one named, else the first."""
    from warroom.services import channels

    if getattr(args, "channel", None):
        ch = channels.get(store, args.channel)
        if ch.kind != "sitepage":
            raise InputError(f"Channel {ch.name} is a {ch.label}, not a self-hosted status page.")
        return ch.config, ch.id
    for ch in channels.list_channels(store):
        if ch.kind == "sitepage":
            return ch.config, ch.id
    return {}, None


def cmd_statuspage_build(store: Store, args, out) -> int:
    from warroom.services import site

    config, channel_id = _site_config(store, args)
    target = Path(args.out or config.get("out_dir") or "")
    if not str(target) or str(target) == ".":
        raise InputError("Say where: --out DIR (or add a sitepage channel with an out_dir).")
    written = site.build(store, target, config, channel_id=channel_id)
    out.data({"out": str(target), "files": [str(p) for p in written]},
             f"Wrote the status page to {target} ({len(written)} files). Serve it with: "
             f"warroom-cli statuspage serve --dir {target}")
    return EXIT_OK


def cmd_statuspage_serve(store: Store, args, out) -> int:
    from warroom import sitepage
    from warroom.services import site

    config, channel_id = _site_config(store, args)
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


def register(sub, add) -> None:
    ch = sub.add_parser("channel", help="delivery channels (secrets in the keyring)").add_subparsers(
        dest="channel_command", metavar="ACTION", required=True)
    p = add("add", cmd_channel_add, "add a channel; its secret is read from standard input with --secret", ch)
    p.add_argument("name")
    p.add_argument("--kind", required=True, help="slack, teams, statuspage, email, sms, webhook, sitepage")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="a setting (repeat): page_id=…, host=…")
    p.add_argument("--secret", action="store_true", help="read the secret (URL, token, password) from standard input")
    p = add("set", cmd_channel_set, "change a channel's settings or secret", ch)
    p.add_argument("name")
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    p.add_argument("--secret", action="store_true", help="read a new secret from standard input")
    p.add_argument("--rename")
    p.add_argument("--enable", dest="enabled", action="store_true", default=None)
    p.add_argument("--disable", dest="enabled", action="store_false")
    add("list", cmd_channel_list, "list channels with their health and queue", ch)
    p = add("test", cmd_channel_test, "check a channel works (exit 1 if not)", ch)
    p.add_argument("name")
    p.add_argument("--timeout", type=float, default=10.0)
    p = add("remove", cmd_channel_remove, "remove a channel (its history stays)", ch)
    p.add_argument("name")

    mx = sub.add_parser("matrix", help="who hears what, how often, through which channels").add_subparsers(
        dest="matrix_command", metavar="ACTION", required=True)
    p = add("show", cmd_matrix_show, "the matrix, or who will get what for an incident", mx)
    p.add_argument("incident", nargs="?")
    p = add("set", cmd_matrix_set, "change cells of the matrix", mx)
    p.add_argument("audience")
    p.add_argument("severity", help="SEV1, SEV1,SEV2 or all")
    p.add_argument("--channels", help='routes, e.g. "statuspage>site, slack>email" (first primary, then failover)')
    p.add_argument("--cadence", help="update every … (e.g. 30m); 'default' for the severity's")
    p.add_argument("--owner", help="who sends ('' clears)")
    p.add_argument("--template-audience", help="whose templates to use ('' for the audience's own)")
    p.add_argument("--told", dest="told", action="store_true", default=None)
    p.add_argument("--not-told", dest="told", action="store_false")
    p.add_argument("--only-customer-facing", dest="only_customer_facing", action="store_true", default=None,
                   help="owed updates only while the incident is customer-facing")
    p.add_argument("--always", dest="only_customer_facing", action="store_false",
                   help="owed updates about every incident at this severity")

    ob = sub.add_parser("outbox", help="deliveries: list, retry, cancel, settings").add_subparsers(
        dest="outbox_command", metavar="ACTION", required=True)
    p = add("list", cmd_outbox_list, "list deliveries", ob)
    p.add_argument("incident", nargs="?")
    p.add_argument("--state", help="e.g. queued,failed")
    p = add("retry", cmd_outbox_retry, "queue a failed or cancelled delivery again", ob)
    p.add_argument("delivery", help="its id (the first 6+ characters do)")
    p = add("cancel", cmd_outbox_cancel, "cancel a queued delivery", ob)
    p.add_argument("delivery")
    p = add("settings", cmd_outbox_settings, "show or change failover, dead-letter and breaker times", ob)
    p.add_argument("--failover-after", help="a primary down this long hands its queue on (e.g. 5m)")
    p.add_argument("--dead-after", help="undelivered this long: a dead letter (e.g. 24h)")
    p.add_argument("--breaker-failures", type=int, help="failures in a row that mark a channel down")
    p.add_argument("--breaker-cooldown", help="while down, one probe per … (e.g. 30s)")
    p.add_argument("--lease", help="a claim expires after … (e.g. 2m)")
    p.add_argument("--timeout", type=float, help="seconds per request")

    p = add("dispatch", cmd_dispatch, "deliver the outbox: what is due, or until stopped")
    p.add_argument("--once", action="store_true", help="deliver what is due now and exit")
    p.add_argument("--idle", type=float, default=5.0, help="longest wait between passes (seconds)")

    sp = sub.add_parser("statuspage", help="the self-hosted status page").add_subparsers(
        dest="statuspage_command", metavar="ACTION", required=True)
    p = add("build", cmd_statuspage_build, "write the page, its JSON and its Atom feed to a folder", sp)
    p.add_argument("--out", "-o")
    p.add_argument("--channel", help="the sitepage channel whose settings to use")
    p = add("serve", cmd_statuspage_serve, "build and serve the page locally", sp)
    p.add_argument("--dir")
    p.add_argument("--channel")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)

"""``warroom-cli outbox list|retry|cancel|settings`` and ``dispatch``: the deliveries."""

from __future__ import annotations

import sys
import threading
from typing import Any

from warroom.cli.common import EXIT_CHECK, EXIT_OK
from warroom.delivery.dispatcher import Dispatcher
from warroom.services import access, cadence, incidents, outbox, refs
from warroom.store import Store


def cmd_list(store: Store, args, out) -> int:
    incident_id = incidents.get(store, args.incident, viewer=args.actor).id if args.incident else None
    states = tuple(args.state.split(",")) if args.state else None
    rows = outbox.list_deliveries(store, viewer=args.actor, incident_id=incident_id, states=states)
    short = refs.short_id_map(store, "delivery", [r.id for r in rows])
    width = max((len(v) for v in short.values()), default=0)
    others = outbox.senders(store)

    def note(r) -> str:
        if r.state == "queued" and r.origin_device in others:
            return f"sent by {others[r.origin_device]} ({str(r.origin_device)[:8]})"
        return r.last_error or ("exercise: not sent" if r.state == "simulated" else "")

    text = "\n".join(f"{short[r.id]:<{width}}  {r.state:<11} {r.channel:<14} {r.target[:30]:<30} {r.attempts:>2}x  "
                     f"{note(r)[:60]}" for r in rows) or "The outbox is empty."
    out.data([{"id": str(r.id), "state": r.state, "channel": r.channel, "kind": r.kind, "audience": r.audience,
               "recipient": r.recipient, "address": r.address, "attempts": r.attempts, "last_error": r.last_error,
               "next_attempt_at": r.next_attempt_at, "delivered_at": r.delivered_at, "receipt": r.receipt,
               "failover_from": str(r.failover_from) if r.failover_from else None, "exercise": r.exercise,
               "sent_by": others.get(r.origin_device), "origin_device": str(r.origin_device) if r.origin_device
               else None}
              for r in rows], text)
    return EXIT_OK


def cmd_retry(store: Store, args, out) -> int:
    d = outbox.retry(store, args.actor, args.delivery)
    out.data({"id": str(d.id), "state": d.state}, f"Delivery {refs.short_id_map(store, 'delivery', [d.id])[d.id]} queued again.")
    return EXIT_OK


def cmd_cancel(store: Store, args, out) -> int:
    d = outbox.cancel(store, args.actor, args.delivery)
    out.data({"id": str(d.id), "state": d.state}, f"Delivery {refs.short_id_map(store, 'delivery', [d.id])[d.id]} cancelled.")
    return EXIT_OK


def cmd_adopt(store: Store, args, out) -> int:
    incident_id = incidents.get(store, args.incident, viewer=args.actor).id if args.incident else None
    n = outbox.adopt(store, args.actor, incident_id=incident_id, device=args.device)
    out.data({"adopted": n}, f"This laptop now sends {n} delivery(ies) another laptop had queued.")
    return EXIT_OK


def cmd_settings(store: Store, args, out) -> int:
    changes: dict[str, Any] = {}
    for name in ("failover_after", "dead_after", "breaker_cooldown", "lease"):
        value = getattr(args, name)
        if value is not None:
            changes[f"{name}_s"] = int(cadence.parse_interval(value).total_seconds()) if value not in ("0", "0s") else 0
    if args.breaker_failures is not None:
        changes["breaker_failures"] = args.breaker_failures
    if args.timeout is not None:
        changes["timeout_s"] = args.timeout
    s = outbox.set_settings(store, args.actor, **changes) if changes else outbox.settings(store)
    out.data(s.as_dict(), "\n".join(f"{k:<20} {v}" for k, v in s.as_dict().items()))
    return EXIT_OK


def cmd_dispatch(store: Store, args, out) -> int:
    with store.read() as session:
        access.check(session, args.actor, access.Action.DELIVERIES)
    from warroom.sync.rates import SharedRates

    # Synced with a team: each vendor's rate is kept team-wide through the server, when at hand.
    dispatcher = Dispatcher(store, shared_rates=SharedRates.for_store(store))
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

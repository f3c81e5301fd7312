"""``warroom-cli init``, ``demo`` and ``incident open|list|show|status|severity|members|edit``."""

from __future__ import annotations

from typing import Any

from warroom.cli.common import EXIT_OK, Output, utc
from warroom.cli.quick import print_incidents
from warroom.errors import InputError
from warroom.services import incidents
from warroom.store import Store
from warroom.text.timeparse import parse_when

MAX_DEMO_EVENTS = 10_000_000


def cmd_init(store: Store, args, out: Output) -> int:
    out.data({"db": str(store.path), "device_id": store.device_id}, f"War room database ready: {store.path}")
    return EXIT_OK


def cmd_demo(store: Store, args, out: Output) -> int:
    from warroom import demo

    if not 0 <= args.events <= MAX_DEMO_EVENTS:
        raise InputError(f"--events must be between 0 and {MAX_DEMO_EVENTS:,}.")
    if args.if_empty and incidents.count(store):
        out.data({"created": False}, "The database already has incidents; no demo added.")
        return EXIT_OK
    main = demo.create(store, events=args.events)
    out.data({"created": True, "incident": main.as_dict()},
             f"Demo created: {main.ref} {main.title}" + (f" (+{args.events:,} entries)" if args.events else ""))
    return EXIT_OK


def incident_text(i: incidents.IncidentView) -> str:
    due = utc(i.next_update_due) if i.next_update_due else "— (resolved)"
    flags = [f for f, on in (("customer-facing", i.customer_facing), ("confidential", i.confidential),
                             ("EXERCISE", i.exercise)) if on]
    return "\n".join([
        f"{i.ref}  {i.title}",
        f"  status      {i.status.label}",
        f"  severity    {i.severity.value}",
        f"  category    {i.category.label}",
        f"  impact      {i.impact.label}",
        f"  commander   {i.commander or '—'}",
        f"  components  {', '.join(i.components) or '—'}",
        f"  detected    {utc(i.detected_at)}",
        f"  declared    {utc(i.declared_at)}",
        f"  next update {due}",
        f"  id          {i.id}",
    ] + ([f"  flags       {', '.join(flags)}"] if flags else []))


def cmd_open(store: Store, args, out: Output) -> int:
    detected = parse_when(args.detected, now=store.clock.now()) if args.detected else None
    i = incidents.open_incident(
        store, args.actor, title=args.title, severity=args.severity, category=args.category, impact=args.impact,
        customer_facing=args.customer_facing, components=args.components, detected_at=detected,
        commander=args.commander, confidential=args.confidential, exercise=args.exercise)
    out.data(i.as_dict(), f"Opened {i.ref}: {i.title} ({i.severity.value}, {i.status.label})")
    return EXIT_OK


def cmd_list(store: Store, args, out: Output) -> int:
    """Through the store, when the quick read (:func:`warroom.cli.quick.incident_list`) could not answer."""
    return print_incidents(incidents.list_incidents(store, include_resolved=not args.active, viewer=args.actor), out)


def cmd_show(store: Store, args, out: Output) -> int:
    from warroom.inbound import handle   # the incident's counterparts in PagerDuty, Jira…

    i = incidents.get(store, args.incident, viewer=args.actor)
    linked = handle.links(store, i.id, viewer=args.actor)
    text = incident_text(i) + "".join(f"\n  linked      {lk.source} {lk.external_id}" + (f" {lk.url}" if lk.url else "")
                                      for lk in linked)
    out.data({**i.as_dict(), "links": [{"source": lk.source, "kind": lk.kind, "external_id": lk.external_id,
                                        "url": lk.url} for lk in linked]}, text)
    return EXIT_OK


def cmd_status(store: Store, args, out: Output) -> int:
    i = incidents.set_status(store, args.actor, args.incident, args.status, note=args.note, reopen=args.reopen)
    out.data(i.as_dict(), f"{i.ref} is now {i.status.label}.")
    return EXIT_OK


def cmd_severity(store: Store, args, out: Output) -> int:
    i = incidents.set_severity(store, args.actor, args.incident, args.severity, note=args.note)
    out.data(i.as_dict(), f"{i.ref} is now {i.severity.value}.")
    return EXIT_OK


def cmd_members(store: Store, args, out: Output) -> int:
    i = incidents.set_members(store, args.actor, args.incident, add=args.add or [], remove=args.remove or [])
    out.data({"members": list(i.members), "commander": i.commander},
             f"{i.ref} members: {', '.join((i.commander,) + i.members)}")
    return EXIT_OK


def cmd_edit(store: Store, args, out: Output) -> int:
    changes: dict[str, Any] = {}
    for field in ("title", "category", "impact", "commander", "components"):
        value = getattr(args, field)
        if value is not None:
            changes[field] = value
    for field in ("customer_facing", "confidential", "exercise"):
        value = getattr(args, field)
        if value is not None:
            changes[field] = value
    if args.detected:
        changes["detected_at"] = parse_when(args.detected, now=store.clock.now())
    if not changes:
        raise InputError("Nothing to change: give at least one of --title, --category, --impact, ...")
    i = incidents.update_incident(store, args.actor, args.incident, **changes)
    out.data(i.as_dict(), incident_text(i))
    return EXIT_OK

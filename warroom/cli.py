"""``warroom-cli``: every capability, headless.

Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 not permitted
(the message names the role needed), 70 an unexpected internal error (details
in the log file).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DatabaseError as SQLDatabaseError

from warroom import __version__, logs, paths
from warroom.clock import SystemClock
from warroom.domain import Category, EntryKind, Impact, Status
from warroom.errors import CheckFailed, InputError, StoreDamaged, WarroomError
from warroom.identity import current_actor
from warroom.services import export as export_service
from warroom.services import cadence as policy, incidents, timeline
from warroom.app import open_store
from warroom.cli_common import (
    EXIT_CHECK, EXIT_INTERNAL, EXIT_OK, Output, etr_from_args, read_text_arg, terminal_safe, utc, write_out,
)
from warroom.store import Store
from warroom.store.faults import translate as translate_fault
from warroom.text.timeparse import parse_when

log = logging.getLogger("warroom.cli")

MAX_DEMO_EVENTS = 10_000_000


# -- commands ------------------------------------------------------------------

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


def _incident_text(i: incidents.IncidentView) -> str:
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


def cmd_incident_open(store: Store, args, out: Output) -> int:
    detected = parse_when(args.detected, now=store.clock.now()) if args.detected else None
    i = incidents.open_incident(
        store, args.actor, title=args.title, severity=args.severity, category=args.category, impact=args.impact,
        customer_facing=args.customer_facing, components=args.components, detected_at=detected,
        commander=args.commander, confidential=args.confidential, exercise=args.exercise)
    out.data(i.as_dict(), f"Opened {i.ref}: {i.title} ({i.severity.value}, {i.status.label})")
    return EXIT_OK


def cmd_incident_list(store: Store, args, out: Output) -> int:
    rows = incidents.list_incidents(store, include_resolved=not args.active, viewer=args.actor)
    if out.as_json:
        out.data([r.as_dict() for r in rows])
        return EXIT_OK
    if not rows:
        print("No incidents.")
    for r in rows:
        print(f"{r.ref:<8} {r.severity.value:<5} {r.status.label:<13} {utc(r.detected_at)}  {r.title}")
    return EXIT_OK


def cmd_incident_show(store: Store, args, out: Output) -> int:
    i = incidents.get(store, args.incident, viewer=args.actor)
    out.data(i.as_dict(), _incident_text(i))
    return EXIT_OK


def cmd_incident_status(store: Store, args, out: Output) -> int:
    i = incidents.set_status(store, args.actor, args.incident, args.status, note=args.note, reopen=args.reopen)
    out.data(i.as_dict(), f"{i.ref} is now {i.status.label}.")
    return EXIT_OK


def cmd_incident_severity(store: Store, args, out: Output) -> int:
    i = incidents.set_severity(store, args.actor, args.incident, args.severity, note=args.note)
    out.data(i.as_dict(), f"{i.ref} is now {i.severity.value}.")
    return EXIT_OK


def cmd_incident_members(store: Store, args, out: Output) -> int:
    i = incidents.set_members(store, args.actor, args.incident, add=args.add or [], remove=args.remove or [])
    out.data({"members": list(i.members), "commander": i.commander},
             f"{i.ref} members: {', '.join((i.commander,) + i.members)}")
    return EXIT_OK


def cmd_incident_edit(store: Store, args, out: Output) -> int:
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
    out.data(i.as_dict(), _incident_text(i))
    return EXIT_OK


def cmd_log(store: Store, args, out: Output) -> int:
    text = read_text_arg(args.text, args.file)
    at = parse_when(args.at, now=store.clock.now()) if args.at else None
    e = timeline.log(store, args.actor, args.incident, text, kind=args.kind, at=at)
    out.data(e.as_dict(), f"Logged {e.kind.label.lower()} at {utc(e.occurred_at)}.")
    return EXIT_OK


def cmd_edit_entry(store: Store, args, out: Output) -> int:
    text = read_text_arg(args.text, args.file)
    e = timeline.edit(store, args.actor, args.entry, text)
    out.data(e.as_dict(), "Entry updated; the previous text is kept in the journal.")
    return EXIT_OK


def cmd_timeline(store: Store, args, out: Output) -> int:
    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be 1 or more.")
    rows = timeline.entries(store, args.incident, viewer=args.actor, kind=args.kind, search=args.search,
                            limit=args.limit)
    if out.as_json:
        out.data([r.as_dict() for r in rows])
        return EXIT_OK
    for r in rows:
        edited = " (edited)" if r.edited_at else ""
        print(f"{r.occurred_at:%Y-%m-%d %H:%M:%S}Z  {r.kind.label:<14} {r.author:<16} {r.text}{edited}")
    if not rows:
        print("No entries." if not args.search else f"No entries match {args.search!r}.")
    if rows.truncated:
        print(f"warroom-cli: more than {len(rows):,} entries match; these are the most recently recorded. "
              "Add words to narrow the search.", file=sys.stderr)
    return EXIT_OK


def cmd_export(store: Store, args, out: Output) -> int:
    write_out(export_service.export_incident(store, args.incident, args.format, viewer=args.actor), args.out)
    return EXIT_OK


def cmd_verify(store: Store, args, out: Output) -> int:
    from warroom.services import integrity

    return _print_verify(integrity.check(store, storage=args.integrity), out)


def _print_verify(report: Any, out: Output) -> int:
    problems = list(report.problems)
    data = {"ok": report.ok, "devices": report.devices, "events": report.events, "problems": problems,
            "first_bad_event": report.first_bad_event, "notes": list(report.notes)}
    if out.as_json:
        out.data(data)
    elif problems:
        print(f"Journal check FAILED ({report.events:,} events on {report.devices} device(s)).")
        for p in problems:
            print(f"  first bad: {p}" if p == problems[0] else f"  also: {p}")
    else:
        signed = "" if report.notes else ", signed by this device"
        print(f"Journal intact: {report.events:,} events on {report.devices} device(s){signed}.")
    for note in report.notes:
        print(f"  note: {note}")
    return EXIT_CHECK if problems else EXIT_OK


def cmd_policy_show(store: Store, args, out: Output) -> int:
    intervals = policy.update_intervals(store)
    data = {sev.value: int(td.total_seconds()) for sev, td in intervals.items()}
    out.data(data, "\n".join(f"{sev.value}  update every {_human(td.total_seconds())}" for sev, td in intervals.items()))
    return EXIT_OK


def cmd_policy_set(store: Store, args, out: Output) -> int:
    policy.set_update_interval(store, args.actor, args.severity, policy.parse_interval(args.interval))
    return cmd_policy_show(store, args, out)


def cmd_policy_reviews(store: Store, args, out: Output) -> int:

    from warroom.services import review_rules

    narrowed = bool(args.severity or args.category)
    if args.remove:
        if not (args.audience and narrowed):
            raise InputError("--remove takes an audience and its --severity and/or --category rule.")
        rules = review_rules.set_policy(store, args.actor, args.audience, None, severity=args.severity,
                                  category=args.category)
    elif args.audience and args.roles:
        rules = review_rules.set_policy(store, args.actor, args.audience, args.roles, severity=args.severity,
                                  category=args.category)
    elif args.audience or narrowed:
        raise InputError("Give an audience and the reviews, e.g. `policy reviews customers "
                         "technical_reviewer,comms_reviewer --severity SEV4`.")
    else:
        rules = review_rules.policy(store)
    width = max(len(review_rules.describe_key(k)) for k in rules) + 2
    out.data({key: [r.value for r in roles] for key, roles in rules.items()},
             "\n".join(f"{review_rules.describe_key(key):<{width}} {', '.join(r.label.lower() for r in roles)}"
                       for key, roles in rules.items())
             + "\n(the most specific rule applies; security and data incidents always add legal review)")
    return EXIT_OK


def cmd_policy_arbiter(store: Store, args, out: Output) -> int:

    from warroom.services import review_rules

    name = review_rules.set_arbiter(store, args.actor, args.name)
    out.data({"arbiter": name}, f"Disputes go to {'the incident commander' if name == 'commander' else name}.")
    return EXIT_OK


def cmd_policy_window(store: Store, args, out: Output) -> int:

    from warroom.services import review_rules

    review_rules.set_window(store, args.actor, args.severity, policy.parse_interval(args.window))
    out.data({"severity": args.severity, "window": args.window}, f"Review window for {args.severity}: {args.window}.")
    return EXIT_OK


def _human(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


# -- templates, rendering, settings ------------------------------------------------------

def cmd_template_list(store: Store, args, out: Output) -> int:
    from warroom.services import templates

    rows = templates.list_templates(store, category=args.category, audience=args.audience, locale=args.locale,
                                    phase=args.phase)
    if out.as_json:
        out.data([{**t.as_dict(), "updated_at": t.updated_at} for t in rows])
        return EXIT_OK
    for t in rows:
        flag = " (pre-approved)" if t.preapproved else ""
        print(f"{t.name:<40} {t.locale:<6} {t.category:<12} {t.audience:<11} {t.phase:<10} v{t.version}{flag}")
    if not rows:
        print("No templates.")
    return EXIT_OK


def cmd_template_show(store: Store, args, out: Output) -> int:
    from warroom.services import templates

    t = templates.get(store, args.name, args.locale)
    if args.version:
        matches = [v for v in templates.versions(store, t.id) if v.version == args.version]
        if not matches:
            raise InputError(f"{t.name} has versions 1 to {t.version}.")
        t = matches[0]
    text = "\n".join([f"{t.name} ({t.locale}) v{t.version}: {t.category} / {t.audience} / {t.phase}"
                      + (" — pre-approved" if t.preapproved else ""),
                      f"Subject: {t.subject}", "", "--- long ---", t.long.rstrip(), "", "--- short ---",
                      t.short.rstrip(), "", "--- chat ---", t.chat.rstrip()])
    out.data({**t.as_dict(), "updated_at": t.updated_at, "author": t.author}, text)
    return EXIT_OK


def cmd_template_import(store: Store, args, out: Output) -> int:
    from warroom.services import templates

    path = Path(args.file)
    changed, same = templates.import_many(store, args.actor, templates.read_file(path), source=str(path))
    out.data({"saved": changed, "unchanged": same}, f"Imported {path}: {changed} saved, {same} unchanged.")
    return EXIT_OK


def cmd_template_export(store: Store, args, out: Output) -> int:
    from warroom.services import templates

    write_out(templates.export(store), args.out)
    return EXIT_OK


def cmd_render(store: Store, args, out: Output) -> int:
    from warroom.services import compose

    etr = etr_from_args(store, args)
    r = compose.render_update(store, args.incident, audience=args.audience, viewer=args.actor, locale=args.locale,
                              template=args.template, etr=etr)
    channels = [args.channel] if args.channel else list(("long", "short", "chat"))
    if out.as_json:
        out.data({"template": r.template.name, "version": r.template.version, "locale": r.locale,
                  "audience": r.audience, "subject": r.subject, **{c: r.body(c) for c in channels},
                  "sms": {"encoding": r.sms.encoding, "segments": r.sms.segments, "units": r.sms.units}})
        return EXIT_OK
    print(f"# {r.template.name} ({r.locale}) v{r.template.version} for {r.audience}")
    print(f"Subject: {r.subject}")
    for c in channels:
        extra = f"  [{r.sms}]" if c == "short" else ""
        print(f"\n--- {c}{extra} ---")
        print(r.body(c).rstrip())
    return EXIT_OK


def cmd_person_set(store: Store, args, out: Output) -> int:
    from warroom.services import people

    backups = {}
    for item in args.backup or []:
        role, _, who = item.partition("=")
        if not who:
            raise InputError(f"--backup takes ROLE=NAME, e.g. comms_reviewer='Mia Lindqvist', not {item!r}.")
        backups[role] = who
    until = None
    availability = args.availability
    if args.until:
        until = parse_when(args.until, now=store.clock.now(), future=True)
        availability = "until"
    p = people.save(store, args.actor, args.name, email=args.email, roles=args.roles,
                    backups=backups if args.backup else None, availability=availability, available_until=until)
    out.data(p.as_dict(), f"{p.name} saved: {', '.join(r.label for r in p.roles)}.")
    return EXIT_OK


def cmd_person_permissions(store: Store, args, out: Output) -> int:
    from warroom.services import access

    rows = access.table()
    columns = list(rows[0][1])
    short = {c: "".join(w[0] for w in c.replace("'s", "").split()).upper() for c in columns}
    width = max(len(name) for name, _ in rows) + 2
    lines = [" " * width + " ".join(f"{short[c]:>4}" for c in columns)]
    lines += [f"{name:<{width}}" + " ".join(f"{'yes' if ok else '·':>4}" for ok in cells.values())
              for name, cells in rows]
    lines += ["", "  ".join(f"{short[c]}: {c}" for c in columns),
              "The incident's commander: the one commanding that incident (who holds the incident commander role)."]
    out.data([{"action": name, **cells} for name, cells in rows], "\n".join(lines))
    return EXIT_OK


def cmd_template_approve(store: Store, args, out: Output) -> int:
    from warroom.services import templates

    t = templates.approve_version(store, args.actor, args.name, args.locale, version=args.version, role=args.role)
    out.data({**t.as_dict(), "reviewed": t.reviewed},
             f"Recorded. {t.name} ({t.locale}) v{t.version} is "
             + ("pre-approved: it goes out unchanged without review." if t.reviewed
                else "waiting for the other review (comms and legal) before it is pre-approved."))
    return EXIT_OK


def cmd_person_list(store: Store, args, out: Output) -> int:
    from warroom.services import people

    rows = people.list_people(store)
    now = store.clock.now()
    if out.as_json:
        out.data([p.as_dict() for p in rows])
        return EXIT_OK
    for p in rows:
        state = "available" if p.available(now) else "unavailable"
        backups = ", ".join(f"{r}: {w}" for r, w in p.backups.items())
        print(f"{p.name:<24} {', '.join(r.value for r in p.roles):<48} {state:<12} {p.email or ''}"
              + (f"  backups: {backups}" if backups else ""))
    if not rows:
        print("No people yet: `warroom-cli person add NAME --roles technical_reviewer`.")
    return EXIT_OK


def cmd_stakeholder_add(store: Store, args, out: Output) -> int:
    from warroom.services import stakeholders

    fields = {f: getattr(args, f) for f in ("name", "kind", "audience", "email", "phone", "slack", "teams",
                                             "timezone", "locale", "owner", "success_manager", "jurisdiction",
                                             "region") if getattr(args, f, None) is not None}
    if args.verified:
        fields["verified_at"] = store.clock.now()
    s = stakeholders.save(store, args.actor, **fields)
    out.data(s.as_dict(), f"{s.name} saved ({s.audience}" + (f", {s.phone}" if s.phone else "") + ").")
    return EXIT_OK


def cmd_stakeholder_list(store: Store, args, out: Output) -> int:
    from warroom.services import stakeholders

    rows = stakeholders.list_stakeholders(store, audience=args.audience, search=args.search)
    out.data([r.as_dict() for r in rows],
             "\n".join(f"{r.name:<28} {r.audience:<12} {r.email or '—':<32} {r.phone or '—':<16} "
                       f"{r.timezone or ''}" for r in rows) or "No stakeholders.")
    return EXIT_OK


def cmd_stakeholder_import(store: Store, args, out: Output) -> int:
    from warroom.services import stakeholders

    text = stakeholders.read_file(args.file)
    if args.file.lower().endswith((".vcf", ".vcard")):
        if not args.audience:
            raise InputError("A vCard file has no audience: add --audience (e.g. key-accounts or customers).")
        n = stakeholders.import_vcard(store, args.actor, text, audience=args.audience, source=args.file,
                                      region=args.region)
    else:
        n = stakeholders.import_csv(store, args.actor, text, source=args.file)
    out.data({"imported": n}, f"Imported {n} stakeholders from {args.file}.")
    return EXIT_OK


def cmd_stakeholder_export(store: Store, args, out: Output) -> int:
    from warroom.services import stakeholders

    write_out(stakeholders.export_csv(store), args.out)
    return EXIT_OK


def cmd_stakeholder_validate(store: Store, args, out: Output) -> int:
    from datetime import timedelta

    from warroom.services import stakeholders

    report = stakeholders.validate(store, stale_after=timedelta(days=args.stale_days))
    out.data({"ok": report.ok, "invalid": report.invalid, "missing": report.missing, "stale": report.stale,
              "total": report.total},
             (f"All {report.total} stakeholders reachable and verified in the last {args.stale_days} days."
              if report.ok else "\n".join(["Invalid contacts:"] + [f"  {m}" for m in report.invalid]
                                           + ["Missing contacts:"] + [f"  {m}" for m in report.missing]
                                           + ["Stale contacts:"] + [f"  {m}" for m in report.stale])))
    return EXIT_OK if report.ok else EXIT_CHECK


def cmd_audience_list(store: Store, args, out: Output) -> int:
    from warroom.services import audiences

    rows = audiences.list_audiences(store)
    out.data([{"name": a.name, "label": a.label, "external": a.external, "locale": a.locale,
               "timezone": a.timezone} for a in rows],
             "\n".join(f"{a.name:<12} {'external' if a.external else 'internal':<9} {a.locale or '—':<6} "
                       f"{a.timezone or '—':<20} {a.label}" for a in rows))
    return EXIT_OK


def cmd_audience_set(store: Store, args, out: Output) -> int:
    from warroom.services import audiences

    a = audiences.save(store, args.actor, args.name, label=args.label, external=args.external,
                       locale=args.locale, timezone=args.timezone)
    out.data({"name": a.name, "label": a.label, "external": a.external, "locale": a.locale,
              "timezone": a.timezone}, f"Audience {a.name} saved.")
    return EXIT_OK


def cmd_org(store: Store, args, out: Output) -> int:
    from warroom.services import settings

    if args.name is not None or args.status_url is not None:
        settings.set_org(store, args.actor, name=args.name, status_url=args.status_url)
    if args.internal_domain is not None or args.staff_domain is not None or args.public_host is not None:
        settings.set_lint_domains(store, args.actor, internal_domains=args.internal_domain,
                                  staff_email_domains=args.staff_domain, public_hosts=args.public_host)
    org = settings.get_org(store)
    cfg = settings.lint_config(store)
    out.data({"name": org.name, "status_url": org.status_url, "internal_domains": list(cfg.internal_domains),
              "staff_email_domains": list(cfg.staff_email_domains), "public_hosts": list(cfg.public_hosts)},
             f"Organisation: {org.name}\nStatus page: {org.status_url or '—'}\n"
             f"Internal domains: {', '.join(cfg.internal_domains) or '—'}\n"
             f"Staff e-mail domains: {', '.join(cfg.staff_email_domains) or '—'}\n"
             f"Public hosts: {', '.join(cfg.public_hosts) or '—'}")
    return EXIT_OK


def cmd_lint(store: Store, args, out: Output) -> int:
    from warroom.text.lint import lint
    from warroom.services import audiences, settings

    text = read_text_arg(None, args.file)
    external = audiences.get(store, args.audience).external if args.audience else True
    status = Status.parse(args.status).value if args.status else None
    findings = lint(text, external=external, status=status, channel=args.channel,
                    config=settings.lint_config(store))
    blocking = any(f.blocking for f in findings)
    if out.as_json:
        out.data({"blocking": blocking, "findings": [
            {"rule": f.rule, "blocking": f.blocking, "start": f.start, "end": f.end, "text": text[f.start:f.end],
             "line": text.count("\n", 0, f.start) + 1, "message": f.message, "suggestion": f.suggestion}
            for f in findings]})
    else:
        for f in findings:
            line = text.count("\n", 0, f.start) + 1
            col = f.start - (text.rfind("\n", 0, f.start) + 1) + 1
            kind = "BLOCKING" if f.blocking else "warning"
            print(f"{args.file}:{line}:{col}: {kind} [{f.rule}] {text[f.start:f.end][:60]!r}: {f.message}")
            print(f"    suggestion: {f.suggestion}")
        print(f"{len(findings)} finding(s), {'blocking' if blocking else 'nothing blocking'}.")
    return EXIT_CHECK if blocking else EXIT_OK


# -- parser ---------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database file (default: WARROOM_DB, then the user data folder)")
    common.add_argument("--as", dest="actor", default=argparse.SUPPRESS, help="who you are (default: WARROOM_USER)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print data as JSON")

    parser = argparse.ArgumentParser(prog="warroom-cli", parents=[common],
                                     description="War room: incident communications, headless.")
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func, help: str, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(func=func)
        return p

    add("init", cmd_init, "create the database (or check that it opens)")
    p = add("demo", cmd_demo, "create a demo incident: a regional cloud outage")
    p.add_argument("--events", type=int, default=0, metavar="N", help="add N more timeline entries (scale tests)")
    p.add_argument("--if-empty", action="store_true", help="only if the database has no incidents yet")

    inc = sub.add_parser("incident", help="open, list, show and change incidents").add_subparsers(
        dest="incident_command", metavar="ACTION", required=True)
    p = add("open", cmd_incident_open, "declare a new incident", inc)
    p.add_argument("title")
    p.add_argument("--severity", "-s", required=True, help="SEV1 .. SEV4")
    p.add_argument("--category", "-c", default="other", help=", ".join(c.value for c in Category))
    p.add_argument("--impact", default="degraded", help=", ".join(i.value for i in Impact))
    p.add_argument("--customer-facing", action="store_true")
    p.add_argument("--components", help="comma-separated affected components")
    p.add_argument("--detected", metavar="TIME", help="when it was detected (default: now)")
    p.add_argument("--commander", help="incident commander (default: you)")
    p.add_argument("--confidential", action="store_true")
    p.add_argument("--exercise", action="store_true", help="a tabletop exercise, not a real incident")
    p = add("list", cmd_incident_list, "list incidents, active first", inc)
    p.add_argument("--active", action="store_true", help="only incidents not yet resolved")
    p = add("show", cmd_incident_show, "show one incident", inc)
    p.add_argument("incident")
    p = add("status", cmd_incident_status, "change the status", inc)
    p.add_argument("incident")
    p.add_argument("status", help=", ".join(s.value for s in Status))
    p.add_argument("--note", help="why (logged on the timeline)")
    p.add_argument("--reopen", action="store_true", help="reopen a resolved incident")
    p = add("severity", cmd_incident_severity, "change the severity", inc)
    p.add_argument("incident")
    p.add_argument("severity")
    p.add_argument("--note")
    p = add("members", cmd_incident_members, "who may see a confidential incident", inc)
    p.add_argument("incident")
    p.add_argument("--add", action="append", metavar="NAME")
    p.add_argument("--remove", action="append", metavar="NAME")
    p = add("edit", cmd_incident_edit, "change an incident's facts", inc)
    p.add_argument("incident")
    p.add_argument("--title")
    p.add_argument("--category")
    p.add_argument("--impact")
    p.add_argument("--commander")
    p.add_argument("--components")
    p.add_argument("--detected", metavar="TIME")
    for flag in ("customer-facing", "confidential", "exercise"):
        dest = flag.replace("-", "_")
        p.add_argument(f"--{flag}", dest=dest, action="store_true", default=None)
        p.add_argument(f"--not-{flag}", dest=dest, action="store_false")

    p = add("log", cmd_log, "log a timeline entry")
    p.add_argument("incident")
    p.add_argument("text", nargs="?")
    p.add_argument("--kind", "-k", default="note", help="note, action, decision, external")
    p.add_argument("--at", metavar="TIME", help="back-date the entry (never in the future)")
    p.add_argument("--file", metavar="FILE", help="read the text from FILE (UTF-8; - for standard input)")
    p = add("edit-entry", cmd_edit_entry, "correct an entry's text (the journal keeps the old text)")
    p.add_argument("entry", help="entry id")
    p.add_argument("text", nargs="?")
    p.add_argument("--file", metavar="FILE")
    p = add("timeline", cmd_timeline, "print an incident's timeline")
    p.add_argument("incident")
    p.add_argument("--search", "-q", help="full-text search")
    p.add_argument("--kind", "-k", help=", ".join(k.value for k in EntryKind))
    p.add_argument("--limit", type=int, help="only the last N entries")
    p = add("export", cmd_export, "export an incident")
    p.add_argument("incident")
    p.add_argument("--format", "-f", default="markdown", help="json or markdown")
    p.add_argument("--out", "-o", help="write to FILE instead of standard output")
    p = add("verify", cmd_verify, "check every journal chain; exit 1 naming the first bad event")
    p.add_argument("--integrity", action="store_true", help="also run SQLite's full integrity check")

    tpl = sub.add_parser("template", help="status-update templates").add_subparsers(
        dest="template_command", metavar="ACTION", required=True)
    p = add("list", cmd_template_list, "list templates", tpl)
    for opt in ("--category", "--audience", "--locale", "--phase"):
        p.add_argument(opt)
    p = add("show", cmd_template_show, "show a template", tpl)
    p.add_argument("name")
    p.add_argument("--locale")
    p.add_argument("--version", type=int, help="an earlier version")
    p = add("import", cmd_template_import, "import templates (a JSON export or TOML [[template]] tables)", tpl)
    p.add_argument("file")
    p = add("approve", cmd_template_approve, "review a holding statement's version for pre-approval "
                                             "(comms and legal)", tpl)
    p.add_argument("name")
    p.add_argument("--locale")
    p.add_argument("--version", type=int, help="an earlier version (default: the current one)")
    p.add_argument("--role", help="comms_reviewer or legal_reviewer, if you hold both")
    p = add("export", cmd_template_export, "export every template as JSON", tpl)
    p.add_argument("--out", "-o")
    p = add("render", cmd_render, "render the update an audience would get now")
    p.add_argument("incident")
    p.add_argument("--audience", "-a", required=True)
    p.add_argument("--channel", choices=("long", "short", "chat"))
    p.add_argument("--locale")
    p.add_argument("--template", help="a template by name instead of the selected one")
    p.add_argument("--etr", metavar="TIME[..TIME]", help="estimated resolution: a time or a window")
    p.add_argument("--etr-confidence", default="medium", help="low, medium or high")
    p.add_argument("--etr-by", metavar="NAME", help="who assessed the ETR (required with --etr)")
    from warroom import cli_updates

    cli_updates.register(sub, add, common)
    per = sub.add_parser("person", help="people, roles, backups, availability").add_subparsers(
        dest="person_command", metavar="ACTION", required=True)
    for verb, help_text in (("add", "add a person"), ("set", "change a person")):
        p = add(verb, cmd_person_set, help_text, per)
        p.add_argument("name")
        p.add_argument("--email")
        p.add_argument("--roles", help="comma-separated: incident_commander, technical_reviewer, comms_reviewer, "
                                       "legal_reviewer, communications_owner, viewer")
        p.add_argument("--backup", action="append", metavar="ROLE=NAME", help="who stands in for a review role")
        p.add_argument("--availability", choices=("on_duty", "off_duty"))
        p.add_argument("--until", metavar="TIME", help="available until TIME")
    add("list", cmd_person_list, "list people", per)
    add("permissions", cmd_person_permissions, "print who may do what (the permission table)", per)
    st = sub.add_parser("stakeholder", help="the stakeholder register").add_subparsers(
        dest="stakeholder_command", metavar="ACTION", required=True)
    p = add("add", cmd_stakeholder_add, "add or change a stakeholder", st)
    p.add_argument("name")
    p.add_argument("--audience", required=True)
    p.add_argument("--kind", choices=("person", "group"))
    for opt in ("email", "phone", "slack", "teams", "timezone", "locale", "owner", "success-manager",
                "jurisdiction"):
        p.add_argument(f"--{opt}")
    p.add_argument("--region", help="for national phone numbers: DE, US, …")
    p.add_argument("--verified", action="store_true", help="the contacts were verified now")
    p = add("list", cmd_stakeholder_list, "list stakeholders", st)
    p.add_argument("--audience")
    p.add_argument("--search")
    p = add("import", cmd_stakeholder_import, "import stakeholders from CSV or vCard (all or nothing)", st)
    p.add_argument("file", help="a .csv with a header line, or a .vcf address book export")
    p.add_argument("--audience", help="for vCards: which audience they belong to")
    p.add_argument("--region", help="for national phone numbers: DE, US, …")
    p = add("export", cmd_stakeholder_export, "export stakeholders as CSV", st)
    p.add_argument("--out", "-o")
    p = add("validate", cmd_stakeholder_validate, "missing and stale contacts; exit 1 if any", st)
    p.add_argument("--stale-days", type=int, default=90)
    aud = sub.add_parser("audience", help="the audiences updates are written for").add_subparsers(
        dest="audience_command", metavar="ACTION", required=True)
    add("list", cmd_audience_list, "list audiences", aud)
    p = add("set", cmd_audience_set, "add or change an audience", aud)
    p.add_argument("name")
    p.add_argument("--label")
    p.add_argument("--external", dest="external", action="store_true", default=None)
    p.add_argument("--internal", dest="external", action="store_false")
    p.add_argument("--locale")
    p.add_argument("--timezone")
    p = add("org", cmd_org, "show or set the organisation's name, status page, and what is internal")
    p.add_argument("--name")
    p.add_argument("--status-url")
    p.add_argument("--internal-domain", action="append", metavar="DOMAIN",
                   help="a domain whose hosts are internal (repeat; replaces the list)")
    p.add_argument("--staff-domain", action="append", metavar="DOMAIN", help="staff e-mail domain (repeat)")
    p.add_argument("--public-host", action="append", metavar="HOST", help="a public host never flagged (repeat)")
    p = add("lint", cmd_lint, "check an update's text: exit 1 if anything blocks publishing")
    p.add_argument("file", help="a UTF-8 text file, or - for standard input")
    p.add_argument("--audience", help="who it is for (default: an external audience)")
    p.add_argument("--status", help="the incident's status (for speculation and next-update checks)")
    p.add_argument("--channel", choices=("long", "short", "chat"))

    from warroom import cli_audit

    cli_audit.register(sub, add)

    pol = sub.add_parser("policy", help="update cadence per severity").add_subparsers(
        dest="policy_command", metavar="ACTION", required=True)
    add("show", cmd_policy_show, "show the update interval per severity", pol)
    p = add("reviews", cmd_policy_reviews, "show, or set for an audience (at a severity, in a category), the "
                                           "reviews updates need", pol)
    p.add_argument("audience", nargs="?")
    p.add_argument("roles", nargs="?", help="e.g. technical_reviewer,comms_reviewer")
    p.add_argument("--severity", help="only at this severity, e.g. SEV4")
    p.add_argument("--category", help="only for incidents of this category, e.g. network")
    p.add_argument("--remove", action="store_true", help="remove the --severity/--category rule")
    p = add("arbiter", cmd_policy_arbiter, "who settles disputed updates (a person, or 'commander')", pol)
    p.add_argument("name")
    p = add("window", cmd_policy_window, "set how long a reviewer has, per severity", pol)
    p.add_argument("severity")
    p.add_argument("window", help="e.g. 10m, 1h")
    p = add("set", cmd_policy_set, "set the update interval of a severity", pol)
    p.add_argument("severity")
    p.add_argument("interval", help="e.g. 30m, 1h, 4h, 1d")

    from warroom import cli_delivery

    cli_delivery.register(sub, add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever it prints is safe for a terminal (:func:`terminal_safe`)."""
    with terminal_safe():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = getattr(args, "json", False)
    out = Output(as_json)
    logs.setup()
    try:
        _check_arguments(args)
        args.actor = current_actor(getattr(args, "actor", None))
        if getattr(args, "no_store", False):  # checks an archive anyone can verify, no database needed
            code = args.func(None, args, out)
        else:
            db = paths.resolve_db_path(getattr(args, "db", None))
            with open_store(db, clock=SystemClock()) as store:
                code = args.func(store, args, out)
    except CheckFailed as exc:
        _error(str(exc), as_json)
        return EXIT_CHECK
    except StoreDamaged as exc:
        if getattr(args, "func", None) is not cmd_verify:
            _error(str(exc), as_json)
            return exc.exit_code
        # Too damaged to open: the check still says where.
        from warroom.services import integrity

        db = paths.resolve_db_path(getattr(args, "db", None))
        return _print_verify(integrity.damaged(db, f"the database cannot be opened ({exc.detail})"), out)
    except WarroomError as exc:
        _error(str(exc), as_json)
        return exc.exit_code
    except SQLDatabaseError as exc:
        log.exception("database error")
        fault = translate_fault(exc, paths.resolve_db_path(getattr(args, "db", None)))
        _error(str(fault) if fault is not None else
               f"The database reported an error: {exc.orig}. `warroom-cli verify --integrity` checks the "
               "file.", as_json)
        return fault.exit_code if fault is not None else EXIT_CHECK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # pragma: no cover - the message points to the log
        log.exception("unexpected error")
        _error(f"Unexpected error: {exc}. Details are in the log ({paths.log_dir()}).", as_json)
        return EXIT_INTERNAL
    return code


def _check_arguments(args: argparse.Namespace) -> None:
    """Bytes that are not UTF-8 arrive as surrogates: refuse them once, here."""
    for name, value in vars(args).items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(f"The {name.replace('_', ' ')} argument is not valid UTF-8 text.") from None


def _error(message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": message}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"warroom-cli: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

"""``warroom-cli template list|show|import|export|approve`` and ``render``."""

from __future__ import annotations

from pathlib import Path

from warroom.cli.common import EXIT_OK, Output, etr_from_args, write_out
from warroom.errors import InputError
from warroom.services import compose, templates
from warroom.store import Store


def cmd_list(store: Store, args, out: Output) -> int:
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


def cmd_show(store: Store, args, out: Output) -> int:
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


def cmd_import(store: Store, args, out: Output) -> int:
    path = Path(args.file)
    changed, same = templates.import_many(store, args.actor, templates.read_file(path), source=str(path))
    out.data({"saved": changed, "unchanged": same}, f"Imported {path}: {changed} saved, {same} unchanged.")
    return EXIT_OK


def cmd_export(store: Store, args, out: Output) -> int:
    write_out(templates.export(store), args.out)
    return EXIT_OK


def cmd_approve(store: Store, args, out: Output) -> int:
    t = templates.approve_version(store, args.actor, args.name, args.locale, version=args.version, role=args.role)
    out.data({**t.as_dict(), "reviewed": t.reviewed},
             f"Recorded. {t.name} ({t.locale}) v{t.version} is "
             + ("pre-approved: it goes out unchanged without review." if t.reviewed
                else "waiting for the other review (comms and legal) before it is pre-approved."))
    return EXIT_OK


def cmd_render(store: Store, args, out: Output) -> int:
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

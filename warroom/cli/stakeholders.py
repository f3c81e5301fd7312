"""``warroom-cli stakeholder add|list|import|export|validate``: the register."""

from __future__ import annotations

from datetime import timedelta

from warroom.cli.common import EXIT_CHECK, EXIT_OK, Output, write_out
from warroom.errors import InputError
from warroom.services import incidents, stakeholders
from warroom.store import Store


_FIELDS = ("name", "kind", "audience", "email", "phone", "slack", "teams", "timezone", "locale", "owner",
           "success_manager", "jurisdiction", "region", "key_account", "components")


def _saved(s) -> str:
    return (f"{s.name} saved ({s.audience}" + (f", {s.phone}" if s.phone else "") +
            (f", key account of {s.success_manager}" if s.key_account else "") + ").")


def cmd_add(store: Store, args, out: Output) -> int:
    fields = {f: getattr(args, f) for f in _FIELDS if getattr(args, f, None) is not None}
    if args.verified:
        fields["verified_at"] = store.clock.now()
    s = stakeholders.save(store, args.actor, **fields)
    out.data(s.as_dict(), _saved(s))
    return EXIT_OK


def cmd_edit(store: Store, args, out: Output) -> int:
    fields = {f: getattr(args, f) for f in _FIELDS if f != "name" and getattr(args, f, None) is not None}
    if args.verified:
        fields["verified_at"] = store.clock.now()
    if not fields:
        raise InputError("Say what to change, e.g. --key-account --success-manager NAME --components Checkout.")
    s = stakeholders.edit(store, args.actor, args.name, **fields)
    out.data(s.as_dict(), _saved(s))
    return EXIT_OK


def cmd_list(store: Store, args, out: Output) -> int:
    if args.incident:       # an exercise addresses its own stakeholders, which the register leaves out
        rows = stakeholders.for_incident(store, incidents.get(store, args.incident, viewer=args.actor),
                                         audience=args.audience, search=args.search)
    else:
        rows = stakeholders.list_stakeholders(store, audience=args.audience, search=args.search)
    out.data([r.as_dict() for r in rows],
             "\n".join(f"{r.name:<28} {r.audience:<12} {r.email or '—':<32} {r.phone or '—':<16} "
                       f"{r.timezone or ''}" for r in rows) or "No stakeholders.")
    return EXIT_OK


def cmd_import(store: Store, args, out: Output) -> int:
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


def cmd_export(store: Store, args, out: Output) -> int:
    write_out(stakeholders.export_csv(store), args.out)
    return EXIT_OK


def cmd_validate(store: Store, args, out: Output) -> int:
    report = stakeholders.validate(store, stale_after=timedelta(days=args.stale_days))
    sections = (("Invalid contacts:", report.invalid), ("Missing contacts:", report.missing),
                ("Stale contacts:", report.stale), ("Warnings:", report.warnings))
    listed = "\n".join(line for heading, items in sections if items
                       for line in [heading] + [f"  {m}" for m in items])
    head = f"All {report.total} stakeholders reachable and verified in the last {args.stale_days} days."
    out.data({"ok": report.ok, "invalid": report.invalid, "missing": report.missing, "stale": report.stale,
              "warnings": report.warnings, "total": report.total},
             "\n".join(x for x in (head if report.ok else "", listed) if x))
    return EXIT_OK if report.ok else EXIT_CHECK

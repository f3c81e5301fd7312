"""``warroom-cli audience list|set``, ``org`` and ``lint``: what updates are written for and checked against."""

from __future__ import annotations

from warroom.cli.common import EXIT_CHECK, EXIT_OK, Output, read_text_arg
from warroom.domain import Status
from warroom.text.lint import lint
from warroom.services import audiences, settings
from warroom.store import Store


def cmd_audience_list(store: Store, args, out: Output) -> int:
    rows = audiences.list_audiences(store)
    out.data([{"name": a.name, "label": a.label, "external": a.external, "locale": a.locale,
               "timezone": a.timezone} for a in rows],
             "\n".join(f"{a.name:<12} {'external' if a.external else 'internal':<9} {a.locale or '—':<6} "
                       f"{a.timezone or '—':<20} {a.label}" for a in rows))
    return EXIT_OK


def cmd_audience_set(store: Store, args, out: Output) -> int:
    a = audiences.save(store, args.actor, args.name, label=args.label, external=args.external,
                       locale=args.locale, timezone=args.timezone)
    out.data({"name": a.name, "label": a.label, "external": a.external, "locale": a.locale,
              "timezone": a.timezone}, f"Audience {a.name} saved.")
    return EXIT_OK


def cmd_org(store: Store, args, out: Output) -> int:
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

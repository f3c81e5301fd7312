"""``warroom-cli inquiry add|list|answer|reopen|faq|settings``: stakeholders' questions
on an incident, and the FAQ bulletin when they repeat; ``update key-accounts``:
key accounts' personal updates."""

from __future__ import annotations

import sys
from datetime import timedelta

from warroom.cli.common import EXIT_OK, Output, utc
from warroom.services import inquiries, key_accounts, refs
from warroom.services.inquiries import InquiryView
from warroom.store import Store


def _line(q: InquiryView) -> str:
    state = ("OPEN" if not q.answered else f"OPEN ({q.answer} {q.answer_state})" if q.open
             else f"answered by {q.answer}")
    return f"{q.ref:<12} {utc(q.asked_at)}  {q.category:<9} {q.channel:<8} {q.asked_by:<24} {state:<22} {q.text}"


def _suggest(store: Store, args, *, to_stderr: bool) -> list:
    found = inquiries.suggestions(store, args.incident, viewer=args.actor)
    for s in found:
        text = f"{s.text} (inquiry faq {args.incident} {s.category})"
        print(f"warroom-cli: suggestion: {text}" if to_stderr else text, file=sys.stderr if to_stderr else sys.stdout)
    return found


def cmd_add(store: Store, args, out: Output) -> int:
    q = inquiries.add_inquiry(store, args.actor, args.incident, args.text, asked_by=args.asked_by,
                              category=args.category, channel=args.channel, asked_at=args.at)
    out.data(q.as_dict(), f"Logged {q.ref}: {q.category} question from {q.asked_by} ({q.channel})"
                          + ("" if q.stakeholder else ", not in the stakeholder register") + ".")
    _suggest(store, args, to_stderr=True)
    return EXIT_OK


def cmd_list(store: Store, args, out: Output) -> int:
    rows = inquiries.list_inquiries(store, args.incident, viewer=args.actor, category=args.category,
                                    open_only=args.open)
    if out.as_json:
        out.data({"inquiries": [q.as_dict() for q in rows],
                  "suggestions": [s.as_dict() for s in inquiries.suggestions(store, args.incident,
                                                                             viewer=args.actor)]})
        return EXIT_OK
    for q in rows:
        print(_line(q))
    if not rows:
        print("No inquiries logged.")
    else:
        print(f"{sum(1 for q in rows if q.open)} of {len(rows)} open.")
    _suggest(store, args, to_stderr=False)
    return EXIT_OK


def cmd_answer(store: Store, args, out: Output) -> int:
    q = inquiries.answer(store, args.actor, args.inquiry, args.update)
    out.data(q.as_dict(), f"{q.ref} answered by {q.answer}.")
    return EXIT_OK


def cmd_reopen(store: Store, args, out: Output) -> int:
    q = inquiries.reopen(store, args.actor, args.inquiry)
    out.data(q.as_dict(), f"{q.ref} open again.")
    return EXIT_OK


def cmd_faq(store: Store, args, out: Output) -> int:
    d = inquiries.draft_faq(store, args.actor, args.incident, args.category, audience=args.audience,
                            locale=args.locale)
    ref = refs.draft_names(store, [d.id])[d.id][0]
    held = [q.ref for q in inquiries.list_inquiries(store, args.incident, viewer=args.actor) if q.answer_id == d.id]
    out.data({"id": str(d.id), "ref": ref, "audience": d.audience, "locale": d.locale, "subject": d.subject,
              "long": d.long, "questions": held},
             f"Drafted {ref}, a FAQ for {d.audience} holding {len(held)} questions ({', '.join(held)}): write the "
             f"answers (update edit {ref}), then submit it for review.")
    return EXIT_OK


def cmd_settings(store: Store, args, out: Output) -> int:
    if args.categories is None and args.threshold is None and args.window is None:
        config = inquiries.get_settings(store)
    else:
        from warroom.services.cadence import parse_interval

        config = inquiries.set_settings(
            store, args.actor,
            categories=[c for c in args.categories.split(",") if c.strip()] if args.categories is not None else None,
            threshold=args.threshold, window=parse_interval(args.window) if args.window else None)
    minutes = int(config.window / timedelta(minutes=1))
    out.data(config.as_dict(), f"Categories: {', '.join(config.categories)}\n"
                               f"A FAQ is suggested after {config.threshold} questions in one category within "
                               f"{minutes} minutes.")
    return EXIT_OK


def cmd_key_accounts(store: Store, args, out: Output) -> int:
    made = key_accounts.draft_key_accounts(store, args.actor, args.incident, accounts=args.account or None)
    names = refs.draft_names(store, [d.id for d in made.drafts])
    lines = [f"{names[d.id][0]:<10} {d.addressee:<24} {d.locale:<6} {d.subject}" for d in made.drafts]
    lines += [f"skipped: {s}" for s in made.skipped]
    if not made.drafts:
        lines.append("No personal updates drafted.")
    data = made.as_dict()
    for item, d in zip(data["drafts"], made.drafts):
        item["ref"] = names[d.id][0]
    out.data(data, "\n".join(lines))
    return EXIT_OK


def cmd_mailbox_set(store: Store, args, out: Output) -> int:
    """The password comes from standard input only (never an argument, which the
    process list and the shell's history would keep)."""
    from warroom import inputs, secrets
    from warroom.services import inquiry_mail

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Mailbox password (not shown): ")
    else:
        password = inputs.read_line(16 * inputs.KIB, what="The password on standard input")
    config = inquiry_mail.configure(store, args.actor, host=args.host, username=args.user, password=password,
                                    port=args.port, folder=args.folder, security=args.security)
    out.data(config.as_dict(), f"Mailbox {config.username} at {config.host}:{config.port} ({config.security}), "
                               f"folder {config.folder}; its password is in {secrets.where()}.")
    return EXIT_OK


def cmd_fetch(store: Store, args, out: Output) -> int:
    from warroom.services import inquiry_mail

    got = inquiry_mail.fetch(store, args.actor, args.incident, limit=args.limit)
    lines = [_line(q) for q in got.logged] + [f"skipped: {s}" for s in got.skipped]
    out.data(got.as_dict(), "\n".join(lines) or "No unread mail.")
    if not out.as_json:
        _suggest(store, args, to_stderr=True)
    return EXIT_OK

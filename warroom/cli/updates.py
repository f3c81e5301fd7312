"""The update commands of warroom-cli: compose, edit, review, publish, retract,
correct. Every rule is the services'; these only print what they say."""

from __future__ import annotations

from warroom.cli.common import EXIT_OK, Output, etr_from_args, read_text_arg, utc
from warroom.errors import InputError
from warroom.services import drafts, publishing, refs, review, reviewers
from warroom.store import Store


def _draft_dict(d, ref: str | None = None) -> dict:
    return {"id": d.id, "ref": ref, "incident_id": d.incident_id, "audience": d.audience, "locale": d.locale,
            "template": d.template, "template_version": d.template_version, "state": d.state, "kind": d.kind,
            "revision": d.revision, "title": d.title, "subject": d.subject, "long": d.long, "short": d.short,
            "chat": d.chat, "short_own": d.short_own, "chat_own": d.chat_own, "author": d.author,
            "updated_at": d.updated_at, "published_at": d.published_at, "next_update_at": d.next_update_at,
            "retracted_at": d.retracted_at, "retracted_by": d.retracted_by, "retract_reason": d.retract_reason,
            "corrects": d.corrects_id, "preapproved": d.preapproved}


def _draft_id(store: Store, args):
    return drafts.resolve_id(store, args.draft, viewer=args.actor)


def _draft_lines(store: Store, rows, line) -> tuple[list[dict], str]:
    """The drafts as data and as lines that begin with each one's INC-n/Um and short id."""
    names = refs.draft_names(store, [d.id for d in rows])
    width = max((len(names[d.id][0]) for d in rows), default=0)
    return ([_draft_dict(d, names[d.id][0]) for d in rows],
            "\n".join(f"{names[d.id][0]:<{width}}  {names[d.id][1]}  {line(d)}" for d in rows))


def cmd_compose(store: Store, args, out: Output) -> int:
    audiences_ = [a.strip() for a in args.audience.split(",") if a.strip()]
    body = read_text_arg(None, args.body_file) if args.body_file else None
    made = drafts.compose_drafts(store, args.actor, args.incident, audiences_, etr=etr_from_args(store, args),
                                 phase=args.phase, template=args.template)
    if body is not None:  # the given words replace the template's long text, as a revision of their own
        made = [drafts.save_revision(store, args.actor, d.id, subject=d.subject, long=body) for d in made]
    out.data(*_draft_lines(store, made, lambda d: f"{d.audience:<12} {d.locale:<6} {d.template}  {d.title}"))
    return EXIT_OK


def cmd_edit(store: Store, args, out: Output) -> int:
    d = drafts.get(store, _draft_id(store, args), viewer=args.actor)
    words = {"subject": args.subject if args.subject is not None else d.subject, "long": d.long,
             "title": args.title}
    if args.body_file:
        words[args.channel or "long"] = read_text_arg(None, args.body_file)
    elif args.subject is None and args.title is None:
        raise InputError("Give --body-file FILE (and --channel for SMS or chat), --subject or --title.")
    d = drafts.save_revision(store, args.actor, d.id, **words)
    derived = [n for n, own in (("SMS", d.short_own), ("chat", d.chat_own)) if not own]
    text = f"Saved as revision {d.revision}"
    if args.body_file and (args.channel or "long") == "long" and derived:
        text += f" (the {' and '.join(derived)} text{'s' if len(derived) > 1 else ''} follow{'' if len(derived) > 1 else 's'} the new words)"
    text += ("; earlier approvals no longer count and the reviews are asked again." if d.state == "in_review"
             else ".")
    out.data(_draft_dict(d), text)
    return EXIT_OK


def cmd_list(store: Store, args, out: Output) -> int:
    rows = drafts.list_drafts(store, args.incident, viewer=args.actor)
    data, text = _draft_lines(store, rows, lambda d: f"{d.audience:<12} {d.state:<10} r{d.revision}  {d.subject}")
    out.data(data, text or "No drafts.")
    return EXIT_OK


def cmd_show(store: Store, args, out: Output) -> int:
    d = drafts.get(store, _draft_id(store, args), viewer=args.actor)
    may = review.allowed(store, d.id, args.actor)
    ref, short = refs.draft_names(store, [d.id])[d.id]
    lines = [f"{ref} ({short}) · {d.audience} · {d.locale} · {d.template or d.kind} · revision {d.revision} · {d.state}"
             + (" · pre-approved" if d.preapproved else ""),
             f"Public title: {d.title or '—'}", f"Subject: {d.subject}", "", d.long.rstrip(), "",
             f"--- SMS{' (written on its own)' if d.short_own else ''} ---", d.short.rstrip(), "",
             f"--- chat{' (written on its own)' if d.chat_own else ''} ---", d.chat.rstrip()]
    if d.retracted_at:
        lines += ["", f"Retracted {utc(d.retracted_at)} by {d.retracted_by}: {d.retract_reason}"]
    if may.flags:
        lines += ["", "Linter:"] + [f"  {f.describe()}" + (" (acknowledged)" if f.key in d.acknowledged else "")
                                    for f in may.flags]
    lines += ["", "You may: " + (", ".join(n for n, ok in (("edit", may.can_edit), ("submit", may.can_submit),
                                                              ("publish", may.can_publish),
                                                              ("override", may.can_override),
                                                              ("retract", may.can_retract),
                                                              ("correct", may.can_correct)) if ok) or "only read")]
    if not may.can_publish and d.state not in ("published", "retracted", "withdrawn"):
        lines.append(f"Not published yet: {may.why_not_publish}")
    data = _draft_dict(d, ref)
    data["allowed"] = {"edit": may.can_edit, "submit": may.can_submit, "publish": may.can_publish,
                       "override": may.can_override, "retract": may.can_retract, "correct": may.can_correct,
                       "why_not_publish": may.why_not_publish}
    data["findings"] = [{"field": f.field, "rule": f.finding.rule, "blocking": f.blocking, "text": f.text,
                         "message": f.finding.message} for f in may.flags]
    out.data(data, "\n".join(lines))
    return EXIT_OK


def cmd_submit(store: Store, args, out: Output) -> int:
    made = review.submit(store, args.actor, _draft_id(store, args), acknowledge=args.acknowledge_warnings)
    text = "In review; waiting for " + ", ".join(
        f"{r.role.label.lower()} ({r.assignee or 'anyone with the role'})" for r in made) + "."
    text += "".join(f"\nNote: {p}" for p in made.problems)
    out.data({"requests": [{"role": r.role.value, "revision": r.revision, "assignee": r.assignee} for r in made],
              "problems": made.problems}, text)
    return EXIT_OK


def cmd_decide(store: Store, args, out: Output) -> int:
    state = review.decide(store, args.actor, _draft_id(store, args), args.decision, comment=args.comment,
                          role=args.role, acknowledge=args.acknowledge_warnings)
    out.data({"state": state}, f"Recorded. The update is now {state.replace('_', ' ')}.")
    return EXIT_OK


def cmd_settle(store: Store, args, out: Output) -> int:
    state = review.decide_dispute(store, args.actor, _draft_id(store, args), args.outcome, args.reason)
    out.data({"state": state}, f"Dispute settled: the update is {state.replace('_', ' ')}.")
    return EXIT_OK


def cmd_override(store: Store, args, out: Output) -> int:
    state = review.override(store, args.actor, _draft_id(store, args), args.reason,
                            acknowledge=args.acknowledge_warnings)
    out.data({"state": state}, "Overridden, on the record. It can now be published (update publish).")
    return EXIT_OK


def cmd_publish(store: Store, args, out: Output) -> int:
    draft_id = _draft_id(store, args)
    planned = publishing.publish(store, args.actor, draft_id, acknowledge=args.acknowledge_warnings)
    d = drafts.get(store, draft_id, viewer=args.actor)
    text = "Published: on the timeline."
    if d.next_update_at:
        text += f" It promises the next update by {utc(d.next_update_at)}."
    if planned.deliveries:
        text += (f"\n{planned.deliveries} deliver{'y' if planned.deliveries == 1 else 'ies'} queued through "
                 f"{', '.join(planned.channels)}: warroom-cli dispatch sends them (the window does by itself).")
    for note in planned.notes:
        text += f"\nNote: {note}"
    out.data({"state": "published", "deliveries": planned.deliveries, "channels": list(planned.channels),
              "notes": list(planned.notes), "next_update_at": d.next_update_at}, text)
    return EXIT_OK


def cmd_withdraw(store: Store, args, out: Output) -> int:
    state = publishing.withdraw(store, args.actor, _draft_id(store, args), args.reason)
    out.data({"state": state}, "Withdrawn.")
    return EXIT_OK


def cmd_retract(store: Store, args, out: Output) -> int:
    done = publishing.retract(store, args.actor, _draft_id(store, args), args.reason)
    text = "Retracted."
    if done.cancelled:
        text += f" {done.cancelled} deliver{'y' if done.cancelled == 1 else 'ies'} still queued will not go out."
    if done.rebuilt:
        text += f" Rebuilt without the words: {', '.join(done.rebuilt)}."
    if done.retractions:
        text += (f"\n{done.retractions} correction{'s' if done.retractions != 1 else ''} and page edits queued "
                 f"ahead of everything else ({', '.join(done.channels)}): warroom-cli dispatch sends them.")
    text += ("\nThe notice is reviewed afterwards (update reviews); update correct drafts the replacement.")
    out.data({"state": "retracted", "cancelled": done.cancelled, "retractions": done.retractions,
              "channels": list(done.channels), "rebuilt": list(done.rebuilt), "notice": done.notice_id}, text)
    return EXIT_OK


def cmd_correct(store: Store, args, out: Output) -> int:
    new_id = publishing.correct(store, args.actor, _draft_id(store, args))
    d = drafts.get(store, new_id, viewer=args.actor)
    ref, short = refs.draft_names(store, [d.id])[d.id]
    out.data(_draft_dict(d, ref), f"{ref}  {short}  correction for {d.audience}: edit it (update edit {ref}), "
                                  "then submit it for review like any update.")
    return EXIT_OK


def cmd_sweep(store: Store, args, out: Output) -> int:
    moved = reviewers.sweep(store, viewer=args.actor)
    names = refs.draft_refs(store, [r.draft_id for r in moved])
    out.data([{"draft_id": r.draft_id, "ref": names.get(r.draft_id), "role": r.role.value, "assignee": r.assignee, "level": r.level,
               "due_at": r.due_at} for r in moved],
             "\n".join(f"{names.get(r.draft_id, r.draft_id)} {r.role.label}: now {r.assignee or 'anyone with the role'} "
                       f"(until {utc(r.due_at)})" for r in moved) or "No review window has lapsed.")
    return EXIT_OK


def cmd_reviews(store: Store, args, out: Output) -> int:
    reviewers.sweep(store)  # lapsed windows hand over before anyone looks
    rows = review.requests(store, _draft_id(store, args), viewer=args.actor)
    out.data([{"role": r.role.value, "revision": r.revision, "state": r.state, "decided_by": r.decided_by,
               "decided_at": r.decided_at, "comment": r.comment, "assignee": r.assignee,
               "due_at": r.due_at, "level": r.level} for r in rows],
             "\n".join(f"r{r.revision} {r.role.label:<20} {r.state:<18} "
                       + (r.decided_by or f"waiting for {r.assignee or 'anyone with the role'}"
                          + (f" until {utc(r.due_at)}" if r.due_at else " (after the fact)"))
                       + (f": {r.comment}" if r.comment else "") for r in rows) or "No reviews asked for.")
    return EXIT_OK

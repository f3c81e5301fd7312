"""``warroom-cli exercise list|start|clock|status|end|play``: tabletop exercises on their own clock."""

from __future__ import annotations

from warroom.cli.common import EXIT_OK, Output, utc
from warroom.errors import InputError
from warroom.exercise import run, scenario
from warroom.exercise.clock import offset_text, parse_duration
from warroom.retro import files
from warroom.store import Store


def _say(view: run.ExerciseView) -> str:
    from datetime import timedelta

    lines = [f"{view.ref}  EXERCISE  {view.scenario}",
             f"Exercise time {utc(view.sim_now)} ({offset_text(timedelta(seconds=view.elapsed_s))} since the start), "
             f"{view.state}"]
    for i in view.injects:
        mark = "FAILED  " if i.failed else {"done": "done    ", "next": "NEXT  ->", "upcoming": "        "}[i.state]
        what = i.text.splitlines()[0][:70] if i.text else ""
        lines.append(f"  {mark} {offset_text(timedelta(seconds=i.offset_s))}  {i.kind:<12} {what}")
        if i.failed:
            lines.append(f"           could not be played: {i.failed}")
    if not view.injects:
        lines.append("  (no injects)")
    return "\n".join(lines)


def cmd_list(_store, args, out: Output) -> int:
    """The scenarios War room ships, each with its title and one line."""
    found = scenario.shipped()
    data = [{"name": name, "title": s.name, "summary": s.summary, "length_s": s.length_s,
             "injects": len(s.injects), "script": len(s.script)} for name, s in found]
    lines = []
    for name, s in found:
        first = " ".join(s.summary.split())
        first = first.split(". ")[0].rstrip(".") + "." if first else ""
        if len(first) > 150:
            first = first[:150].rsplit(" ", 1)[0] + " …"
        lines.append(f"{name}\n  {s.name}\n  {first}")
    out.data(data, "\n".join(lines) + "\n\nStart one: warroom-cli exercise start NAME [--speed N]"
             if lines else "No scenarios ship with this installation.")
    return EXIT_OK


def cmd_start(store: Store, args, out: Output) -> int:
    s = scenario.load(args.file)
    view = run.start(store, args.actor, s, speed=args.speed)
    out.data(view.as_json(), f"Started {view.ref}: {s.name} at ×{view.speed}.\n{_say(view)}")
    return EXIT_OK


def cmd_clock(store: Store, args, out: Output) -> int:
    advance = parse_duration(args.advance, field="advance") if args.advance else None
    view = run.control(store, args.actor, args.incident, pause=args.pause, resume=args.resume, speed=args.speed,
                       advance=advance, to_next=args.next)
    out.data(view.as_json(), _say(view))
    return EXIT_OK


def cmd_status(store: Store, args, out: Output) -> int:
    view = run.status(store, args.incident, viewer=args.actor)      # reading the clock fires what is due
    out.data(view.as_json(), _say(view))
    return EXIT_OK


def cmd_end(store: Store, args, out: Output) -> int:
    if args.out:
        files.format_of(args.out)          # a name that says neither HTML nor PDF is refused before anything ends
    view = run.end(store, args.actor, args.incident)
    card = score_card(store, view, args.actor)
    data = view.as_json()
    data["score"] = [r.as_json() for r in card]
    written = _write_card(store, view, args, card)
    out.data(dict(data, out=written), f"Ended {view.ref}.\n{_say(view)}\n\nScore card\n{_card_text(card)}"
             + (f"\n\nWrote the score card and the retrospective to {written}." if written else ""))
    return EXIT_OK


def _write_card(store: Store, view: run.ExerciseView, args, card) -> str | None:
    """``--out``: the score card ahead of the retrospective, as HTML or PDF."""
    if not args.out:
        return None
    from warroom import retro
    from warroom.exercise.score import write_report

    return str(write_report(store, retro.compute(store, view.incident_id, viewer=args.actor), args.out,
                            incident=view.incident_id, viewer=args.actor, card=card))


def _card_text(rows) -> str:
    from warroom.exercise.score import text

    return text(rows)


def score_card(store: Store, view: run.ExerciseView, viewer: str):
    """The score card rows: the retrospective's figures against the scenario's targets."""
    from warroom.exercise.score import card_of

    return card_of(store, view.incident_id, viewer=viewer) or []


def cmd_play(store: Store, args, out: Output) -> int:
    from warroom.exercise import play

    if not args.script:
        raise InputError("exercise play runs a scenario with its scripted players: add --script "
                         "(to play with people, use exercise start).", field="script")
    s = scenario.load(args.file)
    if not s.script:
        raise InputError(f"{args.file} has no [[script]]: nothing to play.", field="script")

    def progress(step) -> None:
        if not out.as_json:
            offset, who, what, outcome, ok = step
            print(f"  {offset // 60:>4} min  {who:<20} {what:<9} {'' if ok else 'REFUSED: '}{outcome}")

    if args.out:
        files.format_of(args.out)
    played = play.play(store, args.actor, s, strict=not args.keep_going, progress=progress)
    view = run.get(store, played.incident_id, viewer=args.actor)
    card = score_card(store, view, args.actor)
    data = view.as_json()
    data["steps"] = [{"offset_s": o, "as": w, "do": d, "outcome": t, "ok": ok} for o, w, d, t, ok in played.steps]
    data["score"] = [r.as_json() for r in card]
    written = _write_card(store, view, args, card)
    out.data(dict(data, out=written), f"Played {view.ref} to the end: {len(played.steps)} scripted actions, "
                   f"{len(played.failures)} refused.\n{_say(view)}\n\nScore card\n{_card_text(card)}"
                   + (f"\n\nWrote the score card and the retrospective to {written}." if written else ""))
    return EXIT_OK

"""The retrospective in words and tables: one reading shared by the command line's
text, the HTML and the PDF (and the window), so they all say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.retro import clocks
from warroom.retro.chart import ROLE_SHORT
from warroom.retro.figures import Retrospective


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: which columns hold numbers (right-aligned)
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    #: figures shown large at the top of the section: (label, value)
    headline: tuple[tuple[str, str], ...] = field(default=())


def duration(seconds: float | int | None) -> str:
    """``45 s``, ``17 min``, ``2 h 05 min``, ``3 d 4 h``; a dash for none."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    if s < 0:
        return "-" + duration(-s)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, rest = divmod(s, 60)
        return f"{m} min" if not rest or m >= 10 else f"{m} min {rest:02d} s"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m:02d} min"
    d, h = divmod(s // 3600, 24)
    return f"{d} d {h} h"


def clock(when: datetime | None, with_day: bool = False) -> str:
    if when is None:
        return "—"
    return when.strftime("%d %b %H:%M UTC" if with_day else "%H:%M UTC")


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _role(role: str) -> str:
    return ROLE_SHORT.get(role, role.replace("_", " "))


def sections(retro: Retrospective) -> list[Section]:
    f = retro.figures
    multi_day = (retro.end - retro.start).days >= 1
    at = lambda t: clock(t, multi_day)  # noqa: E731
    out = [_first_word(f["first_word"], at), _cadence(f["cadence"], at), _reviews(f["reviews"], at),
           _words(f["words"]), _delivery(f["delivery"], at)]
    if f.get("clocks"):          # only for an incident flagged for regulatory regimes
        items = f["clocks"]
        out.append(Section("Regulatory clocks", clocks.lines(items),
                           (Table(clocks.HEADERS, clocks.rows(items, lambda t: clock(t, True))),),
                           clocks.headline(items)))
    if f.get("inquiries", {}).get("count"):       # only when stakeholders asked anything
        out.append(_inquiries(f["inquiries"]))
    if f.get("followups"):                         # only when the team committed to any
        out.append(_followups(f["followups"]))
    return [Section(s.title, s.lines, tuple(t for t in s.tables if t.rows), s.headline) for s in out]


def _first_word(fw: dict[str, Any], at) -> Section:
    rows = tuple((aud, at(v["published_at"]), duration(v["from_detection_s"]))
                 for aud, v in fw["by_audience"].items())
    headline = (("detection → declared", duration(fw["detection_to_declared_s"])),
                ("detection → first update", duration(fw.get("detection_to_first_update_s"))))
    lines = (f"Detected {at(fw['detected_at'])}, declared {at(fw['declared_at'])}.",)
    if not rows:
        lines += ("No update was published.",)
    return Section("Time to first word", lines,
                   (Table(("audience", "first update", "after detection"), rows, (2,)),) if rows else (), headline)


def _cadence(cad: dict[str, Any], at) -> Section:
    summary, gaps = [], []
    for aud, c in cad.items():
        summary.append((aud, str(c["updates"]), str(c["overdue_count"]),
                        duration(max((g["overdue_s"] for g in c["gaps"]), default=0) or None),
                        duration(c["longest_silence_s"])))
        for g in c["gaps"]:
            ends = {"update": "", "resolved": " (resolved)", "ended": " (ended)",
                    "last_event": " (so far)"}.get(g["ends"], "")
            gaps.append((aud, at(g["from"]), at(g["to"]) + ends, duration(g["seconds"]), duration(g["allowed_s"]),
                         duration(g["overdue_s"]) if g["overdue_s"] else "on time"))
    overdue = sum(c["overdue_count"] for c in cad.values())
    headline = (("overdue silences", str(overdue)),
                ("longest silence", duration(max((c["longest_silence_s"] for c in cad.values()), default=None))))
    tables = (Table(("audience", "updates", "overdue", "worst", "longest silence"), tuple(summary), (1, 2, 3, 4)),
              Table(("audience", "from", "to", "silence", "cadence", "overdue by"), tuple(gaps), (3, 4, 5)))
    lines = ("Each silence runs from the declaration or an update to the next update; it is overdue when it ran "
             "longer than the cadence then in force.",) if cad else ("No audience was owed updates.",)
    return Section("Cadence kept", lines, tables if cad else (), headline)


def _reviews(rv: dict[str, Any], at) -> Section:
    roles = tuple((_role(r), str(v["count"]), duration(v["median_s"]), duration(v["max_s"]))
                  for r, v in rv["by_role"].items())
    tables = [Table(("role", "decisions", "median wait", "longest wait"), roles, (1, 2, 3))] if roles else []
    if rv["handovers"]:
        tables.append(Table(("at", "role", "audience", "from", "to", "after"),
                            tuple((at(h["at"]), _role(h["role"] or ""), h["audience"], h["from"] or "—",
                                   f"{h['to'] or 'anyone'} ({h['to_whom']})", duration(h["waited_s"]))
                                  for h in rv["handovers"]), (5,)))
    if rv["disputes"]:
        tables.append(Table(("dispute at", "audience", "decided by", "outcome", "reason"),
                            tuple((at(d["raised_at"]), d["audience"], d["actor"] or "waiting", d["outcome"] or "—",
                                   d["reason"] or "—") for d in rv["disputes"])))
    if rv["overrides"]:
        tables.append(Table(("override at", "by", "audience", "missing", "reason"),
                            tuple((at(o["at"]), o["actor"], o["audience"],
                                   ", ".join(_role(m) for m in o["missing"]) or "—", o["reason"] or "—")
                                  for o in rv["overrides"])))
    lines = (f"{rv['handovers_to_backup']} hand-over(s) to a backup, {rv['handovers_to_commander']} to the "
             f"commander; {len(rv['disputes'])} dispute(s), {len(rv['overrides'])} override(s)"
             + (f"; {rv['pending']} review(s) still waiting." if rv.get("pending") else "."),)
    if not roles:
        lines = ("No review was decided.",) + lines
    waits = [v["max_s"] for v in rv["by_role"].values() if v["max_s"] is not None]
    headline = (("longest review wait", duration(max(waits) if waits else None)),
                ("overrides", str(len(rv["overrides"]))))
    return Section("Reviews", lines, tuple(tables), headline)


def _words(w: dict[str, Any]) -> Section:
    rpu = w["revisions_per_update"]
    rows = (("linter findings at submit: blocking", str(w["lint_blocking"])),
            ("linter findings at submit: warnings", str(w["lint_warnings"])),
            ("warnings acknowledged at submit", str(w.get("lint_acknowledged", 0))),
            ("revisions per update (median / max)",
             f"{rpu['median'] if rpu['median'] is not None else '—'} / {rpu['max'] if rpu['max'] is not None else '—'}"),
            ("retractions", str(w["retractions"])),
            ("corrections", str(w["corrections"])))
    tables = [Table(("", "count"), rows, (1,))]
    if w.get("retraction_list"):
        tables.append(Table(("retracted at", "by", "reason"),
                            tuple((clock(r["at"]), r["actor"], r["reason"] or "—") for r in w["retraction_list"])))
    headline = (("blocking at submit", str(w["lint_blocking"])), ("warnings at submit", str(w["lint_warnings"])))
    return Section("Words", (), tuple(tables), headline)


def _delivery(d: dict[str, Any], at) -> Section:
    rows = tuple((ch, str(v["count"]), duration(v["median_s"]), duration(v["max_s"]))
                 for ch, v in d["by_channel"].items())
    tables = [Table(("channel", "delivered", "median", "longest"), rows, (1, 2, 3))] if rows else []
    events = [(at(f["at"]), "failover", f"{f['from']} → {f['to']} ({_n(f['deliveries'], 'delivery', 'deliveries')})")
              for f in d["failover_list"]]
    events += [(at(x["at"]), "dead letter", f"{x['channel']}: {x['deliveries']} undelivered") for x in
               d["dead_letter_list"]]
    events += [("", "failing", f"{ch}: {duration(s)}") for ch, s in d.get("offline_by_channel", {}).items()]
    if events:
        tables.append(Table(("at", "what", "detail"), tuple(events)))
    headline = (("failovers", str(d["failovers"])), ("dead letters", str(d["dead_letters"])),
                ("channels offline", duration(d["offline_s"]) if d["offline_s"] else "0"))
    lines = ("Delivery time runs from the publish to the vendor's acceptance; offline is the time a channel "
             "kept failing, from its first failed attempt to its next success (or failover).",) if rows or events \
        else ("Nothing was delivered.",)
    return Section("Delivery", lines, tuple(tables), headline)


def _inquiries(q: dict[str, Any]) -> Section:
    """Stakeholders' questions (:mod:`warroom.retro.inquiries`): how many, by category,
    the time to answer and what is still open."""
    rows = tuple((cat, str(v["asked"]), str(v["answered"]), str(v["open"]), duration(v["median_s"]),
                  duration(v["max_s"])) for cat, v in q["by_category"].items())
    tta = q["time_to_answer"]
    pending = f" ({q['linked_unpublished']} linked to an update not yet published)" if q["linked_unpublished"] else ""
    oldest = f"; the oldest open one has waited {duration(q['oldest_open_s'])}" if q["unanswered"] else ""
    lines = (f"{_n(q['count'], 'question', 'questions')} logged, {q['answered']} answered by a published update, "
             f"{q['unanswered']} unanswered{pending}{oldest}.",
             "Time to answer runs from the question to the publish of the update that answered it.")
    headline = (("questions", str(q["count"])), ("median time to answer", duration(tta["median_s"])),
                ("longest", duration(tta["max_s"])), ("unanswered", str(q["unanswered"])))
    return Section("Inquiries", lines, (Table(("category", "asked", "answered", "open", "median wait",
                                               "longest wait"), rows, (1, 2, 3, 4, 5)),), headline)


def _followups(items: list[dict[str, Any]]) -> Section:
    """What the team committed to do after the incident: each follow-up action with
    its owner, its due date and whether it is done (as the post-incident report lists them)."""
    done = sum(1 for f in items if f["done"])
    rows = tuple((f["ref"].rsplit("/", 1)[-1], f["text"], f["owner"], f["due"],
                  f"done {clock(f['done_at'], True)}" if f["done"] and f.get("done_at") else
                  "done" if f["done"] else "open") for f in items)
    lines = (f"{_n(len(items), 'follow-up action', 'follow-up actions')}: {done} done, {len(items) - done} open.",)
    headline = (("follow-ups open", str(len(items) - done)), ("follow-ups done", str(done)))
    return Section("Follow-up actions", lines, (Table(("", "action", "owner", "due", "done"), rows),), headline)


def title_line(retro: Retrospective) -> str:
    inc = retro.figures["incident"]
    return f"{inc['ref']}: {inc['title']}"


def facts_line(retro: Retrospective) -> str:
    inc = retro.figures["incident"]
    parts = [inc["severity"] or "", (inc.get("category") or "").replace("_", " "),
             f"commander {inc['commander']}" if inc.get("commander") else "",
             f"resolved {clock(inc['resolved_at'], True)}" if inc.get("resolved_at") else "not resolved",
             f"{clock(retro.start, True)} – {clock(retro.end, True)}"]
    text = " · ".join(p for p in parts if p)
    return ("EXERCISE · " + text) if inc.get("exercise") else text


def text_report(retro: Retrospective, width: int = 80) -> str:
    """The retrospective as plain text, readable at ``width`` columns."""
    out = [title_line(retro), facts_line(retro), ""]
    for s in sections(retro):
        out += [s.title.upper(), "-" * len(s.title)]
        if s.headline:
            out += _wrap("   ".join(f"{k}: {v}" for k, v in s.headline), width)
        for line in s.lines:
            out += _wrap(line, width)
        for t in s.tables:
            out += [""] + _table(t, width)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def _table(t: Table, width: int) -> list[str]:
    cols = len(t.headers)
    widths = [max([len(t.headers[i])] + [len(r[i]) for r in t.rows]) for i in range(cols)]
    budget = width - 2 * (cols - 1)
    while sum(widths) > budget:       # shrink the widest column until the table fits
        i = widths.index(max(widths))
        widths[i] -= 1
    def cell(text: str, i: int) -> str:
        text = text if len(text) <= widths[i] else text[:max(widths[i] - 1, 0)] + "…"
        return text.rjust(widths[i]) if i in t.numeric else text.ljust(widths[i])
    lines = ["  ".join(cell(h, i) for i, h in enumerate(t.headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell(v, i) for i, v in enumerate(r)).rstrip() for r in t.rows]
    return lines

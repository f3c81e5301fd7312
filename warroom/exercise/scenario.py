"""Scenario files: a tabletop exercise written as TOML.

A scenario file is untrusted input (a file double-clicked from an e-mail): it is
read with a size limit, parsed by :mod:`tomllib`, and checked key by key against
the shape below before anything is written. Every refusal names the file and the
key (or the line, for a file that is not TOML at all).

```toml
[scenario]      name, summary, start (optional, ISO UTC), speed (1..60)
[incident]      title, severity, category, impact, customer_facing, components,
                commander, confidential, detected_before ("15m")
[[people]]      name, roles, email, backups = {role = "name"}
[[channels]]    name (at most 31 characters), kind = "email", config = {...}
                (simulated: nothing is sent; each exercise gets channels of its own)
[[stakeholders]] name, audience, email
[[matrix]]      audience, severities ("all" or a list), channels, cadence ("30m")
[[injects]]     at ("10m"), kind, text, by, to, channel, person, from, category
                (a question, a regulator's call or a journalist's question is logged as an
                inquiry: from = who asks, category, channel = how they asked)
[targets]       declare, first_update, review = {role = "10m"} (default: the policy's
                review window), max_overdue, longest_silence, lint_blocking, lint_warnings
[[script]]      at, as, do, audience, role, decision, subject, long, text, to
```
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from warroom import inputs
from warroom.domain import Category, Impact, Role, Severity, Status
from warroom.errors import InputError
from warroom.exercise.clock import MAX_SPEED, MIN_SPEED, parse_duration

#: The largest scenario file read (bytes).
MAX_FILE = 256 * 1024
MAX_INJECTS = 200
MAX_SCRIPT = 400
MAX_PEOPLE = 40
MAX_CHANNELS = 20
MAX_STAKEHOLDERS = 100
MAX_MATRIX = 40
MAX_NAME = 200
#: A scenario's channel name: its exercise's tag (``~`` and 8 characters) follows it in the 40 a channel name has.
EXERCISE_NAME = 31
MAX_TEXT = 4000
#: The longest an exercise may run on its own clock.
MAX_OFFSET = timedelta(days=3)

INJECT_KINDS = {
    "log": "a timeline entry (something the players learn)",
    "severity": "the severity changes (to = SEV1..SEV4)",
    "status": "the status changes (to = identified, mitigated…)",
    "question": "a stakeholder's question (from = who asks)",
    "regulator": "a regulator calls (from = which authority)",
    "journalist": "a journalist asks (from = which outlet)",
    "channel_down": "a channel goes down (channel = its name)",
    "channel_up": "a channel comes back (channel = its name)",
    "off_duty": "an approver goes off duty (person = their name)",
    "on_duty": "an approver is back on duty (person = their name)",
}
SCRIPT_ACTIONS = {
    "log": "log a timeline entry (text)",
    "compose": "compose an update for an audience",
    "edit": "save new words in the audience's latest update (subject, long)",
    "submit": "submit the audience's latest update for review",
    "review": "review the audience's latest update (role, decision)",
    "publish": "publish the audience's latest update",
    "status": "change the status (to)",
    "severity": "change the severity (to)",
    "dispatch": "deliver what is queued (into the exercise's sink)",
}
#: Channel kinds a scenario may create: those that need no secret (nothing is sent anyway).
CHANNEL_KINDS = ("email",)


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: plain data, every time as an offset from the start."""

    name: str
    summary: str
    digest: str
    source: str
    start: datetime | None
    speed: int
    incident: dict[str, Any]
    people: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    stakeholders: list[dict[str, Any]] = field(default_factory=list)
    matrix: list[dict[str, Any]] = field(default_factory=list)
    #: In order of offset (then of the file): {"offset_s", "kind", "text", …}.
    injects: list[dict[str, Any]] = field(default_factory=list)
    targets: dict[str, Any] = field(default_factory=dict)
    script: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length_s(self) -> int:
        """The offset of the last inject or scripted action."""
        return max([i["offset_s"] for i in self.injects] + [s["offset_s"] for s in self.script] + [0])


#: How a shipped scenario's file name ends (the desktop opens such files in War room).
SUFFIX = ".scenario.toml"


def load(path: str | Path) -> Scenario:
    """Read and check a scenario file: a path, or a shipped scenario's name
    (``regional-cloud-outage`` or ``regional-cloud-outage.scenario.toml``) when no
    such file is here."""
    if not Path(path).exists():
        found = _shipped_file(str(path))
        if found is not None:
            with found.open("rb") as fh:
                return parse(inputs.read_stream(fh, MAX_FILE, what=f"The scenario {found.name}"), source=found.name)
    name = str(path)
    raw = inputs.read_bytes(path, MAX_FILE, what=f"The scenario file {name}")
    return parse(raw, source=name)


def _shipped_file(name: str):
    if not name or "/" in name or "\\" in name:
        return None
    wanted = name if name.endswith(SUFFIX) else name.removesuffix(".toml") + SUFFIX
    return next((f for f in _shipped_files() if f.name == wanted), None)


def _shipped_files() -> list:
    from warroom.paths import resource

    root = resource("scenarios")
    if not root.is_dir():
        return []
    return sorted((f for f in root.iterdir() if f.name.endswith(SUFFIX)), key=lambda f: f.name)


def shipped() -> list[tuple[str, Scenario]]:
    """The scenarios War room ships, as (the name to start it by, the scenario)."""
    out = []
    for f in _shipped_files():
        with f.open("rb") as fh:
            out.append((f.name.removesuffix(SUFFIX), parse(inputs.read_stream(fh, MAX_FILE, what=f.name),
                                                            source=f.name)))
    return out


def parse(raw: bytes | str, *, source: str = "the scenario") -> Scenario:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_FILE:
        raise InputError(f"{source} is too large: a scenario file is at most {MAX_FILE // 1024} KiB.",
                         field="scenario")
    text = inputs.decode(data, what=source)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source} is not valid TOML: {exc}.", field="scenario") from None
    except RecursionError:
        raise InputError(f"{source} nests too deeply to be a scenario.", field="scenario") from None
    return _Checker(source).scenario(doc, hashlib.sha256(data).hexdigest())


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str):
        raise InputError(f"{self.source}: {key}: {message}", field=key)

    # -- primitives ----------------------------------------------------------

    def table(self, doc: Any, key: str, allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:
        if not isinstance(doc, dict):
            self.fail(key, "must be a table")
        unknown = sorted(set(doc) - allowed)
        if unknown:
            self.fail(key, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
        for k in sorted(required - set(doc)):
            self.fail(f"{key}.{k}", "is missing")
        return doc

    def tables(self, doc: dict, key: str, limit: int) -> list[dict]:
        items = doc.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.fail(key, f"must be an array of tables ([[{key}]])")
        if len(items) > limit:
            self.fail(key, f"has {len(items)} entries; at most {limit}")
        return items

    def text(self, value: Any, key: str, *, limit: int = MAX_NAME, multiline: bool = False,
             required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.fail(key, f"must be text, not {type(value).__name__}")
        if len(value) > limit:
            self.fail(key, f"is {len(value)} characters; at most {limit}")
        try:
            inputs.check_plain(value, field=key, what="The text", multiline=multiline)
        except InputError as exc:
            self.fail(key, str(exc))
        value = value.strip()
        if required and not value:
            self.fail(key, "is empty")
        return value

    def flag(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def whole(self, value: Any, key: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.fail(key, f"must be a whole number from {lo} to {hi}")
        return value

    def duration(self, value: Any, key: str, *, limit: timedelta = MAX_OFFSET) -> int:
        if not isinstance(value, str) or len(value) > 20:
            self.fail(key, 'must be a duration in quotes, like "10m" or "1h30m"')
        try:
            delta = parse_duration(value, field=key)
        except InputError as exc:
            self.fail(key, str(exc))
        if delta > limit:
            self.fail(key, f"is more than {int(limit.total_seconds() // 3600)} hours")
        return int(delta.total_seconds())

    def choice(self, value: Any, key: str, parse) -> str:
        if not isinstance(value, str) or len(value) > 40:
            self.fail(key, "must be text")
        try:
            return parse(value).value
        except InputError as exc:
            self.fail(key, str(exc))

    def names(self, value: Any, key: str, limit: int = 20) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or len(value) > limit:
            self.fail(key, f"must be a list of at most {limit} names")
        return [self.text(v, f"{key}[{i}]") for i, v in enumerate(value)]

    # -- sections ------------------------------------------------------------

    def scenario(self, doc: dict, digest: str) -> Scenario:
        self.table(doc, "the file", {"scenario", "incident", "people", "channels", "stakeholders", "matrix",
                                     "injects", "targets", "script"}, {"scenario", "incident"})
        head = self.table(doc["scenario"], "scenario", {"name", "summary", "start", "speed"}, {"name"})
        start = None
        if "start" in head:
            value = head["start"]
            if not isinstance(value, datetime) or value.tzinfo is None:
                self.fail("scenario.start", "must be a date and time with its offset, like 2024-07-19T04:09:00Z")
            start = value.astimezone(timezone.utc)
        people = [self.person(p, f"people[{i}]") for i, p in enumerate(self.tables(doc, "people", MAX_PEOPLE))]
        channels = [self.channel(c, f"channels[{i}]")
                    for i, c in enumerate(self.tables(doc, "channels", MAX_CHANNELS))]
        stakeholders = [self.stakeholder(s, f"stakeholders[{i}]")
                        for i, s in enumerate(self.tables(doc, "stakeholders", MAX_STAKEHOLDERS))]
        matrix = [self.cell(c, f"matrix[{i}]") for i, c in enumerate(self.tables(doc, "matrix", MAX_MATRIX))]
        injects = [self.inject(j, f"injects[{i}]") for i, j in enumerate(self.tables(doc, "injects", MAX_INJECTS))]
        injects.sort(key=lambda j: j["offset_s"])      # stable: the file's order among equal offsets
        for i, j in enumerate(injects):
            j["index"] = i
        script = [self.step(s, f"script[{i}]") for i, s in enumerate(self.tables(doc, "script", MAX_SCRIPT))]
        script.sort(key=lambda s: s["offset_s"])
        scenario = Scenario(
            name=self.text(head["name"], "scenario.name"),
            summary=self.text(head.get("summary"), "scenario.summary", limit=MAX_TEXT, multiline=True,
                              required=False),
            digest=digest, source=self.source, start=start,
            speed=self.whole(head.get("speed", 1), "scenario.speed", MIN_SPEED, MAX_SPEED),
            incident=self.incident(doc["incident"]), people=people, channels=channels, stakeholders=stakeholders,
            matrix=matrix, injects=injects, targets=self.targets(doc.get("targets", {})), script=script)
        self.cross_check(scenario)
        return scenario

    def incident(self, doc: Any) -> dict[str, Any]:
        t = self.table(doc, "incident", {"title", "severity", "category", "impact", "customer_facing",
                                         "components", "commander", "confidential", "detected_before"},
                       {"title", "severity", "commander"})
        return {
            "title": self.text(t["title"], "incident.title"),
            "severity": self.choice(t["severity"], "incident.severity", Severity.parse),
            "category": self.choice(t.get("category", "other"), "incident.category", Category.parse),
            "impact": self.choice(t.get("impact", "degraded"), "incident.impact", Impact.parse),
            "customer_facing": self.flag(t.get("customer_facing", False), "incident.customer_facing"),
            "components": self.names(t.get("components", []), "incident.components", 50),
            "commander": self.text(t["commander"], "incident.commander"),
            "confidential": self.flag(t.get("confidential", False), "incident.confidential"),
            "detected_before_s": self.duration(t.get("detected_before", "0m"), "incident.detected_before",
                                               limit=timedelta(days=1)),
        }

    def person(self, doc: Any, key: str) -> dict[str, Any]:
        t = self.table(doc, key, {"name", "roles", "email", "backups"}, {"name", "roles"})
        roles = [self.choice(r, f"{key}.roles", Role.parse) for r in self.names(t["roles"], f"{key}.roles", 7)]
        backups = self.table(t.get("backups", {}), f"{key}.backups", {r.value for r in Role})
        return {"name": self.text(t["name"], f"{key}.name"), "roles": roles,
                "email": self.text(t.get("email"), f"{key}.email", required=False) or None,
                "backups": {r: self.text(n, f"{key}.backups.{r}") for r, n in backups.items()}}

    def channel(self, doc: Any, key: str) -> dict[str, Any]:
        t = self.table(doc, key, {"name", "kind", "config"}, {"name", "kind"})
        kind = self.text(t["kind"], f"{key}.kind")
        if kind not in CHANNEL_KINDS:
            self.fail(f"{key}.kind", f"a scenario makes only {', '.join(CHANNEL_KINDS)} channels (they need no "
                                     f"secret; an exercise sends nothing anyway), not {kind!r}")
        config = t.get("config", {})
        if not isinstance(config, dict) or len(config) > 20:
            self.fail(f"{key}.config", "must be a table of at most 20 settings")
        clean = {}
        for k, v in config.items():
            if not isinstance(v, (str, int)) or isinstance(v, bool):
                self.fail(f"{key}.config.{k}", "must be text or a number")
            clean[self.text(k, f"{key}.config")] = self.text(v, f"{key}.config.{k}") if isinstance(v, str) else v
        return {"name": self.text(t["name"], f"{key}.name", limit=EXERCISE_NAME).lower(), "kind": kind,
                "config": clean}

    def stakeholder(self, doc: Any, key: str) -> dict[str, Any]:
        t = self.table(doc, key, {"name", "audience", "email"}, {"name", "audience", "email"})
        return {"name": self.text(t["name"], f"{key}.name"), "audience": self.text(t["audience"], f"{key}.audience",
                                                                                     limit=40),
                "email": self.text(t["email"], f"{key}.email")}

    def cell(self, doc: Any, key: str) -> dict[str, Any]:
        t = self.table(doc, key, {"audience", "severities", "channels", "cadence"}, {"audience", "channels"})
        sev = t.get("severities", "all")
        sevs = "all" if sev == "all" else [self.choice(s, f"{key}.severities", Severity.parse)
                                           for s in self.names(sev, f"{key}.severities", 4)]
        return {"audience": self.text(t["audience"], f"{key}.audience", limit=40), "severities": sevs,
                "channels": [r.lower() for r in self.names(t["channels"], f"{key}.channels", 5)],
                "cadence_s": self.duration(t["cadence"], f"{key}.cadence", limit=timedelta(days=1))
                if "cadence" in t else None}

    def inject(self, doc: Any, key: str) -> dict[str, Any]:
        t = self.table(doc, key, {"at", "kind", "text", "by", "to", "channel", "person", "from", "category"},
                       {"at", "kind"})
        kind = self.text(t["kind"], f"{key}.kind", limit=40)
        if kind not in INJECT_KINDS:
            self.fail(f"{key}.kind", f"unknown inject kind {kind!r}; known: {', '.join(INJECT_KINDS)}")
        out: dict[str, Any] = {"offset_s": self.duration(t["at"], f"{key}.at"), "kind": kind,
                               "text": self.text(t.get("text"), f"{key}.text", limit=MAX_TEXT, multiline=True,
                                                 required=kind in ("log", "question", "regulator", "journalist"))}
        if "by" in t:
            out["by"] = self.text(t["by"], f"{key}.by")
        if kind == "severity":
            out["to"] = self.choice(t.get("to"), f"{key}.to", Severity.parse)
        if kind == "status":
            out["to"] = self.choice(t.get("to"), f"{key}.to", Status.parse)
        if kind in ("channel_down", "channel_up"):
            out["channel"] = self.text(t.get("channel"), f"{key}.channel", limit=40).lower()
        if kind in ("off_duty", "on_duty"):
            out["person"] = self.text(t.get("person"), f"{key}.person")
        if kind in ("question", "regulator", "journalist"):
            out["from"] = self.text(t.get("from"), f"{key}.from", required=False)
            if "category" in t:
                out["category"] = self.text(t["category"], f"{key}.category", limit=40).lower()
            if "channel" in t:          # how they asked (phone, email…), not one of the scenario's channels
                out["via"] = self.text(t["channel"], f"{key}.channel", limit=40).lower()
        elif "category" in t:
            self.fail(f"{key}.category", "only a question, a regulator's call or a journalist's question has one")
        return out

    def step(self, doc: Any, key: str) -> dict[str, Any]:
        t = self.table(doc, key, {"at", "as", "do", "audience", "role", "decision", "subject", "long", "text",
                                  "to"}, {"at", "as", "do"})
        do = self.text(t["do"], f"{key}.do", limit=40)
        if do not in SCRIPT_ACTIONS:
            self.fail(f"{key}.do", f"unknown action {do!r}; known: {', '.join(SCRIPT_ACTIONS)}")
        out: dict[str, Any] = {"offset_s": self.duration(t["at"], f"{key}.at"), "as": self.text(t["as"], f"{key}.as"),
                               "do": do}
        if do in ("compose", "edit", "submit", "review", "publish"):
            out["audience"] = self.text(t.get("audience"), f"{key}.audience", limit=40)
        if do == "review":
            out["role"] = self.choice(t.get("role"), f"{key}.role", Role.parse)
            out["decision"] = self.text(t.get("decision", "approve"), f"{key}.decision", limit=20)
        if do == "edit":
            out["subject"] = self.text(t.get("subject"), f"{key}.subject")
            out["long"] = self.text(t.get("long"), f"{key}.long", limit=MAX_TEXT, multiline=True)
        if do == "log":
            out["text"] = self.text(t.get("text"), f"{key}.text", limit=MAX_TEXT, multiline=True)
        if do == "status":
            out["to"] = self.choice(t.get("to"), f"{key}.to", Status.parse)
        if do == "severity":
            out["to"] = self.choice(t.get("to"), f"{key}.to", Severity.parse)
        return out

    def targets(self, doc: Any) -> dict[str, Any]:
        t = self.table(doc, "targets", {"declare", "first_update", "review", "max_overdue", "longest_silence",
                                        "lint_blocking", "lint_warnings"})
        review = self.table(t.get("review", {}), "targets.review", {r.value for r in Role})
        return {
            "declare_s": self.duration(t["declare"], "targets.declare") if "declare" in t else None,
            "first_update_s": self.duration(t["first_update"], "targets.first_update")
            if "first_update" in t else None,
            "review_s": {r: self.duration(v, f"targets.review.{r}") for r, v in review.items()},
            "max_overdue": self.whole(t.get("max_overdue", 0), "targets.max_overdue", 0, 1000),
            "longest_silence_s": self.duration(t["longest_silence"], "targets.longest_silence")
            if "longest_silence" in t else None,
            "lint_blocking": self.whole(t.get("lint_blocking", 0), "targets.lint_blocking", 0, 1000),
            "lint_warnings": self.whole(t["lint_warnings"], "targets.lint_warnings", 0, 1000)
            if "lint_warnings" in t else None,
        }

    def cross_check(self, s: Scenario) -> None:
        channels = {c["name"] for c in s.channels}
        people = {p["name"] for p in s.people}
        for j in s.injects:
            where = f"injects[{j['index']}]"
            if "channel" in j and j["channel"] not in channels:
                self.fail(f"{where}.channel", f"{j['channel']!r} is not one of the scenario's [[channels]]")
            if "person" in j and j["person"] not in people:
                self.fail(f"{where}.person", f"{j['person']!r} is not one of the scenario's [[people]]")
        for i, c in enumerate(s.matrix):
            for name in (n.strip() for route in c["channels"] for n in route.split(">")):
                if name not in channels:
                    self.fail(f"matrix[{i}].channels", f"{name!r} is not one of the scenario's [[channels]]")

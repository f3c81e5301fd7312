"""The vendor status watch: poll the public status feeds of the providers the team
depends on, and log their changes as external entries on the incidents that name them.

**Providers** are configuration (``watch.added``, ``watch.removed`` journal events,
applied on other laptops by :mod:`warroom.sync.apply_watch`); an administrator (the
settings role) adds and removes them. A provider is a Statuspage-shaped
``api/v2/summary.json`` (``summary``) or an Atom/RSS feed (``feed``), polled every
``every`` (at least a minute).

**Which incidents name a provider.** An open incident (not resolved, not an exercise)
names a provider when its title or one of its components contains the provider's
name or one of its aliases as whole words, ignoring case: "Stripe payments failing"
names the provider ``Stripe``. To link an incident explicitly, add the provider's
name to its components. Confidential incidents are logged on too (their members
read them; the watch reads only to log).

**What is recorded, once each.** What was seen of each provider is kept (component
statuses, incident ids with their status and last update id, feed entry keys with
their update time: ``watch.observed`` events), so each change is logged once, also
across laptops once in step: a provider incident opened, updated, resolved (or gone
from the summary, which lists only unresolved ones); a component's status changed;
a feed entry new or updated. The first look at a provider records what is happening
now (unresolved incidents, components not operational, feed entries of the last
:data:`FRESH`) and takes the rest as known. The entries are written through the
timeline service by :data:`~warroom.identity.WATCH`, a System actor that may only
read and log. A provider's state (worst component status, open incidents, latest
entry) is kept whether or not any incident names it.

**Polling** (:func:`poll_due`): conditional GETs (ETag, Last-Modified), a size limit
and a deadline (:mod:`warroom.inbound.feed_fetch`); a 429 or 5xx backs off
(doubling from the interval, up to :data:`MAX_BACKOFF`), never sooner than the
provider's Retry-After. A document that cannot be read (:mod:`warroom.inbound.feed_parse`)
is an error on that provider, shown by ``watch status``, and nothing is written but
that error. :func:`import_file` records from a saved document, the same way.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom import inputs
from warroom.domain import EntryKind, Status
from warroom.errors import InputError, NotFound
from warroom.identity import WATCH
from warroom.ids import uuid7
from warroom.inbound.feed_parse import (
    KINDS, MAX_BYTES, COMPONENT_ORDER, FeedError, Snapshot, check_type, parse,
)
from warroom.services import access, timeline
from warroom.services.access import Action
from warroom.services.cadence import parse_interval
from warroom.store import Store
from warroom.store.models import Incident, WatchPoll, WatchProvider, WatchSeen
from warroom.sync.apply_watch import write_provider, write_seen

#: The shortest and longest polling interval, and the default.
MIN_EVERY, MAX_EVERY, DEFAULT_EVERY = timedelta(minutes=1), timedelta(days=1), "5m"
#: The longest back-off after repeated failures.
MAX_BACKOFF = timedelta(hours=1)
#: On the first look, feed entries newer than this are recorded; older ones are known.
FRESH = timedelta(hours=24)
#: At most this many aliases, each at most this long.
MAX_ALIASES, MAX_ALIAS = 20, 80
#: The longest timeline entry a change makes.
MAX_ENTRY = 1_500

_NAME = re.compile(r"^[\w][\w .&+\-()]{0,79}$", re.UNICODE)


@dataclass(frozen=True, slots=True)
class ProviderView:
    """A watched provider, what was last seen of it, and how this device polls it."""

    id: uuid.UUID
    name: str
    url: str
    kind: str
    aliases: tuple[str, ...]
    every_s: int
    #: The worst component status (summary), or None.
    worst: str | None
    #: Unresolved provider incidents: {"id", "name", "status", "impact"}.
    incidents: tuple[dict[str, str], ...]
    #: The newest feed entry's title, or the page's description.
    headline: str
    observed_at: datetime | None
    polled_at: datetime | None
    ok_at: datetime | None
    next_at: datetime | None
    failures: int
    last_error: str | None

    def summary(self) -> str:
        """One line: how the provider is, for a status bar or a list."""
        if self.last_error and (self.ok_at is None or (self.polled_at or self.ok_at) > self.ok_at):
            return f"{self.name}: cannot read ({self.last_error})"
        if self.observed_at is None and self.ok_at is None:
            return f"{self.name}: not looked at yet"
        parts = []
        if self.worst:
            parts.append(self.worst.replace("_", " "))
        if self.incidents:
            n = len(self.incidents)
            parts.append(f"{n} open incident{'s' if n != 1 else ''}: " + "; ".join(i["name"] for i in self.incidents))
        elif self.kind == "feed" and self.headline:
            parts.append(f"latest: {self.headline}")
        return f"{self.name}: " + (", ".join(parts) or "no news")

    def as_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "url": self.url, "kind": self.kind,
                "aliases": list(self.aliases), "every_s": self.every_s, "worst": self.worst,
                "incidents": [dict(i) for i in self.incidents], "headline": self.headline,
                "observed_at": self.observed_at, "polled_at": self.polled_at, "ok_at": self.ok_at,
                "next_at": self.next_at, "failures": self.failures, "last_error": self.last_error}


def _view(row: WatchProvider, poll: WatchPoll | None) -> ProviderView:
    state = row.state or {}
    return ProviderView(row.id, row.name, row.url, row.kind, tuple(row.aliases or ()), row.every_s,
                        state.get("worst"), tuple(state.get("incidents") or ()), state.get("headline") or "",
                        row.observed_at, poll.polled_at if poll else None, poll.ok_at if poll else None,
                        poll.next_at if poll else None, poll.failures if poll else 0,
                        poll.last_error if poll else None)


# -- checking what people type ------------------------------------------------------------

def clean_name(name: str) -> str:
    if not isinstance(name, str):
        raise InputError("A provider's name is text.", field="name")
    inputs.check_plain(name, field="name", what="The provider's name")
    name = " ".join(name.split())
    if not _NAME.match(name):
        raise InputError(f"{name[:80]!r} is not a provider name: letters, digits, spaces and . & + - ( ), "
                         "up to 80 characters, e.g. Stripe or GitHub.", field="name")
    return name


def clean_aliases(names: Iterable[str] | str | None) -> list[str]:
    """Other names of the provider (``--names A,B``): each as a name, no repeats."""
    if names is None:
        return []
    items = names.split(",") if isinstance(names, str) else list(names)
    out: list[str] = []
    for item in items:
        if not str(item).strip():
            continue
        alias = clean_name(str(item))
        if alias.lower() not in (a.lower() for a in out):
            out.append(alias)
    if len(out) > MAX_ALIASES:
        raise InputError(f"{len(out)} other names; keep it to {MAX_ALIASES}.", field="names")
    return out


def clean_url(url: str) -> str:
    from warroom.channels.base import check_web_url  # httpx, only when a provider is added

    inputs.check_plain(str(url or ""), field="url", what="The URL")
    return check_web_url("The provider", "url", url)


def clean_kind(kind: str) -> str:
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        raise InputError(f"Unknown kind {kind!r}: summary (a Statuspage api/v2/summary.json) or feed (Atom or RSS).",
                         field="kind")
    return kind


def parse_every(every: str | timedelta | int) -> int:
    """The polling interval in seconds: ``5m``, ``1h``, a timedelta or seconds."""
    if isinstance(every, timedelta):
        span = every
    elif isinstance(every, int):
        span = timedelta(seconds=every)
    else:
        span = parse_interval(str(every))
    if not MIN_EVERY <= span <= MAX_EVERY:
        raise InputError(f"Poll every {MIN_EVERY.seconds // 60} minute to {MAX_EVERY.days} day: a status page "
                         "polled more often than once a minute rate-limits us.", field="every")
    return int(span.total_seconds())


# -- configuration ----------------------------------------------------------------------------

def find_row(session: Session, name: str | uuid.UUID) -> WatchProvider:
    if isinstance(name, uuid.UUID):
        row = session.get(WatchProvider, name)
    else:
        text = " ".join(str(name).split())
        row = session.scalars(select(WatchProvider).where(WatchProvider.name == text)).first()
        if row is None:   # names are told apart ignoring case
            row = session.scalars(select(WatchProvider).where(func.lower(WatchProvider.name) == text.lower())).first()
    if row is None:
        known = ", ".join(session.scalars(select(WatchProvider.name).order_by(WatchProvider.name))) or "none yet"
        raise NotFound(f"No watched provider {name!s}. Watched: {known}.", field="provider")
    return row


def add_provider(store: Store, actor: str, name: str, url: str, *, kind: str = "summary",
                 names: Iterable[str] | str | None = None, every: str | timedelta | int = DEFAULT_EVERY
                 ) -> ProviderView:
    """Watch a provider's status feed (an administrator)."""
    name, url, kind = clean_name(name), clean_url(url), clean_kind(kind)
    aliases = [a for a in clean_aliases(names) if a.lower() != name.lower()]
    every_s = parse_every(every)
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        if tx.session.scalars(select(WatchProvider.id).where(func.lower(WatchProvider.name) == name.lower())).first():
            raise InputError(f"{name} is watched already: remove it first to change it.", field="name")
        key = uuid7()
        row = write_provider(tx.session, key, name=name, url=url, kind=kind, aliases=aliases, every_s=every_s,
                             at=tx.now)
        tx.record("watch.added", {"provider_id": key, "name": name, "url": url, "kind": kind, "aliases": aliases,
                                  "every_s": every_s})
        tx.session.flush()
        return _view(row, None)


def remove_provider(store: Store, actor: str, name: str) -> None:
    """Stop watching a provider (what was logged on incidents stays)."""
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        row = find_row(tx.session, name)
        tx.record("watch.removed", {"provider_id": row.id, "name": row.name})
        tx.session.delete(row)


def providers(store: Store, *, viewer: str, name: str | None = None) -> list[ProviderView]:
    """The watched providers by name (or the one named), with what was last seen of each."""
    with store.read() as session:
        access.reader(session, viewer)
        rows = [find_row(session, name)] if name else list(
            session.scalars(select(WatchProvider).order_by(WatchProvider.name)))
        return [_view(r, session.get(WatchPoll, r.id)) for r in rows]


# -- what changed ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Found:
    """A change to log: its words and when the provider says it happened."""

    text: str
    at: datetime | None


@dataclass
class Diff:
    changes: list[Found] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)


def _label(status: str) -> str:
    return status.replace("_", " ")


def diff(provider: str, seen: dict[str, str], snap: Snapshot, *, first: bool, now: datetime,
         names: dict[str, str] | None = None) -> Diff:
    """What ``snap`` shows that ``seen`` did not: the changes to log, the seen keys to
    set and those to drop. ``first``: nothing was seen before (see the module's rules);
    ``names``: the provider incidents' names as last seen, by id."""
    out = Diff()
    here: set[str] = set()
    for c in snap.components:
        key = f"c:{c.id}"[:80]
        here.add(key)
        before = seen.get(key)
        if before == c.status:
            continue
        out.seen[key] = c.status
        if before is None and c.status == "operational":
            continue  # a component first seen working is no news
        was = f" (was {_label(before)})" if before else ""
        out.changes.append(Found(f"{provider}: {c.name} is {_label(c.status)}{was}.", None))
    for i in snap.incidents:
        key = f"i:{i.id}"[:80]
        here.add(key)
        value = f"{i.status}|{i.update_id}"
        before = seen.get(key)
        if before == value:
            continue
        out.seen[key] = value
        words = f" {i.update_text}" if i.update_text else ""
        if before is None:
            if i.resolved and first:
                continue
            what = "incident resolved" if i.resolved else f"incident opened ({i.impact} impact)"
        else:
            what = "incident resolved" if i.resolved else "incident updated"
        out.changes.append(Found(f"{provider}: {what}: {i.name} [{_label(i.status)}].{words}", i.updated_at))
    for e in snap.entries:
        key = f"e:{e.key}"
        here.add(key)
        value = e.published.isoformat() if e.published else "-"
        before = seen.get(key)
        if before == value:
            continue
        out.seen[key] = value
        if before is None and first and e.published is not None and e.published < now - FRESH:
            continue
        what = "new" if before is None else "updated"
        words = f" {e.summary}" if e.summary else ""
        link = f" {e.link}" if e.link else ""
        out.changes.append(Found(f"{provider}: {what} status post: {e.title}.{words}{link}", e.published))
    for key, value in seen.items():
        if key in here:
            continue
        out.dropped.append(key)
        if key.startswith("i:") and snap.kind == "summary" and value.split("|", 1)[0] not in (
                "resolved", "postmortem", "completed"):
            name = (names or {}).get(key[2:]) or key[2:]
            out.changes.append(Found(f"{provider}: incident resolved: {name} is no longer listed as open.", None))
    return out


def state_of(snap: Snapshot) -> dict[str, Any]:
    """What ``watch status`` shows of a provider from one look."""
    headline = snap.entries[0].title if snap.entries else snap.description
    open_ = [{"id": i.id, "name": i.name, "status": i.status, "impact": i.impact}
             for i in snap.incidents if not i.resolved]
    bad = {c.name: c.status for c in snap.components if c.status in COMPONENT_ORDER and c.status != "operational"}
    return {"worst": snap.worst(), "incidents": open_, "headline": headline, "components": bad}


def _words(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE)


def names_provider(title: str, components: Iterable[str], names: Iterable[str]) -> bool:
    """Whether an incident with this title and these components names the provider."""
    patterns = [_words(n) for n in names if n]
    texts = [title or "", *[str(c) for c in components or ()]]
    return any(p.search(t) for p in patterns for t in texts)


def naming_incidents(session: Session, row: WatchProvider) -> list[Incident]:
    names = [row.name, *(row.aliases or [])]
    rows = session.scalars(select(Incident).where(Incident.status != Status.RESOLVED.value,
                                                  Incident.exercise.is_(False)).order_by(Incident.declared_at))
    return [r for r in rows if names_provider(r.title, r.components or [], names)]


@dataclass(frozen=True, slots=True)
class Recorded:
    """What one look recorded: the changes and the incidents they were logged on."""

    provider: str
    changes: tuple[str, ...]
    incidents: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "changes": list(self.changes), "incidents": list(self.incidents)}


def record(store: Store, provider: str | uuid.UUID, snap: Snapshot) -> Recorded:
    """Log what ``snap`` shows that was not seen before on every open incident naming
    the provider, and keep it as seen: one transaction, by the watch."""
    with store.write(WATCH) as tx:
        access.require(tx, Action.LOG)
        row = find_row(tx.session, provider)
        if snap.kind != row.kind:
            raise FeedError(f"{row.name} is watched as a {row.kind}, and this is a {snap.kind}.", field="kind")
        seen = {s.key: s.value for s in tx.session.scalars(select(WatchSeen).where(WatchSeen.provider_id == row.id))}
        known = {str(i.get("id")): str(i.get("name")) for i in (row.state or {}).get("incidents") or ()
                 if isinstance(i, dict)}
        found = diff(row.name, seen, snap, first=row.observed_at is None, now=tx.now, names=known)
        targets = naming_incidents(tx.session, row) if found.changes else []
        for change in found.changes:
            text = change.text if len(change.text) <= MAX_ENTRY else change.text[:MAX_ENTRY - 1] + "…"
            at = min(change.at, tx.now) if change.at is not None else tx.now
            for incident in targets:
                timeline.log_in(tx, incident, text, kind=EntryKind.EXTERNAL, at=at)
        state = state_of(snap)
        if row.observed_at is None or found.seen or found.dropped or state != (row.state or {}):
            tx.record("watch.observed", {"provider_id": row.id, "name": row.name, "seen": found.seen,
                                         "dropped": found.dropped, "state": state})
            write_seen(tx.session, row.id, found.seen, found.dropped, state, tx.now)
        return Recorded(row.name, tuple(c.text for c in found.changes), tuple(r.ref for r in targets))


def import_file(store: Store, actor: str, source, provider: str) -> Recorded:
    """Record from a saved summary.json or feed file (``-``: standard input), by
    someone who may log: the same rules as a poll, with the network unplugged."""
    with store.read() as session:
        access.check(session, actor, Action.LOG)
        row = find_row(session, provider)
        kind, name = row.kind, row.name
    raw = inputs.read_bytes(source, MAX_BYTES, what=inputs.describe(source))
    return record(store, name, parse(kind, raw, inputs.describe(source)))


# -- polling ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Polled:
    """One poll of one provider: what it recorded, or why it could not."""

    provider: str
    recorded: Recorded | None = None
    not_modified: bool = False
    error: str | None = None
    next_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "recorded": self.recorded.as_dict() if self.recorded else None,
                "not_modified": self.not_modified, "error": self.error, "next_at": self.next_at}


def _poll_row(session: Session, provider_id: uuid.UUID) -> WatchPoll:
    row = session.get(WatchPoll, provider_id)
    if row is None:
        row = WatchPoll(provider_id=provider_id, failures=0)
        session.add(row)
    return row


def due(store: Store) -> list[uuid.UUID]:
    """The providers whose next look is due (never looked at, interval or back-off over)."""
    now = store.clock.now()
    with store.read() as session:
        out = []
        for row in session.scalars(select(WatchProvider).order_by(WatchProvider.name)):
            poll = session.get(WatchPoll, row.id)
            if poll is None or poll.next_at is None or poll.next_at <= now:
                out.append(row.id)
        return out


def next_due(store: Store) -> datetime | None:
    """When the next provider is due (None: nothing watched)."""
    with store.read() as session:
        times = []
        for row in session.scalars(select(WatchProvider)):
            poll = session.get(WatchPoll, row.id)
            times.append(poll.next_at if poll and poll.next_at else store.clock.now())
        return min(times) if times else None


def seconds_to_next(store: Store, *, longest: float = 60.0) -> float:
    """How long a poller may sleep before the next provider is due (at least a second,
    at most ``longest``, so a provider added meanwhile is not waited on long)."""
    when = next_due(store)
    if when is None:
        return longest
    return max(1.0, min(longest, (when - store.clock.now()).total_seconds()))


def _bookkeep(store: Store, provider_id: uuid.UUID, **values: Any) -> datetime | None:
    """This device's polling record (not journaled: it is no one's change)."""
    with store.write(WATCH, warn_ms=None) as tx:
        if tx.session.get(WatchProvider, provider_id) is None:
            return None
        poll = _poll_row(tx.session, provider_id)
        for key, value in values.items():
            setattr(poll, key, value)
        return poll.next_at


def poll(store: Store, provider: str | uuid.UUID, *, client=None, timeout: float | None = None) -> Polled:
    """Look at one provider now: fetch, parse, record; an error is kept on the provider."""
    from warroom.inbound.feed_fetch import TIMEOUT_S, FetchError, fetch  # httpx: only when polling

    with store.read() as session:
        row = find_row(session, provider)
        poll_row = session.get(WatchPoll, row.id)
        key, name, url, kind, every = row.id, row.name, row.url, row.kind, timedelta(seconds=row.every_s)
        etag = poll_row.etag if poll_row else None
        modified = poll_row.last_modified if poll_row else None
        failures = poll_row.failures if poll_row else 0
    started = store.clock.now()
    try:
        got = fetch(url, etag=etag, last_modified=modified, client=client, timeout=timeout or TIMEOUT_S)
        if got.not_modified:
            at = _bookkeep(store, key, polled_at=started, ok_at=started, failures=0, last_error=None,
                           next_at=started + every, etag=got.etag, last_modified=got.last_modified)
            return Polled(name, not_modified=True, next_at=at)
        check_type(kind, got.content_type, url)
        done = record(store, key, parse(kind, got.body, url))
    except (FetchError, FeedError) as exc:
        wait = min(every * (2 ** min(failures + 1, 10)), max(MAX_BACKOFF, every))
        asked = getattr(exc, "retry_after", None)
        if asked is not None:
            wait = max(wait, timedelta(seconds=asked))
        message = str(exc)[:500]
        at = _bookkeep(store, key, polled_at=started, failures=failures + 1, last_error=message,
                       next_at=started + wait)
        return Polled(name, error=message, next_at=at)
    at = _bookkeep(store, key, polled_at=started, ok_at=started, failures=0, last_error=None,
                   next_at=started + every, etag=got.etag, last_modified=got.last_modified)
    return Polled(name, recorded=done, next_at=at)


def poll_due(store: Store, *, client=None, timeout: float | None = None) -> list[Polled]:
    """:func:`poll` every provider that is due, one after another."""
    out = []
    for key in due(store):
        try:
            out.append(poll(store, key, client=client, timeout=timeout))
        except NotFound:
            continue  # removed meanwhile
    return out

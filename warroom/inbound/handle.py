"""What a signal does: it goes through the same services a person uses, acting as
its source (:class:`warroom.identity.Source`), which may open and update incidents,
set component status and draft updates for review, and never review, approve,
override or publish (see :data:`warroom.services.access.SOURCE_MAY`).

- PagerDuty (and Opsgenie) ``triggered`` opens an incident, or links to the open one
  already linked to the same external incident; priority maps to severity, service
  to components, title and link are kept. Acknowledged, annotated and reassigned go
  onto its timeline; a priority change moves severity too; resolved resolves it.
- Alertmanager moves component status by the source's label rules: a component is the
  worst of the alerts firing on it (:mod:`warroom.inbound.alerts`), operational when
  none fire; a firing alert on a customer-facing component opens an incident.
- Statuspage's component updates set component status; its incident updates go onto
  the linked incident's timeline.
- Jira issue changes (status, priority, comments) go onto the linked incident's timeline,
  all of one event's changes on one entry; a priority change moves the incident's
  severity only when the source opts in (``severity_from_priority``), and the timeline
  says what moved and why.

A new incident gets its category and template from the source's rules, its first
update drafted for the audiences the matrix names at its severity and submitted for
review (held there: never sent without it), and a timeline entry telling the
commander what opened it. Every vendor event is handled once: a repeat of its id is
ignored (the ``inbound_event`` table, journaled)."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from filelock import FileLock
from sqlalchemy import select

from warroom.domain import Severity, Status
from warroom.errors import InputError, WarroomError
from warroom.identity import Source
from warroom.ids import uuid7
from warroom.inbound.signal import Signal
from warroom.inbound import alerts, sources
from warroom.inbound.sources import KINDS, SourceView
from warroom.services import access, components, drafts, incidents, matrix, review, timeline
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import InboundEvent, Incident, IncidentLink, Person

log = logging.getLogger("warroom.inbound")

#: The vendor's words for priority -> our severity, when the source's settings do not say.
DEFAULT_SEVERITY = {"p1": "SEV1", "p2": "SEV2", "p3": "SEV3", "p4": "SEV4", "p5": "SEV4", "critical": "SEV1",
                    "highest": "SEV1", "high": "SEV2", "major": "SEV2", "error": "SEV2", "warning": "SEV3",
                    "medium": "SEV3", "minor": "SEV3", "low": "SEV4", "lowest": "SEV4", "info": "SEV4",
                    "none": "SEV4"}
#: An Alertmanager alert's severity label -> the component status it means while firing.
ALERT_STATUS = {"critical": "major_outage", "page": "major_outage", "error": "partial_outage",
                "warning": "degraded_performance", "info": "degraded_performance"}

_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def _lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


@contextmanager
def _one_at_a_time(store: Store, name: str) -> Iterator[None]:
    """One source's signals are handled one at a time, in this process (threads of
    the receiver) and across processes on this database (``inbound serve`` and an
    ``inbound import`` at once): a retry racing the original finds it recorded."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    with _lock(name), FileLock(f"{store.path}.inbound-{digest}.lock", timeout=60, mode=0o600):
        yield


@dataclass
class Outcome:
    """What one signal did: ``handled``, ``duplicate`` or ``ignored``, with the words.
    ``drafts`` are the drafts it submitted, waiting for review; ``kept`` those it drafted
    but kept back from review (a linter finding: a person looks first), each with why."""

    result: str
    message: str
    incident: str | None = None
    drafts: list[uuid.UUID] = field(default_factory=list)
    kept: list[tuple[uuid.UUID, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"result": self.result, "message": self.message, "incident": self.incident,
                "drafts": [str(d) for d in self.drafts],
                "kept": [{"draft": str(d), "state": "draft", "why": why} for d, why in self.kept]}


# -- reading --------------------------------------------------------------------------------

def seen(store: Store, source: str, event_id: str) -> bool:
    with store.read() as session:
        return session.scalars(select(InboundEvent.id).where(InboundEvent.source == source,
                                                             InboundEvent.vendor_event_id == event_id)).first() is not None


def linked_incident(store: Store, source: str, external_id: str) -> uuid.UUID | None:
    with store.read() as session:
        return session.scalars(select(IncidentLink.incident_id).where(
            IncidentLink.source == source, IncidentLink.external_id == external_id)).first()


@dataclass(frozen=True, slots=True)
class LinkView:
    source: str
    kind: str
    external_id: str
    url: str | None


def links(store: Store, incident: str | uuid.UUID, *, viewer: str) -> list[LinkView]:
    """An incident's counterparts elsewhere (PagerDuty incident, Jira issue…), to show on it."""
    with store.read() as session:
        row = incidents.find(session, incident, viewer)
        return [LinkView(r.source, r.kind, r.external_id, r.url) for r in session.scalars(
            select(IncidentLink).where(IncidentLink.incident_id == row.id).order_by(IncidentLink.created_at))]


def issue_keys(store: Store, incident_id: str | uuid.UUID, *, source: str | None = None) -> list[str]:
    """The Jira issues linked to an incident (through ``source`` only, when named):
    where a Jira channel comments when an update is published."""
    key = incident_id if isinstance(incident_id, uuid.UUID) else uuid.UUID(str(incident_id))
    with store.read() as session:
        stmt = select(IncidentLink.external_id).where(IncidentLink.incident_id == key, IncidentLink.kind == "jira")
        if source:
            stmt = stmt.where(IncidentLink.source == source)
        return list(session.scalars(stmt.order_by(IncidentLink.created_at)))


@dataclass(frozen=True, slots=True)
class ReceivedView:
    source: str
    event_id: str
    kind: str
    outcome: str
    incident: str | None
    received_at: Any


def received(store: Store, *, viewer: str, limit: int = 100) -> list[ReceivedView]:
    """The latest events received, newest first (those on incidents ``viewer`` may see)."""
    with store.read() as session:
        w = access.reader(session, viewer)
        rows = session.execute(select(InboundEvent, Incident).outerjoin(Incident, Incident.id == InboundEvent.incident_id)
                               .order_by(InboundEvent.received_at.desc(), InboundEvent.id.desc()).limit(limit))
        return [ReceivedView(e.source, e.vendor_event_id, e.kind, e.outcome, inc.ref if inc else None, e.received_at)
                for e, inc in rows if inc is None or access.visible(w, inc)]


# -- recording ------------------------------------------------------------------------------

def link(store: Store, actor: str, incident: str | uuid.UUID, source: str, external_id: str, *,
         url: str | None = None, kind: str | None = None) -> LinkView:
    """Link an incident to its counterpart in a source (a person may, from War room's
    side; a signal does when it opens one). One external id links one incident."""
    external_id = " ".join(str(external_id or "").split())[:200]
    if not external_id:
        raise InputError("Name the external incident or issue (PGR0VU2, OPS-12).", field="external")
    with store.write(actor) as tx:
        row = incidents.find_row(tx.session, incident)
        access.require(tx, Action.LOG, row)
        src = sources.find(tx.session, source)
        taken = tx.session.scalars(select(IncidentLink).where(IncidentLink.source == src.name,
                                                              IncidentLink.external_id == external_id)).first()
        if taken is not None:
            if taken.incident_id == row.id:
                return LinkView(taken.source, taken.kind, taken.external_id, taken.url)
            other = tx.session.get(Incident, taken.incident_id)
            if other is not None and other.status != Status.RESOLVED.value:
                raise InputError(f"{src.name} {external_id} is already linked to {other.ref}, which is open.",
                                 field="external")
            # The incident it was linked to is resolved: the link moves to the new one.
            taken.incident_id, taken.url, taken.created_at = row.id, url, tx.now
            link_row = taken
        else:
            link_row = IncidentLink(id=uuid7(), incident_id=row.id, source=src.name, kind=kind or src.kind,
                                    external_id=external_id, url=url, created_at=tx.now)
            tx.session.add(link_row)
        tx.record("inbound.linked", {"link_id": link_row.id, "source": src.name, "kind": link_row.kind,
                                     "external_id": external_id, "url": url}, incident_id=row.id)
        return LinkView(src.name, link_row.kind, external_id, url)


def _record(store: Store, source: SourceView, signal: Signal, outcome: Outcome, incident_id: uuid.UUID | None) -> None:
    with store.write(source.actor) as tx:
        # The source's own bookkeeping of what arrived: READ is all it needs.
        access.require(tx, Action.READ)
        row = InboundEvent(id=uuid7(), source=source.name, vendor_event_id=signal.event_id, kind=signal.kind,
                           incident_id=incident_id, outcome=f"{outcome.result}: {outcome.message}"[:2000],
                           received_at=tx.now)
        tx.session.add(row)
        tx.record("inbound.received", {"event_row_id": row.id, "source": source.name, "event_id": signal.event_id,
                                       "kind": signal.kind, "outcome": row.outcome}, incident_id=incident_id)


# -- handling -------------------------------------------------------------------------------

def handle(store: Store, source: SourceView, signal_list: list[Signal]) -> list[Outcome]:
    """Handle each signal once (a repeat of a vendor event id is ignored)."""
    return [handle_one(store, source, s) for s in signal_list]


def handle_one(store: Store, source: SourceView, signal: Signal) -> Outcome:
    with _one_at_a_time(store, source.name):
        if seen(store, source.name, signal.event_id):
            return Outcome("duplicate", f"event {signal.event_id} was received before; ignored")
        try:
            outcome, incident_id = _dispatch(store, source, signal)
        except WarroomError as exc:
            # What a service refused is kept as the outcome: the vendor's retry is not
            # handled again, and the words say what a person should do.
            outcome, incident_id = Outcome("ignored", f"refused: {exc}"), linked_incident(
                store, source.name, signal.external_id)
        _record(store, source, signal, outcome, incident_id)
        log.info("inbound %s %s %s: %s", source.name, signal.kind, signal.event_id, outcome.result)
        return outcome


def _dispatch(store: Store, source: SourceView, s: Signal) -> tuple[Outcome, uuid.UUID | None]:
    if source.kind == "alertmanager":
        return _alert(store, source, s)
    if source.kind == "statuspage" and s.kind == "component":
        view = components.set_status(store, source.actor, s.title, s.labels.get("new_status", ""),
                                     note=f"Statuspage: {s.text}")
        return Outcome("handled", f"component {view.name} is {view.status}"), None
    incident_id = linked_incident(store, source.name, s.external_id)
    if s.kind == "triggered" and source.kind in ("pagerduty", "opsgenie"):
        if incident_id is not None and _active(store, incident_id):
            ref = _note(store, source, incident_id, f"{KINDS[source.kind].LABEL} triggered {s.external_id} again: "
                        f"{s.title}")
            return Outcome("handled", f"already open as {ref}", ref), incident_id
        return _open(store, source, s)
    if incident_id is None and source.kind == "jira":
        # Linked from Jira's side: an issue whose labels or summary name an incident.
        incident_id = _named_incident(store, source, s)
        if incident_id is not None:
            link(store, source.actor, incident_id, source.name, s.external_id, url=s.link)
            ref = _note(store, source, incident_id, f"Jira {s.external_id} names this incident and is now linked: "
                        f"{s.title}")
            if s.kind == "created":
                return Outcome("handled", f"linked to {ref}", ref), incident_id
    if incident_id is None:
        return Outcome("ignored", f"no incident is linked to {s.external_id}"), None
    return _update(store, source, s, incident_id), incident_id


_NAMED = re.compile(r"\bINC-(\d{1,9})\b", re.ASCII)


def _named_incident(store: Store, source: SourceView, s: Signal) -> uuid.UUID | None:
    """The incident a Jira issue names in a label or its summary (``INC-12``), if the
    source may see it; the first one named."""
    for words in (*s.tags, s.title or ""):
        for number in _NAMED.findall(words):
            try:
                return incidents.resolve_id(store, f"INC-{number}", viewer=source.actor)
            except WarroomError:
                continue
    return None


def _active(store: Store, incident_id: uuid.UUID) -> bool:
    return incidents.get(store, incident_id, viewer=access.SYSTEM).status != Status.RESOLVED


def _note(store: Store, source: SourceView, incident_id: uuid.UUID, text: str) -> str:
    entry = timeline.log(store, source.actor, incident_id, text[:4000], kind="external")
    del entry
    return incidents.get(store, incident_id, viewer=access.SYSTEM).ref


def severity_of(source: SourceView, priority: str | None) -> Severity | None:
    if not priority:
        return None
    key = priority.strip().lower()
    mapped = source.settings.get("severity", {}).get(key) or DEFAULT_SEVERITY.get(key)
    return Severity.parse(mapped) if mapped else None


def _update(store: Store, source: SourceView, s: Signal, incident_id: uuid.UUID) -> Outcome:
    label = KINDS[source.kind].LABEL
    inc = incidents.get(store, incident_id, viewer=access.SYSTEM)
    said = s.text or s.kind
    if s.kind == "resolved":
        if inc.status == Status.RESOLVED:
            return Outcome("ignored", f"{inc.ref} is already resolved", inc.ref)
        incidents.set_status(store, source.actor, incident_id, Status.RESOLVED,
                             note=f"{label} resolved {s.external_id}")
        return Outcome("handled", f"{inc.ref} resolved", inc.ref)
    if s.kind == "priority":
        # PagerDuty's priority_updated: its priority is the incident's severity, as the issue asks.
        sev = severity_of(source, s.priority)
        if sev is not None and sev != inc.severity and inc.status != Status.RESOLVED:
            incidents.set_severity(store, source.actor, incident_id, sev,
                                   note=f"{label} priority of {s.external_id} is now {s.priority}")
            return Outcome("handled", f"{inc.ref} is now {sev.value}", inc.ref)
        said = f"Priority is now {s.priority}"
    # Every change of the event on one entry (a Jira update's status, priority and comment together).
    _note(store, source, incident_id, f"{label} {s.external_id}: {said}")
    message = f"logged on {inc.ref}"
    if source.kind == "jira" and s.labels.get("priority_changed"):
        moved = _jira_severity(store, source, s, incident_id)
        if moved:
            message += f"; {moved}"
    return Outcome("handled", message, inc.ref)


def _jira_severity(store: Store, source: SourceView, s: Signal, incident_id: uuid.UUID) -> str | None:
    """A Jira priority change moves the incident's severity only when the source opts
    in (``severity_from_priority``): ``raise`` raises it and never lowers it (a lower
    mapping is said on the timeline, the severity kept); ``follow`` lowers it too,
    saying so. What moved and why is on the timeline either way."""
    mode = source.settings.get("severity_from_priority", "off")
    if mode not in ("raise", "follow"):
        return None
    sev = severity_of(source, s.priority)
    inc = incidents.get(store, incident_id, viewer=access.SYSTEM)
    if sev is None or sev == inc.severity or inc.status == Status.RESOLVED:
        return None
    was = s.labels.get("priority_from") or "none"
    why = (f"Jira {s.external_id} priority {was} → {s.priority} maps to {sev.value} "
           f"(source {source.name}: severity_from_priority is {mode})")
    if sev.rank > inc.severity.rank and mode == "raise":
        _note(store, source, incident_id, f"{why}; severity stays {inc.severity.value}: this source only raises "
                                          "severity from Jira's priority, lowering it is a person's decision.")
        return f"{inc.ref} stays {inc.severity.value}"
    incidents.set_severity(store, source.actor, incident_id, sev, note=why)
    return f"{inc.ref} is now {sev.value}"


def _first_commander(store: Store, source: SourceView) -> str | None:
    if source.settings.get("commander"):
        return source.settings["commander"]
    with store.read() as session:
        for p in session.scalars(select(Person).order_by(Person.name)):
            if "incident_commander" in (p.roles or []):
                return p.name
    return None


def _rule(source: SourceView, s: Signal, comps: list[str]) -> dict[str, str]:
    """The first of the source's rules that matches: a rule naming a ``label`` matches
    that label's value (Alertmanager's labels, common labels included); any other
    matches a tag, the service or a component."""
    words = {w.lower() for w in (*s.tags, *(comps or ()), *(s.components or ()), s.service or "") if w}
    for rule in source.settings.get("rules", []):
        if "label" in rule:
            if (s.labels.get(rule["label"]) or "").strip().lower() == rule["match"]:
                return rule
        elif rule["match"] in words:
            return rule
    return {}


def _open(store: Store, source: SourceView, s: Signal, *, comps: list[str] | None = None,
          customer_facing: bool | None = None) -> tuple[Outcome, uuid.UUID]:
    label = KINDS[source.kind].LABEL
    if comps is None:
        mapped = source.settings.get("components", {}).get(s.service or "")
        comps = list(mapped) if mapped else list(s.components)
    facing = set(source.settings.get("customer_facing", []))
    if customer_facing is None:
        customer_facing = bool(facing & set(comps))
    rule = _rule(source, s, comps)
    sev = severity_of(source, s.priority) or Severity.SEV3
    now = store.clock.now()
    inc = incidents.open_incident(
        store, source.actor, title=s.title or f"{label} {s.external_id}", severity=sev,
        category=rule.get("category", "other"), customer_facing=customer_facing, components=comps,
        commander=_first_commander(store, source), detected_at=s.at if s.at and s.at <= now else None)
    link(store, source.actor, inc.id, source.name, s.external_id, url=s.link)
    held, kept, why = _draft_first_update(store, source.actor, inc, rule.get("template"), source)
    what = f"{label} {s.external_id}" + (f" ({', '.join(x for x in (s.priority, s.service) if x)})"
                                         if s.priority or s.service else "")
    told = (f"Opened from {what}{': ' + s.link if s.link else ''}. Commander {inc.commander}: " + why)
    _note(store, source, inc.id, told)
    return Outcome("handled", f"opened {inc.ref} ({sev.value})", inc.ref, held, kept), inc.id


def _draft_first_update(store: Store, actor: Source, inc, template: str | None,
                        source: SourceView) -> tuple[list[uuid.UUID], list[tuple[uuid.UUID, str]], str]:
    """Draft the first update for the audiences the matrix names at the incident's
    severity (else the source's ``audiences``) and submit it for review. It waits
    there; a person approves and publishes it. Returns the drafts waiting for review,
    those kept back as drafts (with why), and the words for the timeline."""
    audiences = [d.audience for d in matrix.update_dues(store, inc.id, viewer=actor)] \
        or list(source.settings.get("audiences", []))
    if not audiences:
        return [], [], "the matrix names no audience at this severity, so no update was drafted."
    try:
        made = drafts.compose_drafts(store, actor, inc.id, audiences, template=template)
    except WarroomError as exc:
        return [], [], f"the first update could not be drafted ({exc})."
    held: list[uuid.UUID] = []
    kept: list[tuple[uuid.UUID, str]] = []
    for d in made:
        try:
            review.submit(store, actor, d.id)
            held.append(d.id)
        except WarroomError as exc:   # a linter finding: a person looks at the draft first
            kept.append((d.id, f"{d.audience}: {exc}"))
    waiting = [d.audience for d in made if d.id in held]
    said = (f"the first update for {', '.join(waiting)} is drafted and waiting for review." if waiting
            else "the first update is drafted, and none of it could be submitted for review.")
    if kept:
        said += f" Kept as a draft, not submitted: {'; '.join(why for _d, why in kept)}."
    return held, kept, said


# -- Alertmanager -----------------------------------------------------------------------------

def component_for(source: SourceView, labels: dict[str, str]) -> tuple[str, str | None] | None:
    """The component an alert's labels name by the source's label rules (first match),
    and the status the rule asks for (None: by the alert's severity)."""
    for rule in source.settings.get("label_rules", []):
        value = labels.get(rule["label"])
        if value is not None and ("value" not in rule or rule["value"] == value):
            return rule["component"], rule.get("status")
    return None


def _alert(store: Store, source: SourceView, s: Signal) -> tuple[Outcome, uuid.UUID | None]:
    found = component_for(source, dict(s.labels))
    if found is None:
        return Outcome("ignored", "no label rule names a component for this alert"), None
    name, wanted = found
    # The component is the worst of the alerts firing on it, not the last one heard.
    if s.kind == "resolved":
        view, count = alerts.clear(store, source.actor, source.name, s.external_id, name, s.title)
    else:
        view, count = alerts.fire(store, source.actor, source.name, s.external_id, name,
                                  wanted or ALERT_STATUS.get((s.priority or "").lower(), "partial_outage"), s.title)
    said = f"component {view.name} is {view.status}" + (f" ({count} alerts firing)" if count > 1 else "")
    incident_id = linked_incident(store, source.name, s.external_id)
    if s.kind == "firing" and name in source.settings.get("customer_facing", []):
        if incident_id is not None and _active(store, incident_id):
            return Outcome("handled", said, incidents.get(store, incident_id, viewer=access.SYSTEM).ref), incident_id
        outcome, incident_id = _open(store, source, s, comps=[name], customer_facing=True)
        outcome.message = f"{said}; {outcome.message}"
        return outcome, incident_id
    if s.kind == "resolved" and incident_id is not None and _active(store, incident_id):
        still = f"{name} is {view.status}: {count} more alert(s) firing on it" if count else \
            f"{name} is operational again"
        ref = _note(store, source, incident_id, f"Alertmanager: {s.title} resolved; {still}.")
        return Outcome("handled", said, ref), incident_id
    return Outcome("handled", said), incident_id

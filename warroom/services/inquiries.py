"""Stakeholders' inquiries: the questions people ask about an incident, who asked
(a stakeholder from the register or a name as given), through which channel, in
which category, when, and the update that answered it.

An inquiry is named like a follow-up: ``INC-1/Q3`` is the third question logged
on INC-1 (its place in the order they were asked; computed, never stored), or by
its id or a unique beginning of it.

When questions in one category repeat (by default three or more within 30
minutes) War room suggests a FAQ bulletin (:func:`suggestions`);
:func:`draft_faq` composes it from the audience's ``faq`` template holding the
questions asked, and links them to it as their answer. It is reviewed like any
update.

Who may: anyone who may log on the incident logs a question; the roles that
compose updates mark one answered. A confidential incident's inquiries are read
only by its members. Every change is one journal event, applied on other laptops
by :mod:`warroom.sync.apply_inquiries`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom import inputs
from warroom.clock import UTC
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access, incidents, refs
from warroom.services.access import Action
from warroom.services.stakeholders import find_row as find_stakeholder, register_of, shown_name
from warroom.store import Store
from warroom.store.models import Draft, Incident, Inquiry, Meta, Stakeholder
from warroom.text.timeparse import parse_when

#: The longest question kept: a message or two; a longer one is pasted mail, summarise it.
MAX_TEXT = 2_000
#: The longest name of who asked, and of a channel or a category.
MAX_NAME, MAX_WORD = 200, 40
#: Categories when nobody has set their own.
DEFAULT_CATEGORIES = ("impact", "eta", "data", "billing", "security", "other")
#: A FAQ is suggested when this many questions in one category come within this window.
DEFAULT_THRESHOLD, DEFAULT_WINDOW = 3, timedelta(minutes=30)
#: Channels people usually ask through (any short word is accepted).
CHANNELS = ("email", "phone", "chat", "slack", "teams", "sms", "ticket", "social", "in-person", "other")
#: A FAQ holds at most this many questions (the latest, repeats once), each cut to this length:
#: a bulletin answers the common ones, not every message.
MAX_FAQ_QUESTIONS, MAX_FAQ_QUESTION = 20, 300
#: Where the settings are kept (one JSON value, journaled as settings.changed).
SETTINGS_KEY = "inquiry_settings"

#: An update in these states answers nobody: its questions are open again.
DEAD_ANSWERS = ("withdrawn", "retracted")

_REF = re.compile(r"^\s*(?:INC-)?(\d{1,9})\s*/\s*Q(\d{1,9})\s*$", re.IGNORECASE | re.ASCII)
_WORD = re.compile(r"^[a-z0-9][a-z0-9_-]*$", re.ASCII)


@dataclass(frozen=True, slots=True)
class InquiryView:
    """A plain snapshot of one inquiry, safe to pass between threads."""

    id: uuid.UUID
    incident_id: uuid.UUID
    #: ``INC-1/Q3``: the incident's reference and the question's place among its inquiries.
    ref: str
    asked_by: str
    #: The asker is in the stakeholder register (by this name).
    stakeholder: str | None
    channel: str
    text: str
    category: str
    asked_at: datetime
    #: ``INC-1/U2``: the update that answered it, or None while it is open.
    answer: str | None
    answer_id: uuid.UUID | None
    answered_by: str | None
    answered_at: datetime | None
    created_by: str
    #: The answering update's state (draft, in_review, published…), or None while open.
    answer_state: str | None = None

    @property
    def answered(self) -> bool:
        return self.answer_id is not None

    @property
    def open(self) -> bool:
        """Not answered, or its answer was withdrawn or retracted (it answers nobody)."""
        return self.answer_id is None or self.answer_state in DEAD_ANSWERS

    def as_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "ref": self.ref, "incident_id": str(self.incident_id),
                "asked_by": self.asked_by, "stakeholder": self.stakeholder, "channel": self.channel,
                "text": self.text, "category": self.category, "asked_at": self.asked_at,
                "answered": self.answered, "answer": self.answer,
                "answer_id": str(self.answer_id) if self.answer_id else None, "answered_by": self.answered_by,
                "answered_at": self.answered_at, "answer_state": self.answer_state, "open": self.open,
                "created_by": self.created_by}


@dataclass(frozen=True, slots=True)
class InquirySettings:
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    threshold: int = DEFAULT_THRESHOLD
    window: timedelta = DEFAULT_WINDOW

    def as_dict(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "threshold": self.threshold,
                "window_s": int(self.window.total_seconds())}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Questions in one category repeat: a FAQ bulletin would answer them at once."""

    category: str
    #: The open questions within the window, oldest first.
    refs: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    window: timedelta

    @property
    def count(self) -> int:
        return len(self.refs)

    @property
    def minutes(self) -> int:
        """Minutes from the first question to the last, at least one, at most the window."""
        minutes = max(1, round((self.last_at - self.first_at).total_seconds() / 60))
        return min(minutes, int(self.window.total_seconds() // 60))

    @property
    def label(self) -> str:
        """The category as people say it: ``ETA``, ``billing``."""
        return self.category.upper() if self.category == "eta" else self.category

    @property
    def text(self) -> str:
        """The suggestion in English (the command line's words; the window says it in its language)."""
        minutes = self.minutes
        return (f"{self.count} questions about {self.label} "
                f"in {minutes} minute{'' if minutes == 1 else 's'} — draft a FAQ")

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "count": self.count, "refs": list(self.refs),
                "first_at": self.first_at, "last_at": self.last_at, "text": self.text}


# -- settings ----------------------------------------------------------------------------

def settings_in(session: Session) -> InquirySettings:
    row = session.get(Meta, SETTINGS_KEY)
    if row is None:
        return InquirySettings()
    data = json.loads(row.value)
    return InquirySettings(tuple(data["categories"]), int(data["threshold"]), timedelta(seconds=data["window_s"]))


def get_settings(store: Store) -> InquirySettings:
    with store.read() as session:
        return settings_in(session)


def _clean_word(value: str, *, field: str, what: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{what} is a short word.", field=field)
    inputs.check_plain(value, field=field, what=what)
    word = value.strip().lower().replace(" ", "-")
    if not word or len(word) > MAX_WORD or not _WORD.match(word):
        raise InputError(f"{what} {value!r} is a short word in lower case (letters, digits, - and _), "
                         f"up to {MAX_WORD} characters.", field=field)
    return word


def set_settings(store: Store, actor: str, *, categories: list[str] | tuple[str, ...] | None = None,
                 threshold: int | None = None, window: timedelta | None = None) -> InquirySettings:
    """Change the categories offered, or when a FAQ is suggested (``threshold``
    questions in one category within ``window``). Only what is given changes."""
    old = get_settings(store)
    new_categories = old.categories
    if categories is not None:
        new_categories = tuple(dict.fromkeys(_clean_word(c, field="categories", what="A category")
                                             for c in categories))
        if not new_categories or len(new_categories) > 30:
            raise InputError("Give between 1 and 30 categories.", field="categories")
    if threshold is not None and not (isinstance(threshold, int) and 2 <= threshold <= 100):
        raise InputError("A FAQ is suggested after 2 to 100 questions in one category.", field="threshold")
    if window is not None and not timedelta(minutes=1) <= window <= timedelta(days=2):
        raise InputError("The window for repeated questions is between a minute and two days.", field="window")
    new = InquirySettings(new_categories, old.threshold if threshold is None else threshold,
                          old.window if window is None else window)
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        row = tx.session.get(Meta, SETTINGS_KEY)
        text = json.dumps(new.as_dict(), sort_keys=True)
        if row is None or row.value != text:
            tx.record("settings.changed", {"changes": {SETTINGS_KEY: [row.value if row else None, text]}})
            if row is None:
                tx.session.add(Meta(key=SETTINGS_KEY, value=text))
            else:
                row.value = text
    return new


# -- reading -----------------------------------------------------------------------------

def numbers(session: Session, incident: Incident) -> dict[uuid.UUID, str]:
    rows = session.scalars(select(Inquiry.id).where(Inquiry.incident_id == incident.id)
                           .order_by(Inquiry.created_at, Inquiry.id))
    return {qid: f"{incident.ref}/Q{n}" for n, qid in enumerate(rows, 1)}


def _update_refs(session: Session, incident: Incident) -> dict[uuid.UUID, tuple[str, str]]:
    rows = session.execute(select(Draft.id, Draft.state).where(Draft.incident_id == incident.id)
                           .order_by(Draft.created_at, Draft.id))
    return {did: (f"{incident.ref}/U{n}", state) for n, (did, state) in enumerate(rows, 1)}


def _views(session: Session, incident: Incident, rows) -> list[InquiryView]:
    nums = numbers(session, incident)
    updates = _update_refs(session, incident)
    rows = list(rows)
    names = {sid: shown_name(name, exercise) for sid, name, exercise in session.execute(
        select(Stakeholder.id, Stakeholder.name, Stakeholder.exercise_id).where(
            Stakeholder.id.in_({q.stakeholder_id for q in rows if q.stakeholder_id is not None})))}
    out = []
    for q in rows:
        ref, state = updates.get(q.answer_id, (None, None)) if q.answer_id else (None, None)
        out.append(InquiryView(q.id, q.incident_id, nums[q.id], q.asked_by, names.get(q.stakeholder_id), q.channel,
                               q.text, q.category, q.asked_at, ref, q.answer_id, q.answered_by, q.answered_at,
                               q.created_by, state))
    return out


def list_in(session: Session, incident: str | uuid.UUID, viewer: str) -> list[InquiryView]:
    row = incidents.find(session, incident, viewer)
    found = session.scalars(select(Inquiry).where(Inquiry.incident_id == row.id)
                            .order_by(Inquiry.created_at, Inquiry.id))
    return _views(session, row, list(found))


def list_inquiries(store: Store, incident: str | uuid.UUID, *, viewer: str, category: str | None = None,
                   open_only: bool = False) -> list[InquiryView]:
    """An incident's inquiries in the order they were logged, when ``viewer`` may see
    the incident (a confidential one is not found otherwise)."""
    with store.read() as session:
        out = list_in(session, incident, viewer)
    if category:
        out = [q for q in out if q.category == category.strip().lower()]
    if open_only:
        out = [q for q in out if q.open]
    return out


def find_row(session: Session, key: str | uuid.UUID) -> Inquiry:
    """The inquiry row by ``INC-n/Qm``, its id or a unique beginning of it (unchecked)."""
    m = _REF.match(key) if isinstance(key, str) else None
    if m is None:
        return refs.by_prefix(session, "inquiry", key, field="inquiry",
                              where=", or INC-1/Q2 (the inquiry list shows them)")
    ref, number = f"INC-{int(m.group(1))}", int(m.group(2))
    incident_id = session.scalar(select(Incident.id).where(Incident.ref == ref))
    rows = [] if incident_id is None else list(session.scalars(
        select(Inquiry).where(Inquiry.incident_id == incident_id).order_by(Inquiry.created_at, Inquiry.id)))
    if not 1 <= number <= len(rows):
        raise NotFound(f"No inquiry {ref}/Q{number}.", field="inquiry")
    return rows[number - 1]


def get(store: Store, key: str | uuid.UUID, *, viewer: str) -> InquiryView:
    with store.read() as session:
        q = find_row(session, key)
        row = incidents.find(session, q.incident_id, viewer)
        return _views(session, row, [q])[0]


# -- checking what people type ------------------------------------------------------------

def clean_text(text: str) -> str:
    if not isinstance(text, str):
        raise InputError("A question must be text.", field="text")
    if len(text) > 4 * MAX_TEXT:
        raise InputError(f"The question is {len(text):,} characters; keep it under {MAX_TEXT:,} (summarise a long "
                         "message).", field="text")
    inputs.check_plain(text, field="text", what="The question", multiline=True)
    text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    if not text:
        raise InputError("The question is empty: write what they asked.", field="text")
    if len(text) > MAX_TEXT:
        raise InputError(f"The question is {len(text):,} characters; keep it under {MAX_TEXT:,} (summarise a long "
                         "message).", field="text")
    return text


def _clean_asker(asked_by: str) -> str:
    if not isinstance(asked_by, str):
        raise InputError("Who asked is a name.", field="asked_by")
    inputs.check_plain(asked_by, field="asked_by", what="Who asked")
    name = " ".join(asked_by.split())
    if not name:
        raise InputError("Say who asked: a stakeholder's name, or a name and company as they gave it.",
                         field="asked_by")
    if len(name) > MAX_NAME:
        raise InputError(f"Who asked is over {MAX_NAME} characters.", field="asked_by")
    return name


def clean_category(session: Session, category: str) -> str:
    word = _clean_word(category, field="category", what="The category")
    known = settings_in(session).categories
    if word not in known:
        raise InputError(f"Unknown category {category!r}: choose one of {', '.join(known)}.", field="category")
    return word


def _asked_at(value: datetime | str | None, now: datetime) -> datetime:
    if value is None:
        return now
    if isinstance(value, str):
        if not value.strip():
            return now
        try:
            value = parse_when(value, now=now)
        except InputError as exc:
            raise InputError(f"When asked: {exc}", field="asked_at") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InputError("When asked needs a time with a time zone.", field="asked_at")
    value = value.astimezone(UTC)
    if value > now + timedelta(minutes=1):
        raise InputError("When asked is in the future: give the time the question came in.", field="asked_at")
    return value


# -- changing ----------------------------------------------------------------------------

def add_inquiry(store: Store, actor: str, incident: str | uuid.UUID, text: str, *, asked_by: str,
                category: str, channel: str = "email", asked_at: datetime | str | None = None,
                source_ref: str | None = None) -> InquiryView:
    """Log a question. ``asked_by`` naming a stakeholder in the register links it
    to them; any other name is kept as given. ``source_ref`` (a mail's Message-ID)
    logs a question that arrived by itself once: the same again returns the first."""
    text = clean_text(text)
    name = _clean_asker(asked_by)
    channel = _clean_word(channel, field="channel", what="The channel")
    if source_ref is not None:
        source_ref = source_ref.strip()[:300] or None
    with store.write(actor) as tx:
        row = incidents.find_row(tx.session, incident)
        access.require(tx, Action.LOG, row)
        if source_ref is not None:
            seen = tx.session.scalars(select(Inquiry).where(Inquiry.incident_id == row.id,
                                                            Inquiry.source_ref == source_ref)).first()
            if seen is not None:
                return _views(tx.session, row, [seen])[0]
        cat = clean_category(tx.session, category)
        when = _asked_at(asked_at, tx.now)
        # The asker, if one of the stakeholders the incident addresses (an exercise's are its own).
        known = find_stakeholder(tx.session, name, register_of(tx.session, row))
        sid = known.id if known is not None else None
        q = Inquiry(id=uuid7(), incident_id=row.id, asked_by=name, stakeholder_id=sid, channel=channel, text=text,
                    category=cat, asked_at=when, answer_id=None, answered_by=None, answered_at=None,
                    created_by=actor, created_at=tx.now, source_ref=source_ref)
        tx.session.add(q)
        payload = {"inquiry_id": q.id, "asked_by": name, "stakeholder_id": sid, "channel": channel, "text": text,
                   "category": cat, "asked_at": when.isoformat()}
        if source_ref is not None:
            payload["source_ref"] = source_ref
        tx.record("inquiry.added", payload, incident_id=row.id)
        tx.session.flush()
        return _views(tx.session, row, [q])[0]


def link_answer(tx, q: Inquiry, d: Draft) -> None:
    """Record that update ``d`` answers ``q`` (in the caller's transaction, checked there)."""
    if q.answer_id == d.id:
        return
    q.answer_id, q.answered_by, q.answered_at = d.id, tx.actor, tx.now
    tx.record("inquiry.answered", {"inquiry_id": q.id, "draft_id": d.id}, incident_id=q.incident_id)


def answer(store: Store, actor: str, key: str | uuid.UUID, update: str | uuid.UUID) -> InquiryView:
    """Mark an inquiry answered by an update of the same incident (``INC-1/U2`` or its id)."""
    with store.write(actor) as tx:
        q = find_row(tx.session, key)
        row = incidents.find_row(tx.session, q.incident_id)
        access.require(tx, Action.COMPOSE, row)
        d = refs.find_draft(tx.session, update)
        if d.incident_id != row.id:
            raise InputError(f"That update is about another incident; {row.ref}'s questions are answered by "
                             f"{row.ref}'s updates.", field="update")
        if d.state in DEAD_ANSWERS or d.retracted_at is not None:
            raise InputError("That update was withdrawn or retracted: it answers nobody.", field="update")
        link_answer(tx, q, d)
        tx.session.flush()
        return _views(tx.session, row, [q])[0]


def reopen(store: Store, actor: str, key: str | uuid.UUID) -> InquiryView:
    """Take the answer off an inquiry (it was not answered after all)."""
    with store.write(actor) as tx:
        q = find_row(tx.session, key)
        row = incidents.find_row(tx.session, q.incident_id)
        access.require(tx, Action.COMPOSE, row)
        if q.answer_id is not None:
            q.answer_id = q.answered_by = q.answered_at = None
            tx.record("inquiry.reopened", {"inquiry_id": q.id}, incident_id=row.id)
        tx.session.flush()
        return _views(tx.session, row, [q])[0]


# -- the FAQ suggestion ------------------------------------------------------------------

def repeats(items: list[InquiryView], threshold: int, window: timedelta) -> list[InquiryView]:
    """The largest run of ``items`` (one category) asked within ``window`` of each
    other, when it holds at least ``threshold`` of them; else nothing. The latest such
    run wins a tie."""
    items = sorted(items, key=lambda q: (q.asked_at, q.ref))
    best: list[InquiryView] = []
    start = 0
    for end in range(len(items)):
        while items[end].asked_at - items[start].asked_at > window:
            start += 1
        run = items[start:end + 1]
        if len(run) >= max(threshold, len(best)):
            best = run
    return best if len(best) >= threshold else []


def suggestions(store: Store, incident: str | uuid.UUID, *, viewer: str) -> list[Suggestion]:
    """A FAQ bulletin is suggested for each category whose open questions repeat:
    at least the threshold within the window (see :func:`set_settings`)."""
    with store.read() as session:
        config = settings_in(session)
        items = [q for q in list_in(session, incident, viewer) if q.open]
    out = []
    for category in dict.fromkeys(q.category for q in items):
        run = repeats([q for q in items if q.category == category], config.threshold, config.window)
        if run:
            out.append(Suggestion(category, tuple(q.ref for q in run), run[0].asked_at, run[-1].asked_at,
                                  config.window))
    return sorted(out, key=lambda s: (-s.count, s.category))


def draft_faq(store: Store, actor: str, incident: str | uuid.UUID, category: str, *, audience: str = "customers",
              locale: str | None = None):
    """Compose a FAQ bulletin for ``audience`` from its ``faq`` template, holding the
    open questions of ``category`` (never who asked them; the latest
    :data:`MAX_FAQ_QUESTIONS`, the same words once), and link every one of them to
    it as their answer, in one transaction. It is a draft like any update: it
    goes through review before it is published. Refused when no question of that
    category is open."""
    from warroom.services import drafts   # drafts compose through templates: loaded when a FAQ is drafted

    with store.read() as session:
        cat = clean_category(session, category)
        open_ = [q for q in list_in(session, incident, actor) if q.category == cat and q.open]
    if not open_:
        raise InputError(f"No open questions about {cat} on this incident: a FAQ answers questions asked.",
                         field="category")
    held = [q.id for q in open_]
    shown: dict[str, InquiryView] = {}
    for q in reversed(open_):            # the latest first, the same words once
        key = " ".join(q.text.casefold().split())
        if key not in shown and len(shown) < MAX_FAQ_QUESTIONS:
            shown[key] = q
    faq = {"category": cat, "questions": [
        {"text": q.text if len(q.text) <= MAX_FAQ_QUESTION else q.text[:MAX_FAQ_QUESTION - 1].rstrip() + "…",
         "asked_at": q.asked_at, "channel": q.channel}
        for q in sorted(shown.values(), key=lambda q: (q.asked_at, q.ref))]}

    def link(tx, made) -> None:
        for qid in held:
            link_answer(tx, tx.session.get(Inquiry, qid), made[0])

    [view] = drafts.compose_drafts(store, actor, incident, [audience], phase="faq",
                                   locales={audience: locale} if locale else None, extra={"faq": faq}, after=link)
    return view

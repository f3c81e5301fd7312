"""Drafts: an update for one audience, composed from its template and then edited.

Every save that changes the words is a new revision (the journal keeps each
one's text), so nothing typed is lost on a crash and review can point at the
exact revision it approved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from warroom import inputs
from warroom.clock import isoformat
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access, compose, incidents, refs, reviewers, templates
from warroom.services.access import Action
from warroom.services.context import ETR
from warroom.services.templates import content_hash
from warroom.store import Store
from warroom.store.models import Draft, DraftRevision, Template
from warroom.text.derive import derive_chat, derive_short

MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class DraftView:
    id: uuid.UUID
    incident_id: uuid.UUID
    audience: str
    locale: str
    template: str | None
    template_version: int | None
    state: str
    revision: int
    subject: str
    long: str
    short: str
    chat: str
    author: str
    updated_at: datetime
    content_hash: str
    #: Composed from a pre-approved holding statement: this template version went
    #: through comms and legal review (publishable unchanged, without review).
    preapproved: bool = False
    #: The title this audience sees (status pages, e-mail subjects), reviewed with the words.
    title: str = ""
    #: The SMS / chat text was edited on its own (a new long text no longer re-derives it).
    short_own: bool = False
    chat_own: bool = False
    #: update | correction
    kind: str = "update"
    corrects_id: uuid.UUID | None = None
    published_at: datetime | None = None
    next_update_at: datetime | None = None
    retracted_at: datetime | None = None
    retracted_by: str | None = None
    retract_reason: str | None = None
    #: Which of the linter's warnings someone acknowledged on this revision.
    acknowledged: tuple[str, ...] = ()
    #: The one stakeholder this update is for (a key account's personal update), or None.
    addressee: str | None = None

    def body(self, channel: str) -> str:
        return getattr(self, channel)

    def texts(self) -> dict[str, str]:
        return {"title": self.title, "subject": self.subject, "long": self.long, "short": self.short,
                "chat": self.chat}


def _view(d: Draft, r: DraftRevision, template_name: str | None, preapproved: bool = False) -> DraftView:
    return DraftView(d.id, d.incident_id, d.audience, d.locale, template_name, d.template_version, d.state,
                     r.number, r.subject, r.long, r.short, r.chat, r.author, r.created_at, r.content_hash,
                     preapproved, r.title or "", bool(r.short_own), bool(r.chat_own), d.kind or "update",
                     d.corrects_id, d.published_at, d.next_update_at, d.retracted_at, d.retracted_by,
                     d.retract_reason, tuple((r.acknowledged or {}).get("keys") or ()), d.addressee)


def _load(session, draft_id: uuid.UUID, viewer: str) -> DraftView:
    d = find(session, draft_id, viewer)
    r = session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                    DraftRevision.number == d.current_revision)).one()
    t = session.get(Template, d.template_id) if d.template_id else None
    return _view(d, r, t.name if t else None, templates.preapproved(session, d.template_id, d.template_version))


def find(session, draft_id: uuid.UUID, viewer: str) -> Draft:
    """The draft row, when ``viewer`` may see its incident."""
    d = session.get(Draft, draft_id) if isinstance(draft_id, uuid.UUID) else None
    if d is None:
        raise NotFound(f"No update {draft_id}.", field="draft")
    incidents.find(session, d.incident_id, viewer)
    return d


def _etr_json(etr: ETR | None) -> dict | None:
    if etr is None:
        return None
    return {"start": isoformat(etr.start), "end": isoformat(etr.end) if etr.end else None,
            "confidence": etr.confidence.value, "assessor": etr.assessor}


def compose_drafts(store: Store, actor: str, incident: str | uuid.UUID, audiences: list[str], *,
                   etr: ETR | None = None, locales: dict[str, str] | None = None,
                   phase: str | None = None, template: str | None = None, zone: str | None = None,
                   extra: dict | None = None, addressee: str | None = None,
                   after: Callable[[Any, list[Draft]], None] | None = None) -> list[DraftView]:
    """One draft per audience, each rendered from its selected template (``phase``
    'holding' picks the pre-approved holding statements; ``template`` names one).

    ``zone`` and ``extra`` are passed to the rendering (:func:`compose.render_update`);
    ``addressee`` makes it one stakeholder's personal update (delivered to them alone);
    ``after(tx, drafts)`` runs in the same transaction once they are written."""
    if not audiences:
        raise InputError("Choose at least one audience.")
    inc = incidents.get(store, incident, viewer=actor)
    rendered = [compose.render_update(store, inc.id, audience=a, etr=etr, locale=(locales or {}).get(a), phase=phase,
                                      template=template, viewer=actor, zone=zone, extra=extra)
                for a in dict.fromkeys(audiences)]
    ids = []
    with store.write(actor) as tx:
        access.require(tx, Action.COMPOSE, incidents.find_row(tx.session, inc.id))
        made = []
        for r in rendered:
            d = Draft(id=uuid7(), incident_id=inc.id, audience=r.audience, locale=r.locale,
                      template_id=r.template.id, template_version=r.template.version, state="draft",
                      current_revision=1, etr=_etr_json(etr), created_by=actor, created_at=tx.now,
                      updated_at=tx.now, addressee=addressee)
            tx.session.add(d)
            add_revision(tx, d, 1, Words(r.title, r.subject, r.long, r.short, r.chat))
            payload = {"draft_id": d.id, "audience": r.audience, "locale": r.locale,
                       "template": r.template.name, "template_version": r.template.version,
                       "etr": _etr_json(etr), "template_id": r.template.id}
            if addressee:
                payload["addressee"] = addressee
            tx.record("draft.composed", payload, incident_id=inc.id)
            ids.append(d.id)
            made.append(d)
        if after is not None:
            tx.session.flush()
            after(tx, made)
    with store.read() as session:
        return [_load(session, i, access.SYSTEM) for i in ids]


@dataclass(frozen=True, slots=True)
class Words:
    """What a revision says, in every form it goes out in."""

    title: str
    subject: str
    long: str
    short: str
    chat: str
    short_own: bool = False
    chat_own: bool = False

    @property
    def digest(self) -> str:
        return content_hash(self.subject, self.long, self.short, self.chat, self.title)


def add_revision(tx, d: Draft, number: int, words: Words) -> DraftRevision:
    r = DraftRevision(id=uuid7(), draft_id=d.id, number=number, subject=words.subject, long=words.long,
                      short=words.short, chat=words.chat, title=words.title, short_own=words.short_own,
                      chat_own=words.chat_own, author=tx.actor, created_at=tx.now, content_hash=words.digest)
    tx.session.add(r)
    tx.record("draft.revised", {"draft_id": d.id, "revision": number, "title": words.title,
                                "subject": words.subject, "long": words.long, "short": words.short,
                                "chat": words.chat, "short_own": words.short_own, "chat_own": words.chat_own,
                                "content_hash": words.digest, "revision_id": r.id}, incident_id=d.incident_id)
    return r


EDITABLE = ("draft", "changes_requested", "in_review", "approved", "disputed")


def save_revision(store: Store, actor: str, draft_id: uuid.UUID, *, subject: str, long: str,
                  short: str | None = None, chat: str | None = None, title: str | None = None) -> DraftView:
    """Save the words as a new revision (nothing happens when they did not change).

    A new long text re-derives the SMS and chat texts unless they were edited on
    their own: given here different from the current revision's, now or before.
    ``None`` keeps the current text (re-derived when the long text changed)."""
    for name, text in (("title", title), ("subject", subject), ("long", long), ("short", short), ("chat", chat)):
        if text is None:
            continue
        if len(text) > MAX_TEXT:
            raise InputError(f"The {name} text is over {MAX_TEXT:,} characters.", field=name)
        inputs.check_plain(text, field=name, what=f"The {name}", multiline=name in ("long", "short", "chat"))
    subject = " ".join(subject.split())
    title = " ".join(title.split()) if title is not None else None
    with store.write(actor) as tx:
        d = tx.session.get(Draft, draft_id) if isinstance(draft_id, uuid.UUID) else None
        if d is None:
            raise NotFound(f"No update {draft_id}.", field="draft")
        access.require(tx, Action.COMPOSE, incidents.find_row(tx.session, d.incident_id))
        if d.state not in EDITABLE:
            raise InputError(f"This update is {d.state.replace('_', ' ')}; it can no longer be edited.",
                             field="draft")
        current = tx.session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                                 DraftRevision.number == d.current_revision)).one()
        words = revise(current, title=title, subject=subject, long=long, short=short, chat=chat)
        if current.content_hash != words.digest:
            d.current_revision += 1
            d.updated_at = tx.now
            add_revision(tx, d, d.current_revision, words)
            if d.state in ("in_review", "approved", "disputed"):
                # New words void every decision on the old ones and are reviewed afresh.
                reviewers.request_reviews(tx, d)
    with store.read() as session:
        return _load(session, draft_id, access.SYSTEM)


def revise(current: DraftRevision, *, title: str | None, subject: str, long: str, short: str | None,
           chat: str | None) -> Words:
    """The next revision's words: what was given, and the SMS and chat texts derived
    again from a new long text unless someone wrote them on their own."""
    short_own = bool(current.short_own) or (short is not None and short != current.short)
    chat_own = bool(current.chat_own) or (chat is not None and chat != current.chat)
    long_changed = long != current.long
    new_short = short if short is not None else current.short
    new_chat = chat if chat is not None else current.chat
    if long_changed and not short_own:
        new_short = derive_short(long)
    if long_changed and not chat_own:
        new_chat = derive_chat(long)
    return Words(current.title if title is None else title, subject, long, new_short, new_chat, short_own,
                 chat_own)


def list_drafts(store: Store, incident: str | uuid.UUID, *, viewer: str) -> list[DraftView]:
    with store.read() as session:
        incident_id = incidents.find(session, incident, viewer).id
        ids = session.scalars(select(Draft.id).where(Draft.incident_id == incident_id)
                              .order_by(Draft.created_at, Draft.id)).all()
        return [_load(session, i, access.SYSTEM) for i in ids]


def get(store: Store, draft_id: uuid.UUID, *, viewer: str) -> DraftView:
    with store.read() as session:
        return _load(session, draft_id, viewer)


def revisions(store: Store, draft_id: uuid.UUID, *, viewer: str) -> list[DraftView]:
    with store.read() as session:
        d = find(session, draft_id, viewer)
        name = session.scalar(select(Template.name).where(Template.id == d.template_id)) if d.template_id else None
        rows = session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id)
                               .order_by(DraftRevision.number)).all()
        return [_view(d, r, name) for r in rows]


def resolve_id(store: Store, key: str | uuid.UUID, *, viewer: str) -> uuid.UUID:
    """An update's id from ``INC-1/U3``, its full id or a unique beginning of it (at
    least 6 hex digits; lists print 8 or more), when ``viewer`` may see its incident."""
    with store.read() as session:
        return find(session, refs.find_draft(session, key).id, viewer).id

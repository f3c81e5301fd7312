"""Drafts: an update for one audience, composed from its template and then edited.

Every save that changes the words is a new revision (the journal keeps each
one's text), so nothing typed is lost on a crash and review can point at the
exact revision it approved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from warroom.clock import isoformat
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access, compose, incidents
from warroom.services.access import Action
from warroom.services.compose import ETR
from warroom.services.templates import content_hash
from warroom.store import Store
from warroom.store.models import Draft, DraftRevision, Template

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
    #: Composed from a pre-approved holding statement (publishable unchanged, without review).
    preapproved: bool = False

    def body(self, channel: str) -> str:
        return getattr(self, channel)


def _view(d: Draft, r: DraftRevision, template_name: str | None, preapproved: bool = False) -> DraftView:
    return DraftView(d.id, d.incident_id, d.audience, d.locale, template_name, d.template_version, d.state,
                     r.number, r.subject, r.long, r.short, r.chat, r.author, r.created_at, r.content_hash,
                     preapproved)


def _load(session, draft_id: uuid.UUID, viewer: str) -> DraftView:
    d = find(session, draft_id, viewer)
    r = session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                    DraftRevision.number == d.current_revision)).one()
    t = session.get(Template, d.template_id) if d.template_id else None
    return _view(d, r, t.name if t else None, bool(t and t.preapproved))


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
                   phase: str | None = None, template: str | None = None) -> list[DraftView]:
    """One draft per audience, each rendered from its selected template (``phase``
    'holding' picks the pre-approved holding statements; ``template`` names one)."""
    if not audiences:
        raise InputError("Choose at least one audience.")
    inc = incidents.get(store, incident, viewer=actor)
    rendered = [compose.render_update(store, inc.id, audience=a, etr=etr, locale=(locales or {}).get(a), phase=phase,
                                      template=template, viewer=actor)
                for a in dict.fromkeys(audiences)]
    ids = []
    with store.write(actor) as tx:
        access.require(tx, Action.COMPOSE, incidents.find_row(tx.session, inc.id))
        for r in rendered:
            d = Draft(id=uuid7(), incident_id=inc.id, audience=r.audience, locale=r.locale,
                      template_id=r.template.id, template_version=r.template.version, state="draft",
                      current_revision=1, etr=_etr_json(etr), created_by=actor, created_at=tx.now,
                      updated_at=tx.now)
            tx.session.add(d)
            _add_revision(tx, d, 1, r.subject, r.long, r.short, r.chat)
            tx.record("draft.composed", {"draft_id": d.id, "audience": r.audience, "locale": r.locale,
                                         "template": r.template.name, "template_version": r.template.version,
                                         "etr": _etr_json(etr)}, incident_id=inc.id)
            ids.append(d.id)
    with store.read() as session:
        return [_load(session, i, access.SYSTEM) for i in ids]


def _add_revision(tx, d: Draft, number: int, subject: str, long: str, short: str, chat: str) -> DraftRevision:
    digest = content_hash(subject, long, short, chat)
    r = DraftRevision(id=uuid7(), draft_id=d.id, number=number, subject=subject, long=long, short=short, chat=chat,
                      author=tx.actor, created_at=tx.now, content_hash=digest)
    tx.session.add(r)
    tx.record("draft.revised", {"draft_id": d.id, "revision": number, "subject": subject, "long": long,
                                "short": short, "chat": chat, "content_hash": digest}, incident_id=d.incident_id)
    return r


def save_revision(store: Store, actor: str, draft_id: uuid.UUID, *, subject: str, long: str, short: str,
                  chat: str) -> DraftView:
    """Save the words as a new revision (nothing happens when they did not change)."""
    subject = " ".join(subject.split())
    for name, text in (("subject", subject), ("long", long), ("short", short), ("chat", chat)):
        if len(text) > MAX_TEXT:
            raise InputError(f"The {name} text is over {MAX_TEXT:,} characters.")
        if "\x00" in text:
            raise InputError(f"The {name} text contains a NUL character.")
    with store.write(actor) as tx:
        d = tx.session.get(Draft, draft_id)
        if d is None:
            raise NotFound(f"No update {draft_id}.", field="draft")
        access.require(tx, Action.COMPOSE, incidents.find_row(tx.session, d.incident_id))
        if d.state not in ("draft", "changes_requested", "in_review", "approved", "disputed"):
            raise InputError(f"This update is {d.state.replace('_', ' ')}; it can no longer be edited.")
        current = tx.session.scalars(select(DraftRevision).where(DraftRevision.draft_id == d.id,
                                                                 DraftRevision.number == d.current_revision)).one()
        if current.content_hash != content_hash(subject, long, short, chat):
            d.current_revision += 1
            d.updated_at = tx.now
            _add_revision(tx, d, d.current_revision, subject, long, short, chat)
            if d.state in ("in_review", "approved", "disputed"):
                # New words void every decision on the old ones and are reviewed afresh.
                from warroom.services.review import request_reviews

                request_reviews(tx, d)
    with store.read() as session:
        return _load(session, draft_id, access.SYSTEM)


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

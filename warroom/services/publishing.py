"""After review: publishing an update, withdrawing one never sent, and taking back
one that went out.

**Publishing** lints the exact revision once more, fills in the next update's
time from the cadence then in force (so nobody is promised a time already past),
puts the update on the timeline and, in the same transaction, gives the outbox
one delivery per channel and address the matrix names.

**Retracting** takes published words back at once, reviewed afterwards, not
before (speed matters when a secret leaked): every page War room controls drops
them (the self-hosted page is rebuilt without them and says an update was
withdrawn and when; a Statuspage incident update has its text replaced), and
channels that cannot unsend get a short correction to the same recipients,
ahead of everything else queued. Queued deliveries of the update are cancelled.
The journal, the timeline and the archive keep the words, who and why.
**Correcting** drafts the replacement, reviewed like any update; where a page
allows, it takes the retracted words' place.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from warroom.delivery import planning
from warroom.domain import Category, EntryKind, Role, Status
from warroom.errors import InputError
from warroom.ids import uuid7
from warroom.i18n import N_
from warroom.services import access, context, incidents, matrix, outbox, site, templates, wording
from warroom.services.channels import shown
from warroom.services.access import Action
from warroom.services.drafts import Words, add_revision
from warroom.services.reviewers import current_revision, draft_row, legal_gate
from warroom.services.stakeholders import find_row as find_stakeholder, register_of
from warroom.store import Store
from warroom.store.models import Audience, Channel, Delivery, Draft, DraftRevision, ReviewRequest, TimelineEntry
from warroom.text.render import NEXT_UPDATE, format_when

log = logging.getLogger(__name__)

#: Deliveries of a retraction go before everything else queued on their channel.
RETRACTION_PRIORITY = 10

#: Channels whose page War room can change after the fact (the rest get a correction).
EDITABLE_KINDS = ("statuspage", "sitepage")


def reason_text(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InputError(f"Give a reason for the {what}; it is kept with the update.", field="reason")
    if len(reason) > 2000:
        raise InputError("Keep the reason under 2000 characters.", field="reason")
    return reason


# -- what may be published --------------------------------------------------------------


def unchanged_holding_statement(session, d: Draft) -> bool:
    """Composed from a template version comms and legal pre-approved, and not one word changed."""
    return d.current_revision == 1 and templates.preapproved(session, d.template_id, d.template_version)


def why_not_publish(session, actor: str, d: Draft, rev: DraftRevision, incident) -> str | None:
    """None when ``actor`` may publish this revision now; else why not, in words."""
    w = access.who(session, actor)
    if not access.allows(w, Action.PUBLISH, incident):
        return access.why_not(w, Action.PUBLISH, incident)
    if not (d.state in ("approved", "overridden") or
            (d.state in ("draft", "in_review") and unchanged_holding_statement(session, d))):
        if d.state in ("published", "retracted", "withdrawn"):
            return f"This update is {d.state}."
        return (f"This update is {d.state.replace('_', ' ')}: it needs its reviews (or an override by the incident "
                "commander) before it is published. A pre-approved holding statement goes out without review only "
                "unchanged.")
    gate = legal_gate(session, d)
    if gate:
        return gate
    blocking = [f for f in wording.flags_in(session, d, rev) if f.blocking]
    if blocking:
        return "The linter blocks it: " + "; ".join(f.describe() for f in blocking[:3]) + "."
    if Status(incident.status) == Status.RESOLVED and any(NEXT_UPDATE in t for t in wording.texts_of(rev).values()):
        return ("The words promise a next update, and the incident is resolved: take the promise out "
                "(or reopen the incident) first.")
    return None


def _fill(texts: dict[str, str], when, *, locale: str, zone: str | None, now) -> dict[str, str]:
    """The words as they go out: the next update's time written in."""
    if when is None:
        return dict(texts)
    stamp = format_when(when, locale=locale, zone=zone or "UTC", now=now)
    return {k: v.replace(NEXT_UPDATE, stamp) for k, v in texts.items()}


def publish(store: Store, actor: str, draft_id: uuid.UUID, *, acknowledge: bool = False):
    """Publish an approved (or overridden) update, or an unchanged pre-approved
    holding statement. Returns what was planned (:class:`warroom.delivery.planning.Planned`)."""
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        incident = incidents.find_row(tx.session, d.incident_id)
        access.require(tx, Action.PUBLISH, incident)
        rev = current_revision(tx.session, d)
        why = why_not_publish(tx.session, actor, d, rev, incident)
        if why:
            raise InputError(why, field="draft")
        wording.check(tx, d, rev, acknowledge=acknowledge, step="publish")
        aud = tx.session.scalars(select(Audience).where(Audience.name == d.audience)).first()
        next_at = matrix.next_update_at(tx.session, incident, d.audience, tx.now)
        zone = aud.timezone if aud else None
        if d.addressee:      # a key account's personal update speaks of its own time zone
            account = find_stakeholder(tx.session, d.addressee, register_of(tx.session, incident))
            zone = (account.timezone if account is not None else None) or zone
        texts = _fill(wording.texts_of(rev), next_at, locale=d.locale, zone=zone, now=tx.now)
        overridden = d.state == "overridden"
        d.state = "published"
        d.updated_at = d.published_at = tx.now
        d.next_update_at = next_at
        incident.last_update_at = tx.now
        incident.updated_at = tx.now
        flag = " (OVERRIDE: published without all reviews)" if overridden else ""
        what = "Correction" if d.kind == "correction" else "Update"
        entry = _timeline(tx, incident, f"{what} published to {d.audience}{flag}: {texts['subject']}")
        planned, groups = planning.plan_deliveries(tx, incident, d, texts)
        tx.record("update.published", {"draft_id": d.id, "revision": rev.number, "content_hash": rev.content_hash,
                                       "audience": d.audience, "overridden": overridden, "entry_id": entry.id,
                                       "kind": d.kind, "corrects": d.corrects_id, "next_update_at": next_at,
                                       "title": texts["title"], "subject": texts["subject"],
                                       "deliveries": planned.deliveries, "channels": list(planned.channels),
                                       "entry_text": entry.text,
                                       "delivery_groups": groups},
                  incident_id=incident.id)
        return planned


def _timeline(tx, incident, text: str) -> TimelineEntry:
    entry = TimelineEntry(id=uuid7(), incident_id=incident.id, kind=EntryKind.PUBLISHED.value, text=text,
                          author=tx.actor, occurred_at=tx.now, recorded_at=tx.now, edited_at=None)
    tx.session.add(entry)
    return entry


def withdraw(store: Store, actor: str, draft_id: uuid.UUID, reason: str) -> str:
    """Drop an update that was never published (a published one is retracted)."""
    reason = reason_text(reason, "withdrawal")
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        access.require(tx, Action.PUBLISH, incidents.find_row(tx.session, d.incident_id))
        if d.state == "published":
            raise InputError("This update went out: retract it instead, which takes the words off the pages and "
                             "tells those who got it.", field="draft")
        if d.state in ("withdrawn", "retracted"):
            raise InputError(f"This update is {d.state} already.", field="draft")
        d.state = "withdrawn"
        d.updated_at = tx.now
        voided = []
        for r in tx.session.scalars(select(ReviewRequest).where(ReviewRequest.draft_id == d.id,
                                                                ReviewRequest.state == "pending")):
            r.state = "void"
            voided.append(r.id)
        tx.record("update.withdrawn", {"draft_id": d.id, "reason": reason, "voided": voided},
                  incident_id=d.incident_id)
        return d.state


# -- taking words back ------------------------------------------------------------------


#: The short correction channels that cannot unsend get (English; the audience reads
#: it in its language from the ``warroom`` catalogs). It names no word of what is
#: taken back (those words may be the leak).
NOTICE_SUBJECT = N_("Correction: update withdrawn")
NOTICE_BODY = N_("We have withdrawn our update of {when}. Please disregard it; a corrected update will follow.")


def notice_texts(locale: str, published_at, *, zone: str | None, now) -> dict[str, str]:
    subject = context.tr(NOTICE_SUBJECT, locale)
    body = context.tr(NOTICE_BODY, locale).format(
        when=format_when(published_at, locale=locale, zone=zone or "UTC", now=now))
    return {"title": subject, "subject": subject, "long": body + "\n", "short": body, "chat": body + "\n"}


@dataclass(frozen=True, slots=True)
class Retracted:
    """What a retraction did."""

    cancelled: int            # deliveries still queued, now never sent
    retractions: int          # page edits and corrections queued ahead of everything else
    channels: tuple[str, ...]
    rebuilt: tuple[str, ...]  # self-hosted pages rebuilt without the words at once
    notice_id: uuid.UUID      # the correction's record, reviewed afterwards


def retract(store: Store, actor: str, draft_id: uuid.UUID, reason: str) -> Retracted:
    """Take a published update back (see the module's docstring)."""
    reason = reason_text(reason, "retraction")
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        incident = incidents.find_row(tx.session, d.incident_id)
        access.require(tx, Action.RETRACT, incident)
        if d.state != "published":
            raise InputError(f"This update is {d.state.replace('_', ' ')}; only a published one is retracted "
                             "(one never sent is withdrawn).", field="draft")
        aud = tx.session.scalars(select(Audience).where(Audience.name == d.audience)).first()
        published_at = d.published_at or d.updated_at
        texts = notice_texts(d.locale, published_at, zone=aud.timezone if aud else None, now=tx.now)
        d.state = "retracted"
        d.retracted_at, d.retracted_by, d.retract_reason = tx.now, actor, reason
        d.updated_at = tx.now
        # The notice is an update of its own, published now and reviewed afterwards.
        notice = Draft(id=uuid7(), incident_id=d.incident_id, audience=d.audience, locale=d.locale,
                       template_id=None, template_version=None, state="published", current_revision=1, etr=None,
                       created_by=actor, created_at=tx.now, updated_at=tx.now, kind="retraction",
                       corrects_id=d.id, published_at=tx.now)
        tx.session.add(notice)
        tx.session.flush()
        rev = DraftRevision(id=uuid7(), draft_id=notice.id, number=1, author=actor, created_at=tx.now,
                            content_hash=templates.content_hash(texts["subject"], texts["long"], texts["short"],
                                                                texts["chat"], texts["title"]),
                            **{k: texts[k] for k in ("title", "subject", "long", "short", "chat")})
        tx.session.add(rev)
        view = incidents.view_of(incident)
        after: list[dict] = []
        for role in _after_review_roles(view):
            request = ReviewRequest(id=uuid7(), draft_id=notice.id, revision=1, content_hash=rev.content_hash,
                                    role=role.value, state="pending", created_at=tx.now, assignee=None,
                                    due_at=None, level=0)
            tx.session.add(request)
            after.append({"id": request.id, "role": request.role})
        cancelled = 0
        cancelled_ids: list[uuid.UUID] = []
        retractions: list[Delivery] = []
        channels: list[str] = []
        sent = tx.session.execute(select(Delivery, Channel).join(Channel, Channel.id == Delivery.channel_id)
                                  .where(Delivery.draft_id == d.id).order_by(Delivery.created_at)).all()
        done_channels: set[uuid.UUID] = set()
        for row, ch in sent:
            in_flight = row.state == "queued" and row.lease_until is not None and row.lease_until > tx.now
            if row.state == "queued" and not in_flight:
                row.state, row.updated_at = "cancelled", tx.now
                row.last_error = "cancelled: the update was retracted"
                cancelled += 1
                cancelled_ids.append(row.id)
                continue
            if row.state not in ("delivered", "simulated") and not in_flight:
                continue  # never reached anyone (failed, failed over, cancelled)
            if ch.kind in EDITABLE_KINDS and ch.id in done_channels:
                continue  # one edit per page
            done_channels.add(ch.id)
            message = planning.message_for(
                tx.session, incident, notice, texts, row.id, tx.now, kind="retraction",
                retracts={"delivery_id": str(row.id), "draft_id": str(d.id), "published_at": published_at.isoformat(),
                          "receipt": row.receipt}).to_json()
            new = Delivery(id=uuid7(), incident_id=incident.id, draft_id=notice.id, channel_id=ch.id,
                           audience=d.audience, recipient=row.recipient, address=row.address,
                           message=dict(message, delivery_id=None), state="queued", attempts=0,
                           next_attempt_at=outbox.queue_time(tx, ch), lease_owner=None, lease_until=None,
                           last_error=None, receipt=None,
                           failover_from=None, route=[ch.name], exercise=row.exercise,
                           priority=RETRACTION_PRIORITY, created_at=tx.now, queued_at=tx.now, updated_at=tx.now,
                           delivered_at=None, origin_device=tx.store.device_id)
            new.message = dict(message, delivery_id=str(new.id))
            tx.session.add(new)
            retractions.append(new)
            if shown(ch) not in channels:
                channels.append(shown(ch))
        entry = _timeline(tx, incident, f"Update to {d.audience} retracted by {actor}: {reason}")
        tx.record("update.retracted", {"draft_id": d.id, "reason": reason, "notice_id": notice.id,
                                       "entry_id": entry.id, "cancelled": cancelled,
                                       "retractions": [r.id for r in retractions], "channels": channels,
                                       "notice": texts, "entry_text": entry.text, "notice_revision_id": rev.id,
                                       "notice_content_hash": rev.content_hash, "notice_requests": after,
                                       "cancelled_ids": cancelled_ids,
                                       "retraction_rows": [outbox.delivery_record(r) for r in retractions]},
                  incident_id=incident.id)
        notice_id = notice.id
        sites = [(ch.id, dict(ch.config or {}), ch.name) for _row, ch in sent
                 if ch.kind == "sitepage" and ch.id in done_channels]
    rebuilt = _rebuild_now(store, sites)
    return Retracted(cancelled, len(retractions), tuple(channels), tuple(rebuilt), notice_id)


def _after_review_roles(incident) -> list[Role]:
    roles = [Role.COMMS_REVIEWER]
    if incident.category in (Category.SECURITY, Category.DATA):
        roles.append(Role.LEGAL_REVIEWER)
    return roles


def _rebuild_now(store: Store, sites) -> list[str]:
    """Write every self-hosted page that showed the words again at once, without
    them (the queued delivery runs the upload command too, when one is set)."""
    done = []
    seen = set()
    for channel_id, config, name in sites:
        if channel_id in seen or not config.get("out_dir"):
            continue
        seen.add(channel_id)
        try:
            site.build(store, config["out_dir"], config, channel_id=channel_id)
            done.append(name)
        except Exception:  # the queued delivery rebuilds it again; the retraction stands
            log.exception("rebuilding the status page %s after a retraction", name)
    return done


def correct(store: Store, actor: str, draft_id: uuid.UUID) -> uuid.UUID:
    """Draft the correction of a retracted update: its words to start from, reviewed
    like any update; published, it takes the retracted words' place where a page
    allows (Statuspage's incident update, the self-hosted page)."""
    with store.write(actor) as tx:
        d = draft_row(tx.session, draft_id)
        incident = incidents.find_row(tx.session, d.incident_id)
        access.require(tx, Action.COMPOSE, incident)
        if d.state != "retracted":
            raise InputError("Only a retracted update is corrected; retract it first.", field="draft")
        rev = current_revision(tx.session, d)
        new = Draft(id=uuid7(), incident_id=d.incident_id, audience=d.audience, locale=d.locale,
                    template_id=d.template_id, template_version=d.template_version, state="draft",
                    current_revision=1, etr=d.etr, created_by=actor, created_at=tx.now, updated_at=tx.now,
                    kind="correction", corrects_id=d.id)
        tx.session.add(new)
        tx.session.flush()
        add_revision(tx, new, 1, Words(rev.title or "", rev.subject, rev.long, rev.short, rev.chat,
                                       bool(rev.short_own), bool(rev.chat_own)))
        tx.record("draft.composed", {"draft_id": new.id, "audience": new.audience, "locale": new.locale,
                                     "kind": "correction", "corrects": d.id, "template_id": new.template_id,
                                     "template_version": new.template_version, "etr": new.etr},
                  incident_id=d.incident_id)
        return new.id

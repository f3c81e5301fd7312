"""Appliers of the configuration: people, audiences, stakeholders, channels, the
matrix, templates, policies, settings and trusted keys."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.store.models import (
    Audience, Channel, Delivery, MatrixCell, Meta, Person, SeverityPolicy, Stakeholder, Template, TemplateApproval,
    TemplateVersion, TrustedKey,
)
from warroom.sync.apply_base import Applier, Event, EventRefused, as_uuid, change, opt_time, put


def _by_name(session: Session, model: type, name: str):
    row = session.scalars(select(model).where(model.name == name)).first()
    if row is None:
        raise EventRefused(f"no {model.__tablename__} named {name!r}: an event it depends on was not applied")
    return row


def _unique_name(session: Session, model: type, key: uuid.UUID, name: str, at, width: int, **same) -> str:
    """The name a row made by an event gets when another device made a row of the same
    name (and ``same``) meanwhile: the one made first, by (time, id), keeps the name; the
    other is kept beside it as ``name~ID`` (the end of its id), shown in every list
    for a person to rename or remove: nothing is dropped, and every laptop agrees."""
    query = select(model).where(model.name == name, model.id != key)
    for column, value in same.items():
        query = query.where(getattr(model, column) == value)
    holder = session.scalars(query).first()
    if holder is None:
        return name
    if (at, str(key)) < (holder.created_at, str(holder.id)):
        holder.name = clash_name(name, holder.id, width)
        session.flush()
        return name
    return clash_name(name, key, width)


def clash_name(name: str, key: uuid.UUID, width: int) -> str:
    tail = f"~{key.hex[-8:].upper()}"
    return name[:width - len(tail)] + tail


def _kept_name(row, name: str) -> str:
    """A row that lost its name to a clash keeps the name it was given."""
    base = row.name.split("~", 1)[0]
    return row.name if "~" in row.name and name.startswith(base) else name


def _set_meta(session: Session, key: str, value: str) -> None:
    put(session, Meta, key, value=value)


def _changes(ev: Event, times: tuple[str, ...] = ()) -> dict:
    return {field: (opt_time(new) if field in times else new) for field, (_old, new) in ev.need("changes").items()}


# -- people, audiences, stakeholders ----------------------------------------------------

def _person_added(session: Session, ev: Event) -> None:
    p = ev.payload
    put(session, Person, as_uuid(ev.need("id")), name=ev.need("name"), email=p.get("email"),
        roles=list(p.get("roles") or []), backups=dict(p.get("backups") or {}),
        availability=p.get("availability") or "on_duty", available_until=opt_time(p.get("available_until")),
        created_at=ev.at, updated_at=ev.at)


def _person_changed(session: Session, ev: Event) -> None:
    row = _by_name(session, Person, ev.need("name"))
    for field, value in _changes(ev, ("available_until",)).items():
        setattr(row, field, value)
    row.updated_at = ev.at


def _audience_added(session: Session, ev: Event) -> None:
    p = ev.payload
    name = ev.need("name")
    key = as_uuid(p["id"]) if p.get("id") else uuid.uuid5(uuid.NAMESPACE_URL, f"warroom:audience:{name}")
    position = p.get("position")
    if position is None:
        position = (session.scalar(select(func.max(Audience.position))) or 0) + 1
    row = session.get(Audience, key)
    if row is not None and row.created_at < ev.at:
        # Another device made the audience of this name first (its id is the name's): the
        # first one made stands, as for any name made on two laptops at once.
        return
    name = _kept_name(row, name) if row is not None else _unique_name(session, Audience, key, name, ev.at, 40)
    put(session, Audience, key, name=name, label=p["label"], external=bool(p.get("external")),
        locale=p.get("locale"), timezone=p.get("timezone"), position=position, created_at=ev.at)


def _audience_changed(session: Session, ev: Event) -> None:
    row = _by_name(session, Audience, ev.need("name"))
    for field, value in _changes(ev).items():
        setattr(row, field, value)


_STAKEHOLDER_FIELDS = ("kind", "audience", "email", "phone", "slack", "teams", "timezone", "locale", "owner",
                       "success_manager", "jurisdiction")


def _stakeholder_added(session: Session, ev: Event) -> None:
    p = ev.payload
    values = {f: p.get(f) for f in _STAKEHOLDER_FIELDS}
    key = as_uuid(ev.need("id"))
    row = session.get(Stakeholder, key)
    name = (_kept_name(row, ev.need("name")) if row is not None
            else _unique_name(session, Stakeholder, key, ev.need("name"), ev.at, 200))
    exercise = p.get("exercise_id")         # an exercise's own stakeholder (its name carries the tag)
    put(session, Stakeholder, key, name=name, external=bool(ev.need("external")),
        verified_at=opt_time(p.get("verified_at")), created_at=ev.at, updated_at=ev.at,
        key_account=bool(p.get("key_account")), components=p.get("components"),
        exercise_id=as_uuid(exercise) if exercise else None, **values)


def _stakeholder_changed(session: Session, ev: Event) -> None:
    row = _by_name(session, Stakeholder, ev.need("name"))
    for field, value in _changes(ev, ("verified_at",)).items():
        setattr(row, field, value)
    row.external = bool(ev.need("external"))
    row.updated_at = ev.at


# -- channels and the matrix --------------------------------------------------------------
# A channel's health (state, failures, pauses, its vendor's rate) is what this device's
# dispatchers saw: it is not applied from another device's events (see apply_compare).

def _channel_added(session: Session, ev: Event) -> None:
    key = as_uuid(ev.need("channel_id"))
    here = session.get(Channel, key)
    name = _kept_name(here, ev.need("name")) if here is not None else _unique_name(
        session, Channel, key, ev.need("name"), ev.at, 40)
    exercise = ev.payload.get("exercise_id")
    values = dict(name=name, kind=ev.need("kind"), config=dict(ev.need("config")), enabled=True,
                  exercise_id=as_uuid(exercise) if exercise else None, updated_at=ev.at)
    if session.get(Channel, key) is None:
        session.add(Channel(id=key, state="ok", failures=0, created_at=ev.at, **values))
    else:
        change(session, Channel, key, **values)


def _channel_changed(session: Session, ev: Event) -> None:
    row = change(session, Channel, as_uuid(ev.need("channel_id")), config=dict(ev.need("config")),
                 enabled=bool(ev.need("enabled")), updated_at=ev.at)
    if "outage" in ev.payload:          # an exercise channel's simulated outage
        row.outage = bool(ev.payload["outage"])
    old, new = ev.payload.get("previous_name") or row.name, ev.need("name")
    if old != new:
        for cell in session.scalars(select(MatrixCell)):
            routes = [[new if c == old else c for c in route] for route in (cell.channels or [])]
            if routes != cell.channels:
                cell.channels = routes
    row.name = new


def _channel_removed(session: Session, ev: Event) -> None:
    key = as_uuid(ev.need("channel_id"))
    stored = ev.payload.get("stored_name") or f"{ev.need('name')}~{key.hex[:8]}"[:40]
    change(session, Channel, key, state="removed", enabled=False, name=stored, updated_at=ev.at)


def _channel_tested(session: Session, ev: Event) -> None:
    # The health it restored is this device's; what waited on the channel goes now.
    for delivery_id in ev.payload.get("released_ids") or ():
        row = session.get(Delivery, as_uuid(delivery_id))
        if row is not None and row.state == "queued" and row.next_attempt_at > ev.at:
            row.next_attempt_at = ev.at


def _matrix_changed(session: Session, ev: Event) -> None:
    p = ev.payload
    put(session, MatrixCell, as_uuid(ev.need("cell_id")), audience=ev.need("audience"), severity=ev.need("severity"),
        told=bool(p.get("told")), channels=[list(r) for r in p.get("channels") or []], cadence_s=p.get("cadence_s"),
        owner=p.get("owner"), template_audience=p.get("template_audience"),
        only_customer_facing=bool(p.get("only_customer_facing")),
        via_success_manager=bool(p.get("via_success_manager")), updated_at=ev.at)


# -- templates -----------------------------------------------------------------------------

def _template_saved(session: Session, ev: Event) -> None:
    p = ev.payload
    key = as_uuid(ev.need("template_id"))
    version = int(ev.need("version"))
    version_id = as_uuid(ev.need("version_id"))
    other = session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == key,
                                                          TemplateVersion.version == version,
                                                          TemplateVersion.id != version_id)).first()
    if other is not None:
        if other.content_hash != p["content_hash"]:
            raise EventRefused(f"template {p['name']!r} ({p['locale']}) version {version} was saved with other "
                               f"words on another laptop at the same time ({other.author}, "
                               f"{other.created_at:%Y-%m-%d %H:%M} UTC): save it again on one laptop once both "
                               "are in step")
        if (other.created_at, str(other.id)) < (ev.at, str(version_id)):
            return          # the same words saved on two laptops (the shipped templates): the first one stands
        session.delete(other)
        session.flush()
    row = session.get(Template, key)
    name = (_kept_name(row, p["name"]) if row is not None
            else _unique_name(session, Template, key, p["name"], ev.at, 100, locale=p["locale"]))
    values = dict(name=name, locale=p["locale"], category=p["category"], audience=p["audience"],
                  phase=p["phase"], preapproved=bool(p["preapproved"]), current_version=version, updated_at=ev.at)
    if row is None:
        session.add(Template(id=key, created_at=ev.at, **values))
    else:
        if other is not None and ev.at < row.created_at:
            values["created_at"] = ev.at
        change(session, Template, key, **values)
    put(session, TemplateVersion, version_id, template_id=key, version=version,
        subject=p["subject"], long=p["long"], short=p["short"], chat=p["chat"], title=p.get("title") or "",
        author=ev.actor, created_at=ev.at, content_hash=p["content_hash"])


def _template_approved(session: Session, ev: Event) -> None:
    put(session, TemplateApproval, as_uuid(ev.need("approval_id")), template_id=as_uuid(ev.need("template_id")),
        version=int(ev.need("version")), content_hash=ev.need("content_hash"), role=ev.need("role"),
        decided_by=ev.actor, decided_at=ev.at)


def _defaults_imported(session: Session, ev: Event) -> None:
    from warroom.services.templates import DEFAULTS_KEY

    _set_meta(session, DEFAULTS_KEY, ev.need("fingerprint"))


# -- policies and settings -------------------------------------------------------------------

def _interval_set(session: Session, ev: Event) -> None:
    put(session, SeverityPolicy, ev.need("severity"), update_interval_s=int(ev.need("new_s")))


def _window_set(session: Session, ev: Event) -> None:
    change(session, SeverityPolicy, ev.need("severity"), review_window_s=int(ev.need("new_s")))


def _reviews_set(session: Session, ev: Event) -> None:
    from warroom.services.review_rules import POLICY_KEY

    row = session.get(Meta, POLICY_KEY)
    stored = json.loads(row.value) if row else {}
    rule, roles = ev.need("rule"), ev.need("to")
    if roles:
        stored[rule] = list(roles)
    else:
        stored.pop(rule, None)
    _set_meta(session, POLICY_KEY, json.dumps(stored, sort_keys=True))


def _arbiter_set(session: Session, ev: Event) -> None:
    from warroom.services.review_rules import ARBITER_KEY

    _set_meta(session, ARBITER_KEY, ev.need("to"))


def _settings_changed(session: Session, ev: Event) -> None:
    from warroom.services.settings import LINT_KEYS

    for field, (_old, new) in ev.need("changes").items():
        if field in LINT_KEYS:
            _set_meta(session, LINT_KEYS[field], json.dumps(new))
        else:
            _set_meta(session, field, new)


def _delivery_settings(session: Session, ev: Event) -> None:
    _set_meta(session, "delivery_settings", json.dumps(ev.payload, sort_keys=True))


def _key_trusted(session: Session, ev: Event) -> None:
    key = ev.need("public_key")
    row = session.get(TrustedKey, key)
    if row is None:
        session.add(TrustedKey(public_key=key, name=ev.need("name"), added_at=ev.at, added_by=ev.actor))
    else:
        row.name = ev.need("name")


def _key_distrusted(session: Session, ev: Event) -> None:
    row = session.get(TrustedKey, ev.need("public_key"))
    if row is not None:
        session.delete(row)


APPLIERS: dict[str, Applier] = {
    "person.added": _person_added,
    "person.changed": _person_changed,
    "audience.added": _audience_added,
    "audience.changed": _audience_changed,
    "stakeholder.added": _stakeholder_added,
    "stakeholder.changed": _stakeholder_changed,
    "channel.added": _channel_added,
    "channel.changed": _channel_changed,
    "channel.removed": _channel_removed,
    "channel.tested": _channel_tested,
    "matrix.changed": _matrix_changed,
    "template.saved": _template_saved,
    "template.approved": _template_approved,
    "templates.defaults_imported": _defaults_imported,
    "policy.interval_set": _interval_set,
    "policy.review_window_set": _window_set,
    "policy.reviews_set": _reviews_set,
    "policy.arbiter_set": _arbiter_set,
    "settings.changed": _settings_changed,
    "delivery.settings_changed": _delivery_settings,
    "key.trusted": _key_trusted,
    "key.distrusted": _key_distrusted,
}

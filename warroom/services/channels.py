"""Configured delivery channels: a name, a kind, non-secret settings in the
database, the secret in the keyring under the channel's id, and the health the
dispatchers write (ok, retrying, down)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from warroom import inputs, secrets
from warroom.errors import InputError, NotFound
from warroom.exercise.scenario import EXERCISE_NAME
from warroom.ids import uuid7
from warroom.services import access
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import Channel, Delivery, MatrixCell

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: uuid.UUID
    name: str
    kind: str
    label: str
    config: dict[str, Any]
    enabled: bool
    state: str              # ok | retrying | down | disabled
    failures: int
    opened_at: datetime | None
    last_error: str | None
    last_ok_at: datetime | None
    queued: int = 0
    #: The exercise incident the channel was made for (None: a real channel).
    exercise_id: uuid.UUID | None = None
    #: An exercise channel in a simulated vendor outage.
    outage: bool = False

    @property
    def has_secret(self) -> bool:
        return kind_module(self.kind).SECRET is not None


def kind_module(kind: str):
    from warroom.channels import get_kind  # the kinds load httpx and the vendors' libraries (~0.3 s)

    return get_kind(kind)


def secret_key(channel_id: uuid.UUID) -> str:
    """The keyring entry of a channel's secret: by id, so a rename keeps it."""
    return f"channel/{channel_id}"


def _view(row: Channel, queued: int = 0) -> ChannelView:
    module = kind_module(row.kind)
    state = row.state if row.enabled else "disabled"
    return ChannelView(row.id, row.name, row.kind, module.LABEL, dict(row.config or {}), row.enabled, state,
                       row.failures, row.opened_at, row.last_error, row.last_ok_at, queued, row.exercise_id,
                       bool(row.outage))


def exercise_name(name: str, exercise_id: uuid.UUID) -> str:
    """The stored name of an exercise's channel: the scenario's name and the end of the
    exercise incident's id (``staff-mail~1a2b3c4d``). No person can give a channel such a
    name, so an exercise's channel never takes a real one's, nor another exercise's."""
    return f"{name[:EXERCISE_NAME]}~{exercise_id.hex[-8:]}"


def routable(session, exercise_id: uuid.UUID | None) -> dict[str, Channel]:
    """The channels an incident routes to, by name: an exercise's own (``exercise_id``),
    or, for a real incident (None), the real ones only."""
    scope = Channel.exercise_id.is_(None) if exercise_id is None else Channel.exercise_id == exercise_id
    return {c.name: c for c in session.scalars(select(Channel).where(Channel.state != "removed", scope))}


def _clean_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not _NAME.match(name):
        raise InputError("A channel's name is a short word in lower case (letters, digits, - and _), "
                         "e.g. slack-customers.", field="name")
    return name


def _queued(session) -> dict[uuid.UUID, int]:
    rows = session.execute(select(Delivery.channel_id, func.count()).where(Delivery.state == "queued")
                           .group_by(Delivery.channel_id))
    return {cid: n for cid, n in rows}


def list_channels(store: Store, *, exercises: bool = False) -> list[ChannelView]:
    """The channels, by name: the real ones (``exercises``: an exercise's own too,
    which only its exercise routes to and the matrix never offers)."""
    with store.read() as session:
        queued = _queued(session)
        q = select(Channel).where(Channel.state != "removed")
        if not exercises:
            q = q.where(Channel.exercise_id.is_(None))
        rows = session.scalars(q.order_by(Channel.name))
        return [_view(r, queued.get(r.id, 0)) for r in rows]


def find(session, name: str) -> Channel:
    row = session.scalars(select(Channel).where(Channel.name == (name or "").strip().lower(),
                                                Channel.state != "removed")).first()
    if row is None:
        known = ", ".join(session.scalars(select(Channel.name).where(Channel.state != "removed")
                                          .order_by(Channel.name))) or "none yet"
        raise NotFound(f"No channel named {name!r} (channels: {known}). Add it among the channels first.", field="channel")
    return row


def get(store: Store, name: str) -> ChannelView:
    with store.read() as session:
        row = find(session, name)
        return _view(row, _queued(session).get(row.id, 0))


#: Settings that say where a channel's secret is sent: changing one asks for the secret
#: again, so a stored key never follows a changed address (a channel module may name
#: its own with ``DESTINATION``).
DESTINATION = ("base_url", "url", "host", "port", "page_id", "account_sid", "username", "security")


def needs_secret(kind: str, config: dict[str, Any] | None = None) -> bool:
    """Whether a channel of this kind, with these settings, needs a secret (an e-mail
    server needs a password only to log in). The window and the command line ask this."""
    module = kind_module(kind)
    return module.SECRET is not None and getattr(module, "secret_required", lambda c: True)(dict(config or {}))


def destination_changed(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The settings that moved the secret's destination."""
    module = kind_module(kind)
    fields = getattr(module, "DESTINATION", None) or tuple(f for f in DESTINATION if f in module.FIELDS)
    return [f for f in fields if (before or {}).get(f) != (after or {}).get(f)]


def _checked_config(module, config: dict[str, Any]) -> dict[str, Any]:
    """The channel module's validation, then what holds for every channel: settings are
    plain text (no control characters) and a web address is http:// or https://."""
    from warroom.channels.base import check_web_url, is_url_setting  # httpx, as above

    for key, value in config.items():
        for text in _texts(value):
            inputs.check_plain(text, field=key, what=f"{module.LABEL}: the setting {key}")
    clean = module.validate_config(config)
    for key, value in clean.items():
        if is_url_setting(key) and value not in (None, ""):
            check_web_url(module.LABEL, key, value)
    return clean


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _texts(k) + _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return []


def _check_secret(module, secret: str | None, config: dict[str, Any], *, required: bool) -> str | None:
    if secret is not None:
        secret = secret.strip()
        if not secret:
            secret = None
    if required and needs_secret(module.KIND, config) and secret is None:
        raise InputError(f"A {module.LABEL} channel needs {module.SECRET}; give it with the channel.",
                         field="secret")
    if secret is not None and module.SECRET is None:
        raise InputError(f"A {module.LABEL} channel has no secret; give none.", field="secret")
    return secret


def add(store: Store, actor: str, name: str, kind: str, config: dict[str, Any], *,
        secret: str | None = None, exercise: uuid.UUID | None = None) -> ChannelView:
    """Add a channel. The secret goes to the keyring first: if the keyring refuses,
    nothing is written; the database never sees it. ``exercise``: a simulated channel
    of that exercise incident, stored as :func:`exercise_name` and routed to by it alone."""
    with store.read() as session:
        access.check(session, actor, Action.CHANNELS)
    name = _clean_name(name)
    if exercise is not None:
        name = exercise_name(name, exercise)
    module = kind_module(kind)
    clean = _checked_config(module, dict(config))
    secret = _check_secret(module, secret, clean, required=True)
    channel_id = uuid7()
    with store.read() as session:
        if session.scalars(select(Channel.id).where(Channel.name == name, Channel.state != "removed")).first():
            raise InputError(f"There is already a channel named {name!r}: change that one, "
                             "or choose another name.")
    if secret is not None:
        secrets.put(secret_key(channel_id), secret)
    with store.write(actor) as tx:
        access.require(tx, Action.CHANNELS)
        row = Channel(id=channel_id, name=name, kind=module.KIND, config=clean, enabled=True, state="ok",
                      failures=0, exercise_id=exercise, outage=False, created_at=tx.now, updated_at=tx.now)
        tx.session.add(row)
        payload = {"channel_id": channel_id, "name": name, "kind": module.KIND, "config": clean}
        if exercise is not None:
            payload["exercise_id"] = exercise
        tx.record("channel.added", payload)
        return _view(row)


def set_outage(store: Store, actor: str, name: str, *, down: bool) -> ChannelView:
    """Put an exercise's channel in a simulated vendor outage (``down``) or end it: while
    it lasts, every send to it fails as if the vendor could not be reached, so the
    dispatcher retries, opens its breaker and fails over as in a real outage. A real
    channel's outages are real: it is refused."""
    from warroom.store.models import Incident

    with store.write(actor) as tx:
        row = find(tx.session, name)
        # Stamped with the exercise's clock: its channels keep its time.
        access.require(tx, Action.CHANNELS, tx.session.get(Incident, row.exercise_id) if row.exercise_id else None)
        if row.exercise_id is None:
            raise InputError(f"{row.name} is a real channel: only an exercise's own channels go down on "
                             "cue.", field="channel")
        row.outage = bool(down)     # its health (and the breaker's last probe, updated_at) is the dispatcher's to find
        tx.record("channel.changed", {"channel_id": row.id, "name": row.name, "config": dict(row.config or {}),
                                      "enabled": row.enabled, "secret_changed": False, "previous_name": row.name,
                                      "outage": row.outage})
        return _view(row)


def update(store: Store, actor: str, name: str, *, config: dict[str, Any] | None = None,
           secret: str | None = None, enabled: bool | None = None, rename: str | None = None) -> ChannelView:
    """Change a channel's settings (merged into the current ones), secret, or name."""
    with store.read() as session:
        access.check(session, actor, Action.CHANNELS)
        row = find(session, name)
        module = kind_module(row.kind)
        merged = dict(row.config or {})
    if config:
        # An empty value clears an optional setting (back to its default); a required one stays.
        for key, value in config.items():
            spec = module.FIELDS.get(key)
            if value in (None, "") and spec is not None and spec.required:
                raise InputError(f"{module.LABEL}: {key} is required, so it cannot be cleared; give another "
                                 f"value{f' ({spec.help})' if spec.help else ''}.", field=key)
        merged.update({k: v for k, v in config.items()})
        merged = {k: v for k, v in merged.items() if v not in (None, "")}
    clean = _checked_config(module, merged)
    moved = destination_changed(row.kind, row.config or {}, clean)
    secret = _check_secret(module, secret, clean, required=False)
    if moved and secret is None and needs_secret(row.kind, clean):
        # The stored secret belongs to the old destination: it is never sent to a new one.
        raise InputError(f"Changing {', '.join(moved)} changes where {row.name}'s secret goes: give "
                         f"{module.SECRET} again with the change.", field="secret")
    new_name = _clean_name(rename) if rename else None
    if secret is not None:
        secrets.put(secret_key(row.id), secret)
    with store.write(actor) as tx:
        access.require(tx, Action.CHANNELS)
        row = find(tx.session, name)
        before = row.name
        if new_name and row.exercise_id is not None:
            raise InputError(f"{shown(row)} belongs to an exercise: its scenario names it, and its exercise's "
                             "routes and injects go by that name.", field="name")
        if new_name and new_name != row.name:
            if tx.session.scalars(select(Channel.id).where(Channel.name == new_name,
                                                           Channel.state != "removed")).first():
                raise InputError(f"There is already a channel named {new_name!r}.")
            _rename_in_matrix(tx, row.name, new_name)
            row.name = new_name
        row.config = clean
        if enabled is not None:
            row.enabled = bool(enabled)
        row.updated_at = tx.now
        tx.record("channel.changed", {"channel_id": row.id, "name": row.name, "config": clean,
                                      "enabled": row.enabled, "secret_changed": secret is not None,
                                      "previous_name": before})
        return _view(row)


def _rename_in_matrix(tx, old: str, new: str) -> None:
    for cell in tx.session.scalars(select(MatrixCell)):
        routes = [[new if c == old else c for c in route] for route in (cell.channels or [])]
        if routes != cell.channels:
            cell.channels = routes


def remove(store: Store, actor: str, name: str) -> None:
    """Remove a channel: refused while deliveries wait on it; its history stays (the
    row is kept, renamed out of the way), its secret leaves the keyring."""
    with store.write(actor) as tx:
        access.require(tx, Action.CHANNELS)
        row = find(tx.session, name)
        waiting = tx.session.scalar(select(func.count()).select_from(Delivery)
                                    .where(Delivery.channel_id == row.id, Delivery.state == "queued"))
        if waiting:
            raise InputError(f"{waiting} deliveries still wait on channel {row.name!r}: cancel them "
                             "in the outbox, or let them go out first.", field="channel")
        used = [f"{c.audience}/{c.severity}" for c in tx.session.scalars(select(MatrixCell))
                if any(row.name in route for route in (c.channels or []))]
        if used:
            raise InputError(f"Channel {row.name!r} is used in the matrix ({', '.join(used[:6])}"
                             f"{' …' if len(used) > 6 else ''}): take it out there first.")
        old_name = row.name
        row.state = "removed"
        row.enabled = False
        row.name = f"{old_name}~{row.id.hex[:8]}"[:40]
        row.updated_at = tx.now
        tx.record("channel.removed", {"channel_id": row.id, "name": old_name, "stored_name": row.name})
        channel_id = row.id
    if kind_module(row.kind).SECRET is not None:
        secrets.delete(secret_key(channel_id))


def shown(channel: Channel) -> str:
    """A channel's name as people read it: an exercise's own by its scenario's name
    (the exercise's tag is the same throughout and says nothing), any other as stored."""
    return channel.name.split("~")[0] if channel.exercise_id is not None else channel.name


def read_secret(channel: ChannelView | Channel) -> str | None:
    """The channel's secret; None, without opening the keyring or the secrets file, for
    a channel whose settings need none (an e-mail relay that takes mail without a login
    sends while the secrets file is still locked)."""
    if not needs_secret(channel.kind, channel.config):
        return None
    return secrets.get(secret_key(channel.id))


def test(store: Store, actor: str, name: str, *, timeout: float = 10.0) -> str:
    """Try a channel without sending an update: returns what was done; raises
    :class:`warroom.channels.base.ChannelError` when it does not work."""
    from warroom.channels.base import ChannelError, SendContext  # httpx, as above

    with store.read() as session:
        access.check(session, actor, Action.CHANNELS)
    channel = get(store, name)
    module = kind_module(channel.kind)
    secret = read_secret(channel)
    if module.SECRET is not None and secret is None and getattr(module, "secret_required",
                                                                lambda c: True)(channel.config):
        raise ChannelError(f"The keyring holds no secret for channel {channel.name!r}: set it with "
                           f"channel set {channel.name} --secret (read from standard input).", transient=False)
    ctx = SendContext(channel=channel.name, config=channel.config, secret=secret, timeout=timeout,
                      hook=_site_hook(store, channel))
    done = module.test(ctx)
    # It works: close the breaker, lift any pause, and send what waits on it now rather
    # than at its next back-off (or after a failover).
    with store.write(access.System("channel test")) as tx:
        row = tx.session.get(Channel, channel.id)
        due = [Delivery.channel_id == channel.id, Delivery.state == "queued", Delivery.next_attempt_at > tx.now]
        released = list(tx.session.scalars(select(Delivery.id).where(*due)))
        waiting = tx.session.execute(
            sql_update(Delivery).where(*due)
            .values(next_attempt_at=tx.now).execution_options(synchronize_session=False)).rowcount
        if row.state != "ok" or row.paused_until is not None or waiting:
            mark_healthy(row, tx.now)
            tx.record("channel.tested", {"channel_id": channel.id, "name": channel.name, "ok": True,
                                         "released": waiting, "released_ids": released})
    return done


def mark_healthy(channel: Channel, now: datetime) -> None:
    """A send (or a test) went through: the breaker closes, any pause ends."""
    channel.failures, channel.state, channel.opened_at, channel.paused_until = 0, "ok", None, None
    channel.last_ok_at, channel.last_error, channel.updated_at = now, None, now


def _site_hook(store: Store, channel: ChannelView):
    if channel.kind != "sitepage":
        return None
    from warroom.services import site  # Jinja and Markdown, for a status page channel only

    return lambda ctx: site.publish(store, ctx.config, channel.id)

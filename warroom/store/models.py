"""The schema: SQLAlchemy 2.0 typed models.

Every row a user creates has a UUIDv7 key made on the device; no integer key is
referenced across tables or devices. Times are aware UTC datetimes. The same
schema runs on SQLite (the laptop) and PostgreSQL (team sync, later).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without an offset (sortable text on SQLite), returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid}


class Meta(Base):
    """Facts about this database: its device id, the next incident number."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Device(Base):
    """A device that writes journal events. The local one is made once per database."""

    __tablename__ = "device"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The head of this device's chain: the last sequence number and hash.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    #: The last signed checkpoint: the chain up to ``signed_seq`` is signed by the
    #: device's Ed25519 key, whose public half is ``public_key`` (see warroom.devicekey).
    signed_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    signature: Mapped[str | None] = mapped_column(Text)
    public_key: Mapped[str | None] = mapped_column(String(64))


class TrustedKey(Base):
    """A public key whose signatures this database accepts besides its own device's
    (an archive from Legal's laptop, another device's journal)."""

    __tablename__ = "trusted_key"
    public_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(200))


class JournalEvent(Base):
    """One change, hash-chained per device. Rows are never updated or deleted."""

    __tablename__ = "journal_event"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    incident_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_journal_event_device_seq"),
                      Index("ix_journal_event_incident_kind", "incident_id", "kind", "at"))


class SeverityPolicy(Base):
    """The update cadence per severity; editable, journaled."""

    __tablename__ = "severity_policy"
    severity: Mapped[str] = mapped_column(String(8), primary_key=True)
    update_interval_s: Mapped[int] = mapped_column(Integer)
    #: How long a reviewer has before the request goes to their backup.
    review_window_s: Mapped[int] = mapped_column(Integer, server_default="1200")


class Incident(Base):
    __tablename__ = "incident"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    impact: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    customer_facing: Mapped[bool] = mapped_column(Boolean, default=False)
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    commander: Mapped[str] = mapped_column(String(200), default="")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    #: For a confidential incident: the people who may see it (its commander always may).
    members: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    detected_at: Mapped[datetime]
    declared_at: Mapped[datetime]
    status_changed_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    #: When an update was last published to stakeholders (the delivery issue fills it).
    last_update_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TimelineCount(Base):
    """Entries per incident and kind, kept by triggers on ``timeline_entry`` (SQLite):
    counting a million-entry timeline must not scan it."""

    __tablename__ = "timeline_count"
    incident_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class TimelineEntry(Base):
    """One line of the incident log. Searched through the FTS5 table ``timeline_fts``
    (SQLite only), kept in step by triggers on this table's implicit rowid."""

    __tablename__ = "timeline_entry"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_timeline_entry_incident_time", "incident_id", "occurred_at", "id"),
        Index("ix_timeline_entry_incident_kind_time", "incident_id", "kind", "occurred_at", "id"),
    )


class Audience(Base):
    """Who an update is for: an editable list (executives, customers, …)."""

    __tablename__ = "audience"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    #: Outside the company: the linter blocks internal details for these.
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Default locale and time zone for this audience's updates (None: not known).
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Template(Base):
    """A status-update template; its text lives in versions, the newest is current."""

    __tablename__ = "template"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(32))
    preapproved: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("name", "locale", name="uq_template_name_locale"),
        Index("ix_template_selection", "audience", "phase", "category", "locale"),
    )


class TemplateVersion(Base):
    __tablename__ = "template_version"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("template.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text)
    long: Mapped[str] = mapped_column(Text)
    short: Mapped[str] = mapped_column(Text)
    chat: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The public title's template ("": the default for the audience).
    title: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (UniqueConstraint("template_id", "version", name="uq_template_version_template_version"),)


class TemplateApproval(Base):
    """A review of one template version for pre-approval: comms and legal, each
    recorded; a version with both is a pre-approved holding statement."""

    __tablename__ = "template_approval"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("template.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("template_id", "version", "role", name="uq_template_approval_version_role"),)


class Draft(Base):
    """An update being written for one audience of one incident. Its words live in
    revisions; the approval and delivery work builds on these."""

    __tablename__ = "draft"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(16))
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("template.id", ondelete="SET NULL"))
    template_version: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(24), default="draft")
    current_revision: Mapped[int] = mapped_column(Integer, default=1)
    #: The ETR the text was composed with: time(s), confidence and assessor (JSON), or None.
    etr: Mapped[dict | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: update | correction (replaces the words of ``corrects_id``, retracted)
    kind: Mapped[str] = mapped_column(String(16), server_default="update")
    corrects_id: Mapped[uuid.UUID | None]
    published_at: Mapped[datetime | None]
    #: The next update the published words promised (filled in at publish).
    next_update_at: Mapped[datetime | None]
    retracted_at: Mapped[datetime | None]
    retracted_by: Mapped[str | None] = mapped_column(String(200))
    retract_reason: Mapped[str | None] = mapped_column(Text)
    #: The one stakeholder this update is for (a key account's personal update), else None.
    addressee: Mapped[str | None] = mapped_column(String(200))


class DraftRevision(Base):
    __tablename__ = "draft_revision"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    draft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text)
    long: Mapped[str] = mapped_column(Text)
    short: Mapped[str] = mapped_column(Text)
    chat: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The title this audience sees, reviewed and linted with the words.
    title: Mapped[str] = mapped_column(Text, server_default="")
    #: The SMS / chat text was edited on its own: a new long text does not re-derive it.
    short_own: Mapped[bool] = mapped_column(Boolean, server_default="0")
    chat_own: Mapped[bool] = mapped_column(Boolean, server_default="0")
    #: The linter's warnings someone read and let stand: {"by", "at", "keys"}.
    acknowledged: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("draft_id", "number", name="uq_draft_revision_draft_number"),)


class Person(Base):
    """Someone known to this database: who they are, what they may do, who stands in."""

    __tablename__ = "person"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    #: Role names (see warroom.domain.Role).
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Review role -> the name of the person who stands in when this one's window lapses.
    backups: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: "on_duty", "off_duty", or "until" with ``available_until``.
    availability: Mapped[str] = mapped_column(String(16), default="on_duty")
    available_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewRequest(Base):
    """A review asked of a role for one exact revision of a draft (its content hash)."""

    __tablename__ = "review_request"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    draft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    #: pending, approved, changes_requested, rejected, void
    state: Mapped[str] = mapped_column(String(24), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    #: Who the request waits for (None: anyone holding the role), until when, and how
    #: often it was handed on (0 the reviewer, 1 their backup, 2 the incident commander).
    assignee: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None]
    level: Mapped[int] = mapped_column(Integer, server_default="0")


class Stakeholder(Base):
    """A person or group who hears from us: internal or external, with validated contacts."""

    __tablename__ = "stakeholder"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")   # person | group
    audience: Mapped[str] = mapped_column(String(40))
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))              # E.164
    slack: Mapped[str | None] = mapped_column(String(100))
    teams: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(200))             # communication owner
    success_manager: Mapped[str | None] = mapped_column(String(200))   # for key accounts
    jurisdiction: Mapped[str | None] = mapped_column(String(100))      # for regulators
    #: A key account: gets a personal update drafted for its success manager.
    key_account: Mapped[bool] = mapped_column(Boolean, server_default="0", default=False)
    #: The components this account uses (the names incidents list), for its personal update.
    components: Mapped[list[str] | None] = mapped_column(JSON)
    verified_at: Mapped[datetime | None]
    #: The exercise incident this stakeholder was made for (None: the real register). Only
    #: that exercise addresses it, under its scenario's name; a real incident never does.
    exercise_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Channel(Base):
    """A configured delivery channel: its kind, non-secret settings and health.
    Its secret (webhook URL, token, password, key) lives in the keyring under the
    channel's id, never here."""

    __tablename__ = "channel"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Health, written by dispatchers: ok | retrying | down (the breaker is open).
    state: Mapped[str] = mapped_column(String(12), default="ok")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_ok_at: Mapped[datetime | None]
    #: The vendor said "not before" (429 with Retry-After): no dispatcher sends until then.
    paused_until: Mapped[datetime | None]
    #: The vendor's rate, shared by every dispatcher on this database: the "theoretical
    #: arrival time" of the generic cell rate algorithm, in Unix seconds.
    rate_tat: Mapped[float | None] = mapped_column(Float)
    #: The exercise incident this channel was made for (None: a real channel). Only that
    #: exercise routes to it, on its own clock; a real incident never does.
    exercise_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    #: An exercise channel's simulated vendor outage: sends fail as if the vendor could not be reached.
    outage: Mapped[bool] = mapped_column(Boolean, server_default="0", default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MatrixCell(Base):
    """Who hears what: for one audience at one severity, the channels in order (the
    first is primary, the rest failover), the cadence, the sender and the template
    audience, or that the audience is not told at all."""

    __tablename__ = "matrix_cell"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(8))
    told: Mapped[bool] = mapped_column(Boolean, default=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    cadence_s: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(200))
    template_audience: Mapped[str | None] = mapped_column(String(40))
    #: Owed only while the incident is customer-facing (customers need not hear of an internal one).
    only_customer_facing: Mapped[bool] = mapped_column(Boolean, server_default="0")
    #: Key accounts of this audience are reached through their success manager's e-mail, not directly.
    via_success_manager: Mapped[bool] = mapped_column(Boolean, server_default="0", default=False)
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("audience", "severity", name="uq_matrix_cell_audience_severity"),)


class Delivery(Base):
    """One message to one channel (and recipient): the outbox. Written in the publish
    transaction; a dispatcher claims it with a lease, sends it, records the outcome.
    Its id is the idempotency key."""

    __tablename__ = "delivery"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    draft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    audience: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(320), default="")
    message: Mapped[dict] = mapped_column(JSON)
    #: queued | delivered | failed (dead letter) | cancelled | failed_over | simulated
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[dict | None] = mapped_column(JSON)
    failover_from: Mapped[uuid.UUID | None]
    #: The route it was planned on (channel names, primary first): failover follows it.
    route: Mapped[list[str]] = mapped_column(JSON, default=list)
    exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Higher goes first on its channel: corrections of a retracted update jump the queue.
    priority: Mapped[int] = mapped_column(Integer, server_default="0")
    #: The device whose dispatcher sends it: the one that queued it (published the
    #: update, failed it over) or adopted it since. Another laptop holding the row
    #: through team sync never sends it, so a synced room sends each message once.
    #: None: queued here before team sync existed.
    origin_device: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    #: When it was (last) queued: a dead letter is one undelivered this long after.
    queued_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_delivery_due", "state", "channel_id", "next_attempt_at"),
        Index("ix_delivery_incident", "incident_id", "created_at"),
        # The last receipt of a channel for an incident (Statuspage updates the incident it made).
        Index("ix_delivery_receipt", "channel_id", "incident_id", "state", "delivered_at"),
        # Claiming: a channel's queue in order, highest priority first (warroom.delivery.ledger),
        # and "is anything older waiting for this address?"
        Index("ix_delivery_queue", "channel_id", "state", "priority", "created_at", "id"),
        Index("ix_delivery_fifo", "channel_id", "address", "state", "created_at", "id"),
    )


# -- team sync (warroom.sync): this laptop's side of the exchange with the server --------

class SyncServer(Base):
    """The team's server this database syncs with (one row): its address, the login,
    how far the pull has read, and how the last attempt went. The password is in the
    keyring or the secrets file, never here."""

    __tablename__ = "sync_server"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text)
    login: Mapped[str] = mapped_column(String(200))
    #: The server's global cursor of the last event pulled (0: nothing yet).
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    #: Why the last attempt did not finish (offline, refused password…), or None.
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncPushed(Base):
    """Per device, the sequence number up to which its events are on the server."""

    __tablename__ = "sync_pushed"
    device_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class SyncRefusal(Base):
    """An event the server refused on push, or that failed the checks on pull: named,
    with the reason, until a later sync gets past it."""

    __tablename__ = "sync_refusal"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))          # push | pull
    event_id: Mapped[uuid.UUID | None]
    device_id: Mapped[uuid.UUID | None]
    seq: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class SyncHidden(Base):
    """A link of another device's chain whose event this database may not read (an
    incident confidential to others): only its place and hashes, so the chain still
    holds together."""

    __tablename__ = "sync_hidden"
    device_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Exercise(Base):
    """A tabletop exercise's own clock, one per exercise incident: the scenario it
    plays (name, digest of its file, injects and targets), and where its simulated
    time stands. Simulated now = ``sim_anchor`` + (real now − ``real_anchor``) ×
    ``speed`` while running; pausing, resuming and a new speed re-anchor."""

    __tablename__ = "exercise"
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    scenario_name: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the scenario file as read, so a replay can say it played the same one.
    scenario_digest: Mapped[str] = mapped_column(String(64))
    #: The injects in order of their offsets: [{"offset_s", "kind", "text", …}].
    injects: Mapped[list] = mapped_column(JSON, default=list)
    #: What the score card measures against: {"first_update_s", "cadence": {aud: s}, "review_s": {role: s}, …}.
    targets: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The channels and people the exercise made (only those do injects take down or off duty).
    owned: Mapped[dict] = mapped_column(JSON, default=dict)
    facilitator: Mapped[str] = mapped_column(String(200))
    #: Simulated time when the exercise began (offsets count from here).
    sim_start: Mapped[datetime]
    sim_anchor: Mapped[datetime]
    real_anchor: Mapped[datetime]
    speed: Mapped[int] = mapped_column(Integer, default=1)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The index of the next inject to fire (== len(injects) when all have fired).
    next_inject: Mapped[int] = mapped_column(Integer, default=0)
    #: Simulated time the exercise ended (its clock stands still from then on).
    ended_at: Mapped[datetime | None]
    #: The scenario's own matrix, the only one its incident routes by: [{"audience", "severity",
    #: "channels": [[stored channel names]], "cadence_s"}]; None for an exercise started before it was kept.
    matrix: Mapped[list | None] = mapped_column(JSON)
    #: Injects that could not be played: {"index": "why"} (they count as passed, never as played).
    failed: Mapped[dict | None] = mapped_column(JSON)
# -- after the incident: follow-up actions (warroom.services.followups) ---------------

class Followup(Base):
    """Something the team committed to doing after an incident: the words, who owns
    it, by when, and whether it is done. Shown on the incident, in its export and in
    post-incident reports (where outsiders see the commitment, never the owner)."""

    __tablename__ = "followup"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboundSource(Base):
    """A system that sends signals in (PagerDuty, Alertmanager, Opsgenie, Statuspage,
    Jira): its kind and its rules as plain data. Its secret (signing secret, token)
    lives in the keyring under the source's id, never here."""

    __tablename__ = "inbound_source"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# -- signals in: the vendor status watch (warroom.inbound.feeds) ---------------------------

class WatchProvider(Base):
    """A provider the team depends on, whose public status feed War room polls: a
    Statuspage-shaped ``summary.json`` or an Atom/RSS feed. Its configuration and
    what was last seen of it (``state``) come from journal events, so every laptop
    agrees; how this device polls it is in :class:`WatchPoll`."""

    __tablename__ = "watch_provider"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))       # summary | feed
    #: Other names incidents may call the provider by (besides its name).
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    every_s: Mapped[int] = mapped_column(Integer)
    #: What the last look found: worst component status, open incidents, latest entry.
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    observed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboundEvent(Base):
    """A vendor event received from a source, kept so that a repeat is ignored: the
    vendor's event id, when it arrived, and what was done with it."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("source", "vendor_event_id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), index=True)
    vendor_event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]


class IncidentLink(Base):
    """An incident's counterpart in another system (a PagerDuty incident, a Jira
    issue, an Alertmanager alert group): shown on the incident, found again by the
    source and the external id."""

    __tablename__ = "incident_link"
    __table_args__ = (UniqueConstraint("source", "external_id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class ComponentStatus(Base):
    """A component of the service and how it is doing: operational,
    degraded_performance, partial_outage or major_outage; set by a person or a source."""

    __tablename__ = "component_status"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(24))
    set_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class InboundAlert(Base):
    """An Alertmanager alert firing now on a component, by source and alert key (its
    fingerprint, or its labels' digest when it has none), with the component status
    it means: a component is the worst of its firing alerts, operational when none
    fire. A resolved alert's row is deleted (journaled, so every laptop agrees)."""

    __tablename__ = "inbound_alert"
    __table_args__ = (UniqueConstraint("source", "alert_key"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    alert_key: Mapped[str] = mapped_column(String(200))
    component: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(Text)
    fired_at: Mapped[datetime]


class WatchSeen(Base):
    """One thing seen of a provider, so each change is recorded once: ``c:ID`` a
    component (its status), ``i:ID`` an incident (its status and last update), ``e:HASH``
    a feed entry."""

    __tablename__ = "watch_seen"
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("watch_provider.id", ondelete="CASCADE"),
                                                   primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class WatchPoll(Base):
    """How this device polls a provider: the validators for a conditional request,
    when to look next (the interval, or a back-off the provider asked for), and the
    last error. This device's own bookkeeping, never journaled."""

    __tablename__ = "watch_poll"
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("watch_provider.id", ondelete="CASCADE"),
                                                   primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(400))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    polled_at: Mapped[datetime | None]
    ok_at: Mapped[datetime | None]


class IncidentFlag(Base):
    """A regulatory flag on an incident (``personal-data-eu``…) and the time that
    starts the clocks of the regimes it names: the awareness or determination time
    the commander recorded. Which regimes a flag starts is data
    (:mod:`warroom.services.regimes`); the journal keeps every change."""

    __tablename__ = "incident_flag"
    __table_args__ = (UniqueConstraint("incident_id", "flag", name="uq_incident_flag_incident_flag"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    flag: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime]
    #: What the flag records besides its time, where the flag takes it (flags.csv's
    #: ``facts``): when a DORA incident was classified as major (the flag's own time
    #: is awareness), and how many individuals a US health-data breach affects in all
    #: and in the most affected State. None: not (yet) known.
    classified_at: Mapped[datetime | None]
    affected: Mapped[int | None] = mapped_column(Integer)
    most_in_one_state: Mapped[int | None] = mapped_column(Integer)


# -- during the incident: stakeholders' inquiries (warroom.services.inquiries) ---------

class Inquiry(Base):
    """A question a stakeholder asked about an incident: who, through which channel,
    the words, a category, when, and the update that answered it."""

    __tablename__ = "inquiry"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    asked_by: Mapped[str] = mapped_column(String(200))
    stakeholder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stakeholder.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    asked_at: Mapped[datetime]
    answer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("draft.id", ondelete="SET NULL"))
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    #: Where it came from when it arrived by itself (a mail's Message-ID): logged once.
    source_ref: Mapped[str | None] = mapped_column(String(300))

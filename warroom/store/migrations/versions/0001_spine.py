"""The spine: devices, journal, incidents, timeline with full-text search, severity policy.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("is_local", sa.Boolean(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
    )
    op.create_table(
        "journal_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_journal_event_device_id_device")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_event")),
        sa.UniqueConstraint("device_id", "seq", name="uq_journal_event_device_seq"),
    )
    op.create_index(op.f("ix_journal_event_incident_id"), "journal_event", ["incident_id"])
    op.create_table(
        "severity_policy",
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("update_interval_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("severity", name=op.f("pk_severity_policy")),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("impact", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("customer_facing", sa.Boolean(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("commander", sa.String(200), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("exercise", sa.Boolean(), nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.Column("status_changed_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("last_update_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("ref", name=op.f("uq_incident_ref")),
    )
    op.create_table(
        "timeline_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("edited_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_timeline_entry_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entry")),
    )
    op.create_index("ix_timeline_entry_incident_time", "timeline_entry", ["incident_id", "occurred_at", "id"])
    op.create_index(
        "ix_timeline_entry_incident_kind_time", "timeline_entry", ["incident_id", "kind", "occurred_at", "id"]
    )

    op.create_table(
        "timeline_count",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "kind", name=op.f("pk_timeline_count")),
    )

    op.bulk_insert(
        sa.table("severity_policy", sa.column("severity", sa.String), sa.column("update_interval_s", sa.Integer)),
        [
            {"severity": "SEV1", "update_interval_s": 30 * 60},
            {"severity": "SEV2", "update_interval_s": 60 * 60},
            {"severity": "SEV3", "update_interval_s": 4 * 60 * 60},
            {"severity": "SEV4", "update_interval_s": 24 * 60 * 60},
        ],
    )

    if op.get_bind().dialect.name == "sqlite":
        # Full-text search over the timeline: an external-content FTS5 index keyed by
        # the entry's rowid, kept in step by triggers. (After a VACUUM, which may
        # renumber implicit rowids, the store rebuilds it.)
        op.execute(
            "CREATE VIRTUAL TABLE timeline_fts USING fts5("
            "text, content='timeline_entry', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER timeline_fts_ai AFTER INSERT ON timeline_entry BEGIN "
            "INSERT INTO timeline_fts(rowid, text) VALUES (new.rowid, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER timeline_fts_ad AFTER DELETE ON timeline_entry BEGIN "
            "INSERT INTO timeline_fts(timeline_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER timeline_fts_au AFTER UPDATE OF text ON timeline_entry BEGIN "
            "INSERT INTO timeline_fts(timeline_fts, rowid, text) VALUES ('delete', old.rowid, old.text); "
            "INSERT INTO timeline_fts(rowid, text) VALUES (new.rowid, new.text); END"
        )
        # Counts per incident and kind, so the window never counts a long timeline row by row.
        op.execute(
            "CREATE TRIGGER timeline_count_ai AFTER INSERT ON timeline_entry BEGIN "
            "INSERT INTO timeline_count(incident_id, kind, n) VALUES (new.incident_id, new.kind, 1) "
            "ON CONFLICT(incident_id, kind) DO UPDATE SET n = n + 1; END"
        )
        op.execute(
            "CREATE TRIGGER timeline_count_ad AFTER DELETE ON timeline_entry BEGIN "
            "UPDATE timeline_count SET n = n - 1 WHERE incident_id = old.incident_id AND kind = old.kind; END"
        )
        op.execute(
            "CREATE TRIGGER timeline_count_au AFTER UPDATE OF incident_id, kind ON timeline_entry BEGIN "
            "UPDATE timeline_count SET n = n - 1 WHERE incident_id = old.incident_id AND kind = old.kind; "
            "INSERT INTO timeline_count(incident_id, kind, n) VALUES (new.incident_id, new.kind, 1) "
            "ON CONFLICT(incident_id, kind) DO UPDATE SET n = n + 1; END"
        )
        # The journal is append-only: refuse updates and deletes at the lowest level.
        op.execute(
            "CREATE TRIGGER journal_event_no_update BEFORE UPDATE ON journal_event BEGIN "
            "SELECT RAISE(ABORT, 'journal events are never updated'); END"
        )
        op.execute(
            "CREATE TRIGGER journal_event_no_delete BEFORE DELETE ON journal_event BEGIN "
            "SELECT RAISE(ABORT, 'journal events are never deleted'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("journal_event_no_delete", "journal_event_no_update", "timeline_count_ai",
                        "timeline_count_ad", "timeline_count_au",
                        "timeline_fts_au", "timeline_fts_ad", "timeline_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS timeline_fts")
    op.drop_table("timeline_count")
    op.drop_table("timeline_entry")
    op.drop_table("incident")
    op.drop_table("severity_policy")
    op.drop_table("journal_event")
    op.drop_table("device")
    op.drop_table("meta")

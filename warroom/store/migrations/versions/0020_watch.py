"""The vendor status watch: the providers polled, what was seen of each, and how
this device polls them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_provider",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("every_s", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_provider")),
        sa.UniqueConstraint("name", name=op.f("uq_watch_provider_name")),
    )
    op.create_table(
        "watch_seen",
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["watch_provider.id"],
                                name=op.f("fk_watch_seen_provider_id_watch_provider"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("provider_id", "key", name=op.f("pk_watch_seen")),
    )
    op.create_table(
        "watch_poll",
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("etag", sa.String(400), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("next_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("polled_at", UTCDateTime(), nullable=True),
        sa.Column("ok_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["provider_id"], ["watch_provider.id"],
                                name=op.f("fk_watch_poll_provider_id_watch_provider"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_watch_poll")),
    )


def downgrade() -> None:
    op.drop_table("watch_poll")
    op.drop_table("watch_seen")
    op.drop_table("watch_provider")

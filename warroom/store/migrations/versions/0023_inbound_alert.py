"""Alertmanager's firing alerts per component (``inbound_alert``): a component is
the worst status among its firing alerts, so a warning resolving no longer marks it
operational while a critical alert on it still fires.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("alert_key", sa.String(200), nullable=False),
        sa.Column("component", sa.String(100), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("fired_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_alert")),
        sa.UniqueConstraint("source", "alert_key", name=op.f("uq_inbound_alert_source")),
    )
    op.create_index(op.f("ix_inbound_alert_component"), "inbound_alert", ["component"])


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_alert_component"), table_name="inbound_alert")
    op.drop_table("inbound_alert")

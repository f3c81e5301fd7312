"""Regulatory flags on incidents: which flag, and the awareness or determination
time that starts the clocks of the regimes it names.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_flag",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("flag", sa.String(64), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_incident_flag_incident_id_incident"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_flag")),
        sa.UniqueConstraint("incident_id", "flag", name="uq_incident_flag_incident_flag"),
    )
    op.create_index(op.f("ix_incident_flag_incident_id"), "incident_flag", ["incident_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_flag_incident_id"), table_name="incident_flag")
    op.drop_table("incident_flag")

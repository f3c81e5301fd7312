"""Tabletop exercises: each exercise incident's own simulated clock, the scenario
it plays (injects and targets) and how far its injects have fired.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercise",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("scenario_name", sa.String(200), nullable=False),
        sa.Column("scenario_digest", sa.String(64), nullable=False),
        sa.Column("injects", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("owned", sa.JSON(), nullable=False),
        sa.Column("facilitator", sa.String(200), nullable=False),
        sa.Column("sim_start", UTCDateTime(), nullable=False),
        sa.Column("sim_anchor", UTCDateTime(), nullable=False),
        sa.Column("real_anchor", UTCDateTime(), nullable=False),
        sa.Column("speed", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_inject", sa.Integer(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_exercise_incident_id_incident")),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_exercise")),
    )


def downgrade() -> None:
    op.drop_table("exercise")

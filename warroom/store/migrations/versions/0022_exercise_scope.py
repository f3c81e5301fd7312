"""An exercise keeps its own channels and matrix: a channel made by an exercise
names its exercise incident (``exercise_id``) and can be in a simulated vendor
outage (``outage``); the exercise row holds the scenario's matrix and the injects
that could not be played, each with its reason.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel") as batch:
        batch.add_column(sa.Column("exercise_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("outage", sa.Boolean(), server_default="0", nullable=False))
        batch.create_index("ix_channel_exercise_id", ["exercise_id"])
    with op.batch_alter_table("exercise") as batch:
        batch.add_column(sa.Column("matrix", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("failed", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exercise") as batch:
        batch.drop_column("failed")
        batch.drop_column("matrix")
    with op.batch_alter_table("channel") as batch:
        batch.drop_index("ix_channel_exercise_id")
        batch.drop_column("outage")
        batch.drop_column("exercise_id")

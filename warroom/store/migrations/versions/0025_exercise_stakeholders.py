"""An exercise keeps its own stakeholders: a stakeholder made for an exercise names
its exercise incident (``exercise_id``), so the real register, and every real
incident, leaves it out, and the exercise addresses its own alone. Stakeholders an
exercise made before this have none and stay in the real register, as they were.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stakeholder") as batch:
        batch.add_column(sa.Column("exercise_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_stakeholder_exercise_id", ["exercise_id"])


def downgrade() -> None:
    with op.batch_alter_table("stakeholder") as batch:
        batch.drop_index("ix_stakeholder_exercise_id")
        batch.drop_column("exercise_id")

"""A regulatory flag records more than its time: when a DORA incident was
classified as major (the flag's time is now awareness, so the initial
notification is due at the earlier of 4 hours from classification and 24 hours
from awareness), and how many individuals a US health-data breach affects, in all
and in the most affected State (which HIPAA clocks apply follows from them).

A DORA flag made before this carried the classification as its time: it keeps it
as its classification, so its clocks are due when they were.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident_flag") as batch:
        batch.add_column(sa.Column("classified_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("affected", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("most_in_one_state", sa.Integer(), nullable=True))
    op.execute("UPDATE incident_flag SET classified_at = started_at WHERE flag = 'dora-major'")


def downgrade() -> None:
    with op.batch_alter_table("incident_flag") as batch:
        batch.drop_column("most_in_one_state")
        batch.drop_column("affected")
        batch.drop_column("classified_at")

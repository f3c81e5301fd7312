"""Time-boxed reviews: a window per severity, and who each request waits for until when.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WINDOWS = {"SEV1": 10 * 60, "SEV2": 20 * 60, "SEV3": 60 * 60, "SEV4": 4 * 60 * 60}


def upgrade() -> None:
    with op.batch_alter_table("severity_policy") as batch:
        batch.add_column(sa.Column("review_window_s", sa.Integer(), server_default="1200", nullable=False))
    policy = sa.table("severity_policy", sa.column("severity", sa.String), sa.column("review_window_s", sa.Integer))
    for severity, seconds in WINDOWS.items():
        op.execute(policy.update().where(policy.c.severity == severity).values(review_window_s=seconds))
    with op.batch_alter_table("review_request") as batch:
        batch.add_column(sa.Column("assignee", sa.String(200), nullable=True))
        batch.add_column(sa.Column("due_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("level", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("review_request") as batch:
        batch.drop_column("level")
        batch.drop_column("due_at")
        batch.drop_column("assignee")
    with op.batch_alter_table("severity_policy") as batch:
        batch.drop_column("review_window_s")

"""Which device sends a delivery: the one that queued it (or adopted it). Laptops
that hold the row through team sync leave it to that device, so a room of synced
laptops, each running a dispatcher, sends every message once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("origin_device", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("origin_device")

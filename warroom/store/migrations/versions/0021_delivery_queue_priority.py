"""The claim's index of a channel's queue gains the priority, before the time: the
next delivery is found by walking the highest priority's queue in order, and
claiming costs the same with 4,000 deliveries queued as with 50 (it sorted the
whole queue before).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_delivery_queue", table_name="delivery")
    op.create_index("ix_delivery_queue", "delivery", ["channel_id", "state", "priority", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_delivery_queue", table_name="delivery")
    op.create_index("ix_delivery_queue", "delivery", ["channel_id", "state", "created_at", "id"])

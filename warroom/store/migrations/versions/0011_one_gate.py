"""One gate: public titles, warnings acknowledged, derived SMS and chat texts,
reviewed template versions, retractions and corrections, matrix cells owed only
when customer-facing, and deliveries that jump the queue.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("draft_revision") as batch:
        # The title this audience sees (status pages, e-mail subjects to outsiders), reviewed with the words.
        batch.add_column(sa.Column("title", sa.Text(), nullable=False, server_default=""))
        # The SMS and chat texts were edited on their own: a new long text no longer re-derives them.
        batch.add_column(sa.Column("short_own", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("chat_own", sa.Boolean(), nullable=False, server_default=sa.false()))
        # The linter's warnings someone read and let stand: {"by", "at", "keys": [...]}.
        batch.add_column(sa.Column("acknowledged", sa.JSON(), nullable=True))
    with op.batch_alter_table("template_version") as batch:
        batch.add_column(sa.Column("title", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "template_approval",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["template.id"], name=op.f("fk_template_approval_template_id_template"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_approval")),
        sa.UniqueConstraint("template_id", "version", "role", name="uq_template_approval_version_role"),
    )
    with op.batch_alter_table("draft") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="update"))
        batch.add_column(sa.Column("corrects_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("published_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("next_update_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("retracted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("retracted_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("retract_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("matrix_cell") as batch:
        batch.add_column(sa.Column("only_customer_facing", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("delivery") as batch:
        # Higher first: a correction of a retracted update goes ahead of everything else queued.
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("matrix_cell") as batch:
        batch.drop_column("only_customer_facing")
    with op.batch_alter_table("draft") as batch:
        for name in ("retract_reason", "retracted_by", "retracted_at", "next_update_at", "published_at",
                     "corrects_id", "kind"):
            batch.drop_column(name)
    op.drop_table("template_approval")
    with op.batch_alter_table("template_version") as batch:
        batch.drop_column("title")
    with op.batch_alter_table("draft_revision") as batch:
        for name in ("acknowledged", "chat_own", "short_own", "title"):
            batch.drop_column(name)

"""Stakeholders' inquiries on an incident, and key accounts: the inquiry log; a
stakeholder's key-account mark and the components they use; a matrix cell's
choice to reach key accounts through their success manager; an update drafted
for one addressee (a key account's personal update).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inquiry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("asked_by", sa.String(200), nullable=False),
        sa.Column("stakeholder_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("answer_id", sa.Uuid(), nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_inquiry_incident_id_incident"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stakeholder_id"], ["stakeholder.id"],
                                name=op.f("fk_inquiry_stakeholder_id_stakeholder"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["answer_id"], ["draft.id"], name=op.f("fk_inquiry_answer_id_draft"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry")),
    )
    op.create_index(op.f("ix_inquiry_incident_id"), "inquiry", ["incident_id"])
    with op.batch_alter_table("stakeholder") as batch:
        batch.add_column(sa.Column("key_account", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("components", sa.JSON(), nullable=True))
    with op.batch_alter_table("matrix_cell") as batch:
        batch.add_column(sa.Column("via_success_manager", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("draft") as batch:
        batch.add_column(sa.Column("addressee", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("draft") as batch:
        batch.drop_column("addressee")
    with op.batch_alter_table("matrix_cell") as batch:
        batch.drop_column("via_success_manager")
    with op.batch_alter_table("stakeholder") as batch:
        batch.drop_column("components")
        batch.drop_column("key_account")
    op.drop_index(op.f("ix_inquiry_incident_id"), table_name="inquiry")
    op.drop_table("inquiry")

"""Signed journal checkpoints and trusted signers.

Each device's chain head is signed with the device's Ed25519 key (kept in the
keyring, never here): the device row holds the last signed sequence number, the
signature and the public key. ``trusted_key`` lists the public keys whose
archives (and, with team sync, journals) this database accepts besides its own.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("signed_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch.add_column(sa.Column("public_key", sa.String(64), nullable=True))
    op.create_table(
        "trusted_key",
        sa.Column("public_key", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trusted_key")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("public_key")
        batch.drop_column("signature")
        batch.drop_column("signed_seq")

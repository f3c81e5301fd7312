"""Audiences and versioned status-update templates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from warroom.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: The audience list a database starts with (editable afterwards).
AUDIENCES = [
    ("executives", "Executives", False),
    ("employees", "Employees", False),
    ("it", "IT and engineering", False),
    ("customers", "Customers", True),
    ("partners", "Partners", True),
    ("regulators", "Regulators", True),
]


def upgrade() -> None:
    audience = op.create_table(
        "audience",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("external", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience")),
        sa.UniqueConstraint("name", name=op.f("uq_audience_name")),
    )
    op.create_table(
        "template",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("audience", sa.String(40), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("preapproved", sa.Boolean(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template")),
        sa.UniqueConstraint("name", "locale", name="uq_template_name_locale"),
    )
    op.create_index("ix_template_selection", "template", ["audience", "phase", "category", "locale"])
    op.create_table(
        "template_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("long", sa.Text(), nullable=False),
        sa.Column("short", sa.Text(), nullable=False),
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["template.id"],
                                name=op.f("fk_template_version_template_id_template"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_version")),
        sa.UniqueConstraint("template_id", "version", name="uq_template_version_template_version"),
    )
    # Seeded rows get the same name-based ids and time on every device, so that team
    # sync sees one audience "customers", not one per laptop.
    defined = datetime(2026, 11, 23, tzinfo=timezone.utc)
    op.bulk_insert(audience, [
        {"id": uuid.uuid5(uuid.NAMESPACE_URL, f"warroom:audience:{name}"), "name": name, "label": label,
         "external": external, "locale": None, "timezone": None, "position": i, "created_at": defined}
        for i, (name, label, external) in enumerate(AUDIENCES)
    ])


def downgrade() -> None:
    op.drop_table("template_version")
    op.drop_table("template")
    op.drop_table("audience")

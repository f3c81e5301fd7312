"""An index on the journal by incident and kind: the last update published to
each audience (the header's countdown) is read without walking every event of
a long incident.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_journal_event_incident_kind", "journal_event", ["incident_id", "kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_journal_event_incident_kind", table_name="journal_event")

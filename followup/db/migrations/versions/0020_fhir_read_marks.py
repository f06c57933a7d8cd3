"""a FHIR source remembers where its reads of changes start and when it last read whole

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_state") as batch:
        batch.add_column(
            sa.Column("changes_since", followup.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("full_read_at", followup.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("feed_state") as batch:
        batch.drop_column("full_read_at")
        batch.drop_column("changes_since")

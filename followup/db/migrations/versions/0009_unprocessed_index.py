"""inbound messages still waiting to be processed are found by an index of their own

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Partial: the sweeper reads only the few rows still `received`, never the whole history.
WAITING = sa.text("kind = 'received'")


def upgrade() -> None:
    op.create_index(
        "ix_inbound_message_waiting",
        "inbound_message",
        ["received_at"],
        unique=False,
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_message_waiting", table_name="inbound_message")

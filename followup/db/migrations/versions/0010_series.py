"""infusions know their place in a series; a survey records why it ended unanswered

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-20 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New nullable columns only: every stored row keeps what it had. The series columns
    # are filled at the next re-plan of each patient (the next calendar sync).
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("series_size", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "series_started_at", followup.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_reason", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_column("ended_reason")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_column("series_started_at")
        batch_op.drop_column("series_size")
        batch_op.drop_column("series_number")

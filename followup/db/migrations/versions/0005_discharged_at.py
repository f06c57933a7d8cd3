"""appointments remember the real discharge time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 20:32:00.733357
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discharged_at", followup.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_column("discharged_at")

"""dispatch: retries wait in not_before, unreachable numbers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 19:27:21.444902
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sms_unreachable_at", followup.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "sms_unreachable_reason",
                sa.String(length=200),
                nullable=True,
            )
        )

    with op.batch_alter_table("scheduled_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_before", followup.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "in_flight_since", followup.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduled_message", schema=None) as batch_op:
        batch_op.drop_column("in_flight_since")
        batch_op.drop_column("not_before")

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("sms_unreachable_reason")
        batch_op.drop_column("sms_unreachable_at")

"""an opt-out belongs to the number that texted STOP, whether or not it is a patient's

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 11:00:00.000000

Patients who opted out already have their number copied in, so the staff reply box
refuses them by the one rule from the upgrade on.
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opted_out_number",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("opted_out_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.execute(
        "INSERT INTO opted_out_number (phone, opted_out_at)"
        " SELECT phone, MIN(opted_out_at) FROM patient"
        " WHERE phone IS NOT NULL AND opted_out_at IS NOT NULL GROUP BY phone"
    )


def downgrade() -> None:
    op.drop_table("opted_out_number")

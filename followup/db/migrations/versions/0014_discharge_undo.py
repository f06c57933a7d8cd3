"""a discharge pressed on the Today page can be undone until a moment stored with it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00.000000

The after-end steps are planned from this moment, not the press, so no worker in any
process sends the discharge message while it can still be undone.
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "discharge_undo_until",
                followup.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_column("discharge_undo_until")

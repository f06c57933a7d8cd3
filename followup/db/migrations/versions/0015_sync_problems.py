"""each sync run keeps the events it could not use and why (the first 200, as JSON)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:00:00.000000

Numbered 0015 so that 0013 and 0014, written at the same time, keep their numbers: the
merge sets down_revision to whichever of them comes last.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_run") as batch:
        batch.add_column(sa.Column("problems", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_run") as batch:
        batch.drop_column("problems")

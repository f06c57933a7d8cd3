"""inbound messages keep their triage: how urgent, and the rules and words that said so

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgency", sa.String(length=16), nullable=False, server_default="ordinary")
        )
        batch_op.add_column(sa.Column("triage", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_inbound_message_urgency", ["urgency"], unique=False)
    # Messages the old crisis check flagged keep their place at the top of the inbox.
    op.execute("UPDATE inbound_message SET urgency = 'crisis' WHERE kind = 'crisis'")


def downgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_message_urgency")
        batch_op.drop_column("triage")
        batch_op.drop_column("urgency")

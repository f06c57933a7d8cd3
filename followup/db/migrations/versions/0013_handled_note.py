"""a reply and the alert it raised are handled together, with the same note

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00.000000

The inbox's "Mark handled" keeps what the person did, as acknowledging an alert always
has; the queue's paging reads waiting replies by urgency then age.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_message") as batch:
        batch.add_column(sa.Column("handled_note", sa.String(), nullable=True))
    # The queue: unhandled replies a person must read, by urgency then age.
    op.create_index(
        "ix_inbound_message_queue",
        "inbound_message",
        ["urgency", "received_at"],
        sqlite_where=sa.text("needs_attention AND handled_at IS NULL"),
        postgresql_where=sa.text("needs_attention AND handled_at IS NULL"),
    )
    # Linking a reply to the alerts it raised.
    op.create_index("ix_alert_inbound_message_id", "alert", ["inbound_message_id"])


def downgrade() -> None:
    op.drop_index("ix_alert_inbound_message_id", table_name="alert")
    op.drop_index("ix_inbound_message_queue", table_name="inbound_message")
    with op.batch_alter_table("inbound_message") as batch:
        batch.drop_column("handled_note")

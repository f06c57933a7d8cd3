"""on-call phoned about alerts: one row per call, and how an alert was acknowledged

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 09:00:00.000000

Issue 26: a call that only a keypress acknowledges. `alert_call` keeps every attempt
(who, when, what became of it) for the alert card and for claiming across workers;
`alert.acknowledged_via` says by which channel it was taken (a phone call, the alerts
page, the API, the command line). It only adds.
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("to", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("due_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("placed_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("requested_by", sa.String(length=254), nullable=True),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "attempt", name="uq_alert_call_attempt"),
    )
    with op.batch_alter_table("alert_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_call_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_alert_call_status_due", ["status", "due_at"], unique=False)
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_via", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("acknowledged_via")
    with op.batch_alter_table("alert_call", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_call_status_due")
        batch_op.drop_index(batch_op.f("ix_alert_call_alert_id"))
    op.drop_table("alert_call")

"""rating scales (PHQ-9, GAD-7) answered by SMS: one row per administration

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instrument_response",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointment.id"), nullable=True),
        sa.Column(
            "conversation_id", sa.Integer(), sa.ForeignKey("conversation.id"), nullable=False
        ),
        sa.Column("instrument", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.String(), nullable=False),
        sa.Column("unreadable", sa.String(), nullable=False),
        sa.Column("started_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("conversation_id", "instrument"),
    )
    op.create_index("ix_instrument_response_patient_id", "instrument_response", ["patient_id"])
    op.create_index(
        "ix_instrument_response_appointment_id", "instrument_response", ["appointment_id"]
    )


def downgrade() -> None:
    op.drop_table("instrument_response")

"""replies: inbound messages, conversations, symptom reports, alerts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 19:54:32.259077
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_sid", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=False),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("received_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=True),
        sa.Column("needs_attention", sa.Boolean(), nullable=False),
        sa.Column("processing_error", sa.String(length=300), nullable=True),
        sa.Column("handled_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_sid"),
    )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_message_from_number"), ["from_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column(
            "next_escalation_at", followup.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("reply_error", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.Column("acknowledgement_note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_message.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "reply_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbound_message_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_message.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbound_message_id"),
    )
    with op.batch_alter_table("reply_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reply_message_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "symptom_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.Column("survey", sa.String(length=64), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("reported_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_message.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("symptom_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_symptom_report_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_symptom_report_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_symptom_report_reported_at"), ["reported_at"], unique=False
        )

    op.create_table(
        "alert_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("to", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=100), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "level", "channel", name="uq_notification_level_channel"),
    )
    with op.batch_alter_table("alert_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_notification_alert_id"), ["alert_id"], unique=False
        )

    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_message_id", sa.Integer(), nullable=True),
        sa.Column("survey", sa.String(length=64), nullable=False),
        sa.Column("question_index", sa.Integer(), nullable=False),
        sa.Column("reasked", sa.Boolean(), nullable=False),
        sa.Column("started_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["scheduled_message_id"],
            ["scheduled_message.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            "uq_conversation_open_per_patient",
            ["patient_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmation", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column(
                "confirmation_at", followup.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paused_at", followup.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("paused_at")

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_column("confirmation_at")
        batch_op.drop_column("confirmation")

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_conversation_open_per_patient",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_conversation_patient_id"))

    op.drop_table("conversation")
    with op.batch_alter_table("alert_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_notification_alert_id"))

    op.drop_table("alert_notification")
    with op.batch_alter_table("symptom_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_symptom_report_reported_at"))
        batch_op.drop_index(batch_op.f("ix_symptom_report_patient_id"))
        batch_op.drop_index(batch_op.f("ix_symptom_report_appointment_id"))

    op.drop_table("symptom_report")
    with op.batch_alter_table("reply_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_message_patient_id"))

    op.drop_table("reply_message")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_patient_id"))
        batch_op.drop_index(batch_op.f("ix_alert_created_at"))

    op.drop_table("alert")
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_received_at"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_patient_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_from_number"))

    op.drop_table("inbound_message")

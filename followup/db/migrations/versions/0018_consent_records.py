"""consent as records, the disclosures shown, opt-in confirmations, carrier errors by sender

Revision ID: 0018
Revises: 0017
Create Date: 2027-01-10 09:00:00.000000

Touches only its own tables and reads `patient` and `opted_out_number`.

What was known before is kept as records with source "migration": each patient's SMS and
email consent as the columns said (given or not), then, for a patient who had texted STOP,
the revocation of SMS at that moment; and a number that texted STOP without being any
patient's, as a revocation of that number. Later records come after these (higher ids),
so the newest record of each patient and channel says what the columns say.
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UTC = followup.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consent_disclosure",
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("disclosure_version", sa.String(length=16), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["disclosure_version"], ["consent_disclosure.version"]),
        sa.ForeignKeyConstraint(["inbound_message_id"], ["inbound_message.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_record_latest", ["patient_id", "channel", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_record_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_record_at"), ["at"], unique=False)
    op.create_table(
        "consent_confirmation",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("sent_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.create_table(
        "carrier_error",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    with op.batch_alter_table("carrier_error", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carrier_error_at"), ["at"], unique=False)
    _records_from_columns()


def _records_from_columns() -> None:
    """What the yes/no columns and the opt-outs said, as the first records."""
    for channel, column in (("sms", "sms_consent"), ("email", "email_consent")):
        phone = "phone" if channel == "sms" else "NULL"
        op.execute(
            "INSERT INTO consent_record (patient_id, phone, channel, given, source, detail, at)"
            f" SELECT id, {phone}, '{channel}', {column}, 'migration',"
            f" CASE WHEN {column} THEN '{channel} consent on file before consent records'"
            f" ELSE 'no {channel} consent on file before consent records' END,"
            " created_at FROM patient ORDER BY id"
        )
    op.execute(
        "INSERT INTO consent_record (patient_id, phone, channel, given, source, detail, at)"
        " SELECT id, phone, 'sms', FALSE, 'migration',"
        " 'texted STOP (or Twilio reported it) before consent records', opted_out_at"
        " FROM patient WHERE opted_out_at IS NOT NULL ORDER BY id"
    )
    op.execute(
        "INSERT INTO consent_record (patient_id, phone, channel, given, source, detail, at)"
        " SELECT NULL, phone, 'sms', FALSE, 'migration',"
        " 'this number texted STOP before consent records', opted_out_at"
        " FROM opted_out_number WHERE phone NOT IN"
        " (SELECT phone FROM patient WHERE phone IS NOT NULL) ORDER BY phone"
    )
    # A patient who opted out no longer has SMS consent, as the records now say.
    op.execute("UPDATE patient SET sms_consent = FALSE WHERE opted_out_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("carrier_error", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carrier_error_at"))
    op.drop_table("carrier_error")
    op.drop_table("consent_confirmation")
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_record_at"))
        batch_op.drop_index(batch_op.f("ix_consent_record_phone"))
        batch_op.drop_index("ix_consent_record_latest")
    op.drop_table("consent_record")
    op.drop_table("consent_disclosure")

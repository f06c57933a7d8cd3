"""staff: users, audit log, API tokens, template revisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 20:27:51.746645
"""

import sqlalchemy as sa
from alembic import op

import followup.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("before", sa.String(), nullable=True),
        sa.Column("after", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", followup.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "template_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("part", sa.String(length=32), nullable=False),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("template_revision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_template_revision_lookup", ["template", "language", "part", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("template_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_template_revision_lookup")

    op.drop_table("template_revision")
    op.drop_table("staff_user")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    op.drop_table("api_token")

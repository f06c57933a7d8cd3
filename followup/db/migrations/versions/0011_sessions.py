"""staff sessions in the database, the per-account sign-in window, API tokens that expire

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 08:00:00.000000

Touches only its own tables and api_token, so it follows whatever 0010 did.
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import followup.db.types
from followup.core import clock

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Tokens made before they had an expiry get the default from the upgrade on, so that
# no clinic tool stops working the moment the new version starts.
EXISTING_TOKENS_LAST = timedelta(days=90)


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_session_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("at", followup.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_failure_staff_at", ["staff_id", "at"], unique=False)

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", followup.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    tokens = sa.table(
        "api_token", sa.column("expires_at", followup.db.types.UTCDateTime(timezone=True))
    )
    op.execute(tokens.update().values(expires_at=clock.now() + EXISTING_TOKENS_LAST))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at",
            existing_type=followup.db.types.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failure_staff_at")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_staff_id"))
    op.drop_table("staff_session")

"""clinic networks: patients, appointments and staff belong to locations

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:10:00.000000

Every existing row is assigned: patients and appointments to "main" (the one location of
a protocol without [locations], and the first location of one that has them, since a key
the protocol does not have reads as its first), staff to "*" (every location, as before).
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("patient", "appointment"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("location", sa.String(length=40), nullable=False, server_default="main")
            )
    op.create_index("ix_patient_location", "patient", ["location"])
    with op.batch_alter_table("inbound_message") as batch:
        batch.add_column(sa.Column("location", sa.String(length=40), nullable=True))
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("locations", sa.String(length=400), nullable=False, server_default="*")
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_message") as batch:
        batch.drop_column("location")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("locations")
    op.drop_index("ix_patient_location", "patient")
    for table in ("appointment", "patient"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("location")

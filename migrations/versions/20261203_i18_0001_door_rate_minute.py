"""plausibility: app logs per volunteer and minute (door_rate_minute); session idle time

Revision ID: i18_0001
Revises: i16_0001
Create Date: 2026-12-03 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.core.db

revision: str = "i18_0001"
down_revision: str | None = "i16_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "door_rate_minute",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "minute", name=op.f("pk_door_rate_minute")),
    )
    with op.batch_alter_table("auth_session") as batch:
        batch.add_column(sa.Column("last_seen_at", api.core.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_session") as batch:
        batch.drop_column("last_seen_at")
    op.drop_table("door_rate_minute")

"""data quality: door_rate_minute's burst minutes indexed, for bursts over several districts

Revision ID: i17c_0001
Revises: i16a_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i17c_0001"
down_revision: str | None = "i16a_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The literal 6 is plausibility.BURST_DOORS_PER_MINUTE (tests/quality checks they agree).
    op.create_index(
        "ix_door_rate_minute_burst",
        "door_rate_minute",
        ["minute"],
        unique=False,
        sqlite_where=sa.text("n >= 6"),
        postgresql_where=sa.text("n >= 6"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_door_rate_minute_burst",
        table_name="door_rate_minute",
        sqlite_where=sa.text("n >= 6"),
        postgresql_where=sa.text("n >= 6"),
    )

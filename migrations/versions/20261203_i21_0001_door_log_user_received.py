"""door_log (user_id, received_at): a volunteer's last acknowledged log for /api/me

Revision ID: i21_0001
Revises: i18_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i21_0001"
down_revision: str | None = "i18_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("door_log", schema=None) as batch_op:
        batch_op.create_index("ix_door_log_user_received", ["user_id", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("door_log", schema=None) as batch_op:
        batch_op.drop_index("ix_door_log_user_received")

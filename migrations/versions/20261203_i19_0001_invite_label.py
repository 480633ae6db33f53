"""invite label: the organiser's note of who a link is for

Revision ID: i19_0001
Revises: i22_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "i19_0001"
down_revision: str | None = "i22_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_column("label")

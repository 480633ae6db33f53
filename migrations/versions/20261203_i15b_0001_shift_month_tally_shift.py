"""knackpass retention per AK and month (shift_month); a paper tally may name its shift

Revision ID: i15b_0001
Revises: i19b_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i15b_0001"
down_revision: str | None = "i19b_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shift_month",
        sa.Column("ak_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("shifts", sa.Integer(), nullable=False),
        sa.Column("signed_up", sa.Integer(), nullable=False),
        sa.Column("came", sa.Integer(), nullable=False),
        sa.Column("no_shows", sa.Integer(), nullable=False),
        sa.Column("new_volunteers", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("active_person_weeks", sa.Integer(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ak_id"], ["ak.id"], name=op.f("fk_shift_month_ak_id_ak")),
        sa.PrimaryKeyConstraint("ak_id", "month", name=op.f("pk_shift_month")),
    )
    with op.batch_alter_table("tally", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shift_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tally_shift_id"), ["shift_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tally_shift_id_shift"), "shift", ["shift_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tally", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tally_shift_id_shift"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tally_shift_id"))
        batch_op.drop_column("shift_id")
    op.drop_table("shift_month")

"""Successors of retired districts (confirmed by staff) and valdeltagande per district.

Revision ID: i17_0001
Revises: i19_0001
Create Date: 2026-12-03 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.core.db

revision: str = "i17_0001"
down_revision: str | None = "i19_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "district_successor",
        sa.Column("retired_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["retired_id"], ["district.id"], name=op.f("fk_district_successor_retired_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["district.id"],
            name=op.f("fk_district_successor_successor_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["user_account.id"],
            name=op.f("fk_district_successor_confirmed_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("retired_id", "successor_id", name=op.f("pk_district_successor")),
    )
    with op.batch_alter_table("district_successor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_district_successor_successor_id"), ["successor_id"], unique=False
        )
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.add_column(sa.Column("turnout_pct", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("turnout_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.drop_column("turnout_year")
        batch_op.drop_column("turnout_pct")
    with op.batch_alter_table("district_successor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_successor_successor_id"))
    op.drop_table("district_successor")

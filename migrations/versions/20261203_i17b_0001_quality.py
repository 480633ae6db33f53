"""data quality: the flags' rollups (quality_minute, quality_day), quality_resolution,
door_count_user_day by user

Revision ID: i17b_0001
Revises: i15a_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.core.db

revision: str = "i17b_0001"
down_revision: str | None = "i15a_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_minute",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("skewed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "district_id", "minute", name=op.f("pk_quality_minute")),
    )
    # The literal 6 is plausibility.BURST_DOORS_PER_MINUTE (tests/quality checks they agree).
    op.create_index(
        "ix_quality_minute_burst",
        "quality_minute",
        ["minute"],
        unique=False,
        sqlite_where=sa.text("n >= 6"),
        postgresql_where=sa.text("n >= 6"),
    )
    op.create_index(
        "ix_quality_minute_skewed",
        "quality_minute",
        ["minute"],
        unique=False,
        sqlite_where=sa.text("skewed > 0"),
        postgresql_where=sa.text("skewed > 0"),
    )
    op.create_table(
        "quality_day",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("doors", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_quality_day")),
    )
    # The literal is plausibility.CONTACT_RATE_WHERE (tests/quality checks they agree).
    op.create_index(
        "ix_quality_day_contact",
        "quality_day",
        ["day"],
        unique=False,
        sqlite_where=sa.text("doors >= 30 AND conversation * 100 >= 90 * doors"),
        postgresql_where=sa.text("doors >= 30 AND conversation * 100 >= 90 * doors"),
    )
    op.create_table(
        "quality_resolution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("ak", sa.String(length=40), nullable=False),
        sa.Column("voided", sa.Integer(), nullable=False),
        sa.Column("decided_at", api.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_quality_resolution_decided_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"],
            ["user_account.id"],
            name=op.f("fk_quality_resolution_subject_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_resolution")),
        sa.UniqueConstraint("flag_key", name=op.f("uq_quality_resolution_flag_key")),
    )
    op.create_index(op.f("ix_quality_resolution_decided_at"), "quality_resolution", ["decided_at"])
    op.create_index(
        op.f("ix_quality_resolution_subject_user_id"), "quality_resolution", ["subject_user_id"]
    )
    op.create_index(
        "ix_door_count_user_day_user", "door_count_user_day", ["user_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_door_count_user_day_user", table_name="door_count_user_day")
    op.drop_index(op.f("ix_quality_resolution_subject_user_id"), table_name="quality_resolution")
    op.drop_index(op.f("ix_quality_resolution_decided_at"), table_name="quality_resolution")
    op.drop_table("quality_resolution")
    op.drop_index("ix_quality_day_contact", table_name="quality_day")
    op.drop_table("quality_day")
    op.drop_index("ix_quality_minute_skewed", table_name="quality_minute")
    op.drop_index("ix_quality_minute_burst", table_name="quality_minute")
    op.drop_table("quality_minute")

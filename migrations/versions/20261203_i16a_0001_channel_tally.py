"""channel tally: paper counts for workplace visits and stalls (an AK and a date)

Revision ID: i16a_0001
Revises: i17b_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.core.db

revision: str = "i16a_0001"
down_revision: str | None = "i17b_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ak_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("conversation", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.Column("new_members", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ak_id"], ["ak.id"], name=op.f("fk_channel_tally_ak_id_ak")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_channel_tally_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_channel_tally_created_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["user_account.id"], name=op.f("fk_channel_tally_voided_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_tally")),
    )
    with op.batch_alter_table("channel_tally", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_tally_ak_id"), ["ak_id"], unique=False)
    with op.batch_alter_table("channel_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tally_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_channel_log_tally_id"), ["tally_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_channel_log_tally_id_channel_tally"),
            "channel_tally",
            ["tally_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_log", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_channel_log_tally_id_channel_tally"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_channel_log_tally_id"))
        batch_op.drop_column("tally_id")
    with op.batch_alter_table("channel_tally", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_tally_ak_id"))
    op.drop_table("channel_tally")

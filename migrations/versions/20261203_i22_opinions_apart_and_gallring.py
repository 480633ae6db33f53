"""opinions apart from the log, final logs, the anonymous account, last sign-in

Topics move from door_log.topics to door_log_opinion (one row per log and topic), copied
before the column goes, so no stored opinion is lost; gallring then drops them once final.

Revision ID: i22_0001
Revises: log_0001
Create Date: 2026-12-03 03:25:42.942672
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.core.db

revision: str = "i22_0001"
down_revision: str | None = "log_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANONYMOUS = sa.text("role = 'anonymous'")


def upgrade() -> None:
    opinion = op.create_table(
        "door_log_opinion",
        sa.Column("log_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"], ["door_log.id"], name=op.f("fk_door_log_opinion_log_id_door_log")
        ),
        sa.PrimaryKeyConstraint("log_id", "kind", "value", name=op.f("pk_door_log_opinion")),
    )
    assert opinion is not None
    door_log = sa.table("door_log", sa.column("id", sa.Uuid()), sa.column("topics", sa.String()))
    bind = op.get_bind()
    rows = [
        {"log_id": log_id, "kind": "topic", "value": topic}
        for log_id, topics in bind.execute(
            sa.select(door_log.c.id, door_log.c.topics).where(door_log.c.topics != "")
        )
        for topic in topics.split(",")
    ]
    if rows:
        bind.execute(opinion.insert(), rows)
    with op.batch_alter_table("door_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("final", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_column("topics")

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_sign_in_at", api.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "uq_user_account_anonymous",
            ["role"],
            unique=True,
            sqlite_where=_ANONYMOUS,
            postgresql_where=_ANONYMOUS,
        )
    # The latest sign-in so far is the latest session made.
    op.execute(
        "UPDATE user_account SET last_sign_in_at = (SELECT max(created_at) FROM auth_session "
        "WHERE auth_session.user_id = user_account.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_user_account_anonymous", sqlite_where=_ANONYMOUS, postgresql_where=_ANONYMOUS
        )
        batch_op.drop_column("last_sign_in_at")

    with op.batch_alter_table("door_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("topics", sa.VARCHAR(length=400), server_default="", nullable=False)
        )
        batch_op.drop_column("final")
    # Topics of logs not yet final go back on the row; final logs' topics live only in counts.
    bind = op.get_bind()
    joined: dict[object, list[str]] = {}
    opinion = sa.table(
        "door_log_opinion",
        sa.column("log_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("value", sa.String()),
    )
    for log_id, value in bind.execute(
        sa.select(opinion.c.log_id, opinion.c.value).where(opinion.c.kind == "topic")
    ):
        joined.setdefault(log_id, []).append(value)
    door_log = sa.table("door_log", sa.column("id", sa.Uuid()), sa.column("topics", sa.String()))
    for log_id, topics in joined.items():
        bind.execute(
            door_log.update()
            .where(door_log.c.id == sa.bindparam("log"))
            .values(topics=",".join(sorted(topics))),
            {"log": log_id},
        )
    op.drop_table("door_log_opinion")

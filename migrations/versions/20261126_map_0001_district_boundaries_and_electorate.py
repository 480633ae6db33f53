"""District boundaries (simplified WGS84 GeoJSON) and electorate per district.

Revision ID: map_0001
Revises: acc_0001
Create Date: 2026-11-26 14:21:41.437625
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.core.db

revision: str = "map_0001"
down_revision: str | None = "acc_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "district_boundary",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("geojson", sa.Text(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("division_year", sa.Integer(), nullable=True),
        sa.Column("source_crs", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tolerance_m", sa.Float(), nullable=False),
        sa.Column("imported_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_district_boundary_district_id_district")
        ),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_district_boundary")),
    )
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.add_column(sa.Column("electorate", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.drop_column("electorate")

    op.drop_table("district_boundary")

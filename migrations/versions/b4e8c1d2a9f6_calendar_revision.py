"""calendar revision: a counter of calendar changes, so processes cache the table until it changes

Revision ID: b4e8c1d2a9f6
Revises: b8e4f1a2c309
Create Date: 2026-12-03 14:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b4e8c1d2a9f6"
down_revision = "b8e4f1a2c309"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "calendar_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_revision")),
    )
    op.bulk_insert(table, [{"id": 1, "revision": 0}])


def downgrade():
    op.drop_table("calendar_revision")

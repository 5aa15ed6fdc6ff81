"""case clock pauses: the timers marked pausesClock (a 公示) the case's deadline clock stood still for

Revision ID: a7c3e9d2f418
Revises: e7b3a9c1d5f2
Create Date: 2026-12-04 01:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c3e9d2f418"
down_revision = "e7b3a9c1d5f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("clock_pauses", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("clock_pauses")

"""delegation end reason: why a delegation was ended early by the system (e.g. 账户停用)

Revision ID: f2a4c6e8b013
Revises: c3d5e7f90a12
Create Date: 2026-11-26 10:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f2a4c6e8b013"
down_revision = "c3d5e7f90a12"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_reason", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.drop_column("end_reason")

"""acceptance limit days: the 受理时限 of a service item, the working days the window has to decide

Revision ID: c5f9d2e3b1a7
Revises: b4e8c1d2a9f6
Create Date: 2026-12-03 15:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5f9d2e3b1a7"
down_revision = "b4e8c1d2a9f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("acceptance_limit_days", sa.Integer(), nullable=False, server_default="5")
        )


def downgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.drop_column("acceptance_limit_days")

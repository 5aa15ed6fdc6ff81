"""service item eligibility: the 受理条件 rules (minimum age, residence in the county …) an item declares

Revision ID: b8e4f1a2c309
Revises: a7c1e2d3f405
Create Date: 2026-12-03 14:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8e4f1a2c309"
down_revision = "a7c1e2d3f405"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eligibility", sa.JSON(), server_default="[]", nullable=False))


def downgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.drop_column("eligibility")

"""预审: the channels whose applications an item sends through the window's 预审 before 受理

Revision ID: 5757a16686a4
Revises: 4d3cf389390b
Create Date: 2026-12-04 19:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5757a16686a4"
down_revision = "4d3cf389390b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_item") as batch_op:
        batch_op.add_column(sa.Column("pre_review", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("service_item") as batch_op:
        batch_op.drop_column("pre_review")

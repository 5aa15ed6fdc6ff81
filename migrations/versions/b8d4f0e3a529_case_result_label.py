"""case result label: the outcome a process declared for its decision (已处置, 同意 …)

Revision ID: b8d4f0e3a529
Revises: a7c3e9d2f418
Create Date: 2026-12-04 01:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8d4f0e3a529"
down_revision = "a7c3e9d2f418"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("result_label", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("result_label")

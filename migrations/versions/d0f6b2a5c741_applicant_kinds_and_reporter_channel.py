"""applicant kinds per item and the reporter's channel: 基层治理事件 take reporters without an ID

Revision ID: d0f6b2a5c741
Revises: c9e5a1f4b630
Create Date: 2026-12-04 02:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d0f6b2a5c741"
down_revision = "c9e5a1f4b630"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_item") as batch_op:
        batch_op.add_column(sa.Column("applicant_kinds", sa.JSON(), nullable=True))
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("applicant_channel", sa.String(length=24), nullable=True))


def downgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("applicant_channel")
    with op.batch_alter_table("service_item") as batch_op:
        batch_op.drop_column("applicant_kinds")

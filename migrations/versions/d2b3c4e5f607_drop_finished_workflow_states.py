"""retention: a finished case's serialized workflow can be dropped, the elements it passed kept

Revision ID: d2b3c4e5f607
Revises: d1a2c3e4f506
Create Date: 2026-12-04 01:40:00

"""

from alembic import op
import sqlalchemy as sa

import workflow_service.models.base


# revision identifiers, used by Alembic.
revision = "d2b3c4e5f607"
down_revision = "d1a2c3e4f506"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.alter_column("workflow_state", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(
            sa.Column(
                "state_dropped_at", workflow_service.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("passed_elements", sa.JSON(), nullable=True))


def downgrade():
    # A dropped state cannot come back: downgrading needs every case to still have its state.
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("passed_elements")
        batch_op.drop_column("state_dropped_at")
        batch_op.alter_column("workflow_state", existing_type=sa.Text(), nullable=False)

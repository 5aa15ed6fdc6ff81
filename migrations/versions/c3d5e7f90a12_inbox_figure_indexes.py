"""inbox figures: claimed tasks (partial index) and arrivals since a moment

Revision ID: c3d5e7f90a12
Revises: 84f106fcb1e0
Create Date: 2026-11-25 20:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3d5e7f90a12"
down_revision = "84f106fcb1e0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_task_arrivals", "task", ["organisation_id", "role", "state", "created_at"], unique=False
    )
    op.create_index(
        "ix_task_claimed",
        "task",
        ["assignee_id", "state"],
        unique=False,
        sqlite_where=sa.text("assignee_id IS NOT NULL"),
        postgresql_where=sa.text("assignee_id IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_task_arrivals", table_name="task")
    op.drop_index("ix_task_claimed", table_name="task")

"""the dashboard at a million cases: a covering registration-time index, running cases by due date, the period's completed tasks

Revision ID: a4d81c3e9f20
Revises: f5d9b3e7a124
Create Date: 2026-12-04 02:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a4d81c3e9f20"
down_revision = "f5d9b3e7a124"
branch_labels = None
depends_on = None

DASHBOARD_COLUMNS = [
    "id",
    "status",
    "service_item_id",
    "matter_region_id",
    "accepting_organisation_id",
    "competent_organisation_id",
    "due_date",
    "legal_due_date",
    "accepted_on",
    "clock_stopped_on",
    "ended_at",
    "result_code",
]
RUNNING = "ended_at IS NULL AND status IN ('accepted', 'under_review') AND due_date IS NOT NULL"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # SQLite has no INCLUDE: its index stays the plain one.
        op.drop_index("ix_case_file_submitted_at", table_name="case_file")
        op.create_index(
            "ix_case_file_submitted_at",
            "case_file",
            ["submitted_at"],
            postgresql_include=DASHBOARD_COLUMNS,
        )
    op.create_index(
        "ix_case_file_running_due",
        "case_file",
        ["due_date", "id"],
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
        postgresql_include=[
            "submitted_at",
            "service_item_id",
            "matter_region_id",
            "accepting_organisation_id",
        ],
    )
    op.create_index(
        "ix_task_completed_since",
        "task",
        ["created_at", "organisation_id", "case_id"],
        sqlite_where=sa.text("state = 'completed'"),
        postgresql_where=sa.text("state = 'completed'"),
    )


def downgrade():
    op.drop_index("ix_task_completed_since", table_name="task")
    op.drop_index("ix_case_file_running_due", table_name="case_file")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_case_file_submitted_at", table_name="case_file")
        op.create_index("ix_case_file_submitted_at", "case_file", ["submitted_at"])

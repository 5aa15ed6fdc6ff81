"""督办 notices: a supervisor's notice on a case, its reply and whether it came late

Revision ID: f4c8a2d6e913
Revises: e7c3f19a2b54
Create Date: 2026-12-04 02:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f4c8a2d6e913"
down_revision = "e7c3f19a2b54"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "supervision_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reply_due_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("late_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_supervision_notice_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_supervision_notice_task_id_task")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_supervision_notice_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["app_user.id"], name=op.f("fk_supervision_notice_issued_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"], ["app_user.id"], name=op.f("fk_supervision_notice_replied_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notice")),
        sa.UniqueConstraint("task_id", name=op.f("uq_supervision_notice_task_id")),
    )
    op.create_index(
        "ix_supervision_notice_case_id_issued_at",
        "supervision_notice",
        ["case_id", "issued_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_supervision_notice_case_id_issued_at", table_name="supervision_notice")
    op.drop_table("supervision_notice")

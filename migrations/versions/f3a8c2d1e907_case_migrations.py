"""case migrations: running cases moved to the next process version, with what undo puts back

Revision ID: f3a8c2d1e907
Revises: d0f6b2a5c741
Create Date: 2026-12-04 02:30:00

"""

from alembic import op
import sqlalchemy as sa

from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "f3a8c2d1e907"
down_revision = "d0f6b2a5c741"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_migration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_definition_id", sa.Integer(), nullable=False),
        sa.Column("to_definition_id", sa.Integer(), nullable=False),
        sa.Column("previous_state", sa.Text(), nullable=False),
        sa.Column("previous_tasks", sa.JSON(), nullable=False),
        sa.Column("case_version_after", sa.Integer(), nullable=False),
        sa.Column("migrated_at", UTCDateTime(), nullable=False),
        sa.Column("migrated_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_migration_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_definition_id"],
            ["process_definition.id"],
            name=op.f("fk_case_migration_from_definition_id_process_definition"),
        ),
        sa.ForeignKeyConstraint(
            ["to_definition_id"],
            ["process_definition.id"],
            name=op.f("fk_case_migration_to_definition_id_process_definition"),
        ),
        sa.ForeignKeyConstraint(
            ["migrated_by_id"], ["app_user.id"], name=op.f("fk_case_migration_migrated_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["app_user.id"], name=op.f("fk_case_migration_undone_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_migration")),
    )
    op.create_index(op.f("ix_case_migration_case_id"), "case_migration", ["case_id"])
    op.create_index(op.f("ix_case_migration_from_definition_id"), "case_migration", ["from_definition_id"])


def downgrade():
    op.drop_index(op.f("ix_case_migration_from_definition_id"), table_name="case_migration")
    op.drop_index(op.f("ix_case_migration_case_id"), table_name="case_migration")
    op.drop_table("case_migration")

"""the 电子监察 feed: step, special-procedure and 办结 records, and the exports' cursors

Revision ID: e7c3f19a2b54
Revises: f3a8c2d1e907
Create Date: 2026-12-04 02:30:00

"""

from alembic import op
import sqlalchemy as sa

from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "e7c3f19a2b54"
down_revision = "f3a8c2d1e907"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "supervision_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "step",
                "special_procedure",
                "completion",
                name="recordkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_supervision_record_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_record")),
    )
    op.create_index("ix_supervision_record_case_id_id", "supervision_record", ["case_id", "id"])
    op.create_table(
        "supervision_cursor",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("exported_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_supervision_cursor")),
    )


def downgrade():
    op.drop_table("supervision_cursor")
    op.drop_index("ix_supervision_record_case_id_id", table_name="supervision_record")
    op.drop_table("supervision_record")

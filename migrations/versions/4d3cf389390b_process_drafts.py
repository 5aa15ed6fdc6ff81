"""process drafts: an analyst's unfinished edit of a process's BPMN and forms

Revision ID: 4d3cf389390b
Revises: a4d81c3e9f20
Create Date: 2026-12-04 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4d3cf389390b"
down_revision = "a4d81c3e9f20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "process_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=128), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_process_draft_owner_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_draft")),
    )
    with op.batch_alter_table("process_draft", schema=None) as batch_op:
        batch_op.create_index("ix_process_draft_owner_updated", ["owner_id", "updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_process_draft_process_key"), ["process_key"], unique=False)


def downgrade():
    with op.batch_alter_table("process_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_draft_process_key"))
        batch_op.drop_index("ix_process_draft_owner_updated")

    op.drop_table("process_draft")

"""intake drafts (暂存): half-filled applications kept by a window

Revision ID: 84f106fcb1e0
Revises: bdf6916efcc2
Create Date: 2026-11-25 18:53:35.952297

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "84f106fcb1e0"
down_revision = "bdf6916efcc2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_item_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("applicant_name", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_intake_draft_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_intake_draft_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["service_item_id"],
            ["service_item.id"],
            name=op.f("fk_intake_draft_service_item_id_service_item"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["app_user.id"], name=op.f("fk_intake_draft_updated_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_draft")),
    )
    with op.batch_alter_table("intake_draft", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intake_draft_organisation_updated", ["organisation_id", "updated_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("intake_draft", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_draft_organisation_updated")

    op.drop_table("intake_draft")

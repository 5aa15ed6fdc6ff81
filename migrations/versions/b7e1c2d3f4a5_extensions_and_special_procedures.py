"""extensions (延期) of a case's limits, special procedure results, joint handling of an item

Revision ID: b7e1c2d3f4a5
Revises: e7b3a9c41d20
Create Date: 2026-12-04 01:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e1c2d3f4a5"
down_revision = "e7b3a9c41d20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("requested", "approved", "refused", name="extensionstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_extension_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_case_extension_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_case_extension_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_case_extension_requested_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_extension")),
    )
    with op.batch_alter_table("case_extension", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_extension_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("case_suspension", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("applicant_told_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joint_handling", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.drop_column("joint_handling")
    with op.batch_alter_table("case_suspension", schema=None) as batch_op:
        batch_op.drop_column("applicant_told_at")
        batch_op.drop_column("result")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("extension_days")
    with op.batch_alter_table("case_extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_extension_case_id"))
    op.drop_table("case_extension")

"""acceptance decisions: supplement notices, deferred materials, agent, supplement count

Revision ID: eae2fa5f5000
Revises: edfabb8bcfb9
Create Date: 2026-11-25 17:05:25.702888

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "eae2fa5f5000"
down_revision = "edfabb8bcfb9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deferred_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("deferred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deferred_by_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("received_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_deferred_material_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deferred_by_id"], ["app_user.id"], name=op.f("fk_deferred_material_deferred_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"], ["app_user.id"], name=op.f("fk_deferred_material_received_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deferred_material")),
    )
    with op.batch_alter_table("deferred_material", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deferred_material_case_id"), ["case_id"], unique=False)

    op.create_table(
        "supplement_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_supplement_notice_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["app_user.id"], name=op.f("fk_supplement_notice_issued_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"], ["app_user.id"], name=op.f("fk_supplement_notice_received_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplement_notice")),
        sa.UniqueConstraint("case_id", "sequence", name="uq_supplement_notice_case_sequence"),
    )
    with op.batch_alter_table("supplement_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplement_notice_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agent_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("agent_id_number", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("agent_phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("agent_relationship", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("agent_authorisation_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("agent_authorisation_material", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("supplement_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_case_file_agent_id_number"), ["agent_id_number"], unique=False)


def downgrade():
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_agent_id_number"))
        batch_op.drop_column("supplement_count")
        batch_op.drop_column("agent_authorisation_material")
        batch_op.drop_column("agent_authorisation_note")
        batch_op.drop_column("agent_relationship")
        batch_op.drop_column("agent_phone")
        batch_op.drop_column("agent_id_number")
        batch_op.drop_column("agent_name")

    with op.batch_alter_table("supplement_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplement_notice_case_id"))

    op.drop_table("supplement_notice")
    with op.batch_alter_table("deferred_material", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deferred_material_case_id"))

    op.drop_table("deferred_material")

"""service item implementation list fields: 实施主体, 行使层级, 设定依据, 受理条件, 服务对象, 办理地点/时间,
咨询/投诉方式, 是否进驻大厅, 联办机构; materials' 来源渠道 and blank/sample forms

Revision ID: c9e5a1f4b630
Revises: b8d4f0e3a529
Create Date: 2026-12-04 01:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c9e5a1f4b630"
down_revision = "b8d4f0e3a529"
branch_labels = None
depends_on = None

ITEM_COLUMNS = (
    ("body_name", sa.String(length=128)),
    ("body_code", sa.String(length=32)),
    (
        "body_nature",
        sa.Enum("statutory", "authorised", "entrusted", name="bodynature", native_enum=False, length=16),
    ),
    ("exercise_level", sa.String(length=64)),
    ("legal_basis", sa.Text()),
    ("acceptance_conditions", sa.Text()),
    ("service_objects", sa.String(length=64)),
    ("service_location", sa.Text()),
    ("service_hours", sa.Text()),
    ("consultation", sa.Text()),
    ("complaint", sa.Text()),
    ("joint_organisations", sa.Text()),
)
MATERIAL_COLUMNS = (
    ("source_channel", sa.String(length=64)),
    ("blank_form", sa.String(length=255)),
    ("sample_form", sa.String(length=255)),
)


def upgrade():
    with op.batch_alter_table("service_item") as batch_op:
        for name, type_ in ITEM_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.add_column(
            sa.Column("in_service_hall", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("service_material") as batch_op:
        for name, type_ in MATERIAL_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    with op.batch_alter_table("service_material") as batch_op:
        for name, _type in reversed(MATERIAL_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("service_item") as batch_op:
        batch_op.drop_column("in_service_hall")
        for name, _type in reversed(ITEM_COLUMNS):
            batch_op.drop_column(name)

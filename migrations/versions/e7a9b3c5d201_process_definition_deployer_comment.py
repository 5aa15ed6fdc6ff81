"""process definition deployer and comment: who deployed a version from the process library, and why

Revision ID: e7a9b3c5d201
Revises: b7e1c2d3f4a5
Create Date: 2026-12-04 01:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e7a9b3c5d201"
down_revision = "b7e1c2d3f4a5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_process_definition_deployed_by_id_app_user"),
            "app_user",
            ["deployed_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_process_definition_deployed_by_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_column("comment")
        batch_op.drop_column("deployed_by_id")

"""case clock readings for supervision: accepted_on, clock_stopped_on, legal_due_date; indexes

Revision ID: e7b3a9c1d5f2
Revises: e7a9b3c5d201
Create Date: 2026-12-04 01:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e7b3a9c1d5f2"
down_revision = "e7a9b3c5d201"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("accepted_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("clock_stopped_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("legal_due_date", sa.Date(), nullable=True))
    op.create_index("ix_case_file_submitted_at", "case_file", ["submitted_at"], unique=False)
    op.create_index("ix_case_file_due_date", "case_file", ["due_date"], unique=False)


def downgrade():
    op.drop_index("ix_case_file_due_date", table_name="case_file")
    op.drop_index("ix_case_file_submitted_at", table_name="case_file")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("legal_due_date")
        batch_op.drop_column("clock_stopped_on")
        batch_op.drop_column("accepted_on")

"""search by name: an index on the applicant's name that serves prefix matches (LIKE '张%')

Revision ID: d3c4d5e6f708
Revises: d2b3c4e5f607
Create Date: 2026-12-04 01:30:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "d3c4d5e6f708"
down_revision = "d2b3c4e5f607"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Pattern operators compare by code point, so LIKE 'prefix%' can seek whatever the collation.
        op.execute(
            "CREATE INDEX ix_case_file_applicant_name ON case_file (applicant_name varchar_pattern_ops)"
        )
    else:
        # SQLite's LIKE ignores ASCII case; only a NOCASE index serves it.
        op.execute("CREATE INDEX ix_case_file_applicant_name ON case_file (applicant_name COLLATE NOCASE)")


def downgrade():
    op.drop_index("ix_case_file_applicant_name", table_name="case_file")

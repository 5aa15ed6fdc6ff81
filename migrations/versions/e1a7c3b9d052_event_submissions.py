"""events from line systems: event_submission (idempotency keys and answers), cases and attachments a client sent without a user

Revision ID: e1a7c3b9d052
Revises: f4c8a2d6e913
Create Date: 2026-12-04 02:20:00

"""

from alembic import op
import sqlalchemy as sa
from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "e1a7c3b9d052"
down_revision = "f4c8a2d6e913"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_client.id"],
            name=op.f("fk_event_submission_client_id_api_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_event_submission_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_submission")),
        sa.UniqueConstraint("client_id", "key", name="uq_event_submission_client_id_key"),
    )
    with op.batch_alter_table("event_submission") as batch_op:
        batch_op.create_index(batch_op.f("ix_event_submission_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.alter_column("created_by_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.alter_column("uploaded_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.alter_column("uploaded_by_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.alter_column("created_by_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("event_submission") as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_submission_case_id"))
    op.drop_table("event_submission")

"""idempotency keys of the portal API (cases and attachments from no clerk: e1a7c3b9d052)

Revision ID: f5d9b3e7a124
Revises: e1a7c3b9d052
Create Date: 2026-12-04 02:15:00

"""

from alembic import op
import sqlalchemy as sa

from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "f5d9b3e7a124"
down_revision = "e1a7c3b9d052"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.Enum("running", "done", name="idempotencystate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_client.id"],
            name=op.f("fk_idempotency_key_client_id_api_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("client_id", "key", name="uq_idempotency_key_client_id_key"),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_key_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_key_created_at"))
    op.drop_table("idempotency_key")

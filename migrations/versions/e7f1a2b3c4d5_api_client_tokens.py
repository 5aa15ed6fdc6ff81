"""api client tokens: the access tokens POST /oauth/token issues to portals and line systems

Revision ID: e7f1a2b3c4d5
Revises: d3c4d5e6f708
Create Date: 2026-12-04 01:40:00

"""

from alembic import op
import sqlalchemy as sa

from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "e7f1a2b3c4d5"
down_revision = "d3c4d5e6f708"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_client_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_client.id"],
            name=op.f("fk_api_client_token_client_id_api_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_client_token_token_sha256")),
    )
    op.create_index(op.f("ix_api_client_token_client_id"), "api_client_token", ["client_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_api_client_token_client_id"), table_name="api_client_token")
    op.drop_table("api_client_token")

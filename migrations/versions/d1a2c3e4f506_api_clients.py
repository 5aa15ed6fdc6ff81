"""api clients: portals and line systems that call the service with OAuth2 client credentials

Revision ID: d1a2c3e4f506
Revises: c5f9d2e3b1a7
Create Date: 2026-12-04 01:20:00

"""

from alembic import op
import sqlalchemy as sa

from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "d1a2c3e4f506"
down_revision = "c5f9d2e3b1a7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("secret_rotated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_client_client_id")),
        sa.UniqueConstraint("name", name=op.f("uq_api_client_name")),
    )


def downgrade():
    op.drop_table("api_client")

"""server-side sessions and login origins: sessions are credential rows; lockout per (account, address); shared rate limits; demo accounts

Revision ID: a7c1e2d3f405
Revises: f2a4c6e8b013
Create Date: 2026-12-02 14:40:00

"""

from alembic import op
import sqlalchemy as sa

import workflow_service.models.base


# revision identifiers, used by Alembic.
revision = "a7c1e2d3f405"
down_revision = "f2a4c6e8b013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="bearer", nullable=False))
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demo_account", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        # The account-wide lock is gone: failures now block one (account, address) pair (login_origin).
        batch_op.drop_column("failed_login_count")
        batch_op.drop_column("locked_at")
    op.create_table(
        "login_origin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", workflow_service.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", workflow_service.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", workflow_service.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_origin")),
        sa.UniqueConstraint("username", "client_address", name=op.f("uq_login_origin_username")),
    )
    with op.batch_alter_table("login_origin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_origin_username"), ["username"], unique=False)
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hit")),
    )
    with op.batch_alter_table("rate_limit_hit", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_hit_key_at", ["key_sha256", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rate_limit_hit_at"), ["at"], unique=False)


def downgrade():
    with op.batch_alter_table("rate_limit_hit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_hit_at"))
        batch_op.drop_index("ix_rate_limit_hit_key_at")
    op.drop_table("rate_limit_hit")
    with op.batch_alter_table("login_origin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_origin_username"))
    op.drop_table("login_origin")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_login_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("demo_account")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("kind")

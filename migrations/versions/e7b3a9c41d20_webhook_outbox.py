"""webhook outbox: case events, client subscriptions, deliveries; the client that submitted a case

Revision ID: e7b3a9c41d20
Revises: e7a3b9c1d2f4
Create Date: 2026-12-04 01:25:00

"""

from alembic import op
import sqlalchemy as sa

from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "e7b3a9c41d20"
down_revision = "e7a3b9c1d2f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_by_client_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_file_submitted_by_client_id"), ["submitted_by_client_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_case_file_submitted_by_client_id_api_client"),
            "api_client",
            ["submitted_by_client_id"],
            ["id"],
        )
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "status-changed",
                "notice-issued",
                "result-ready",
                name="eventkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_outbox_event_case_id_case_file"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("case_id", "sequence", name="uq_outbox_event_case_id_sequence"),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_event_id")),
    )
    op.create_index("ix_outbox_event_dispatched_at_id", "outbox_event", ["dispatched_at", "id"])
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_kinds", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_client.id"], name=op.f("fk_webhook_subscription_client_id_api_client")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_index(op.f("ix_webhook_subscription_client_id"), "webhook_subscription", ["client_id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "running",
                "delivered",
                "dead",
                "skipped",
                name="deliverystate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=128), nullable=True),
        sa.Column("locked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_webhook_delivery_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_event.id"],
            name=op.f("fk_webhook_delivery_event_id_outbox_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint(
            "event_id", "subscription_id", name="uq_webhook_delivery_event_id_subscription_id"
        ),
    )
    op.create_index(
        "ix_webhook_delivery_state_next_attempt_at", "webhook_delivery", ["state", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_delivery_subscription_id_case_id_sequence",
        "webhook_delivery",
        ["subscription_id", "case_id", "sequence"],
    )


def downgrade():
    op.drop_index("ix_webhook_delivery_subscription_id_case_id_sequence", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_state_next_attempt_at", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index(op.f("ix_webhook_subscription_client_id"), table_name="webhook_subscription")
    op.drop_table("webhook_subscription")
    op.drop_index("ix_outbox_event_dispatched_at_id", table_name="outbox_event")
    op.drop_table("outbox_event")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_file_submitted_by_client_id_api_client"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_case_file_submitted_by_client_id"))
        batch_op.drop_column("submitted_by_client_id")

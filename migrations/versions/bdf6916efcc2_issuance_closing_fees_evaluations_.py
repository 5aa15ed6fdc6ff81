"""issuance and closing: result codes, delivery, licences, fees, evaluations and rectification tasks, duplicates

Revision ID: bdf6916efcc2
Revises: eae2fa5f5000
Create Date: 2026-11-25 17:18:22.697241

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "bdf6916efcc2"
down_revision = "eae2fa5f5000"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_fee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("unpaid", "paid", "waived", name="feestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("receipt_number", sa.String(length=64), nullable=True),
        sa.Column("waiver_reason", sa.Text(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_fee_case_id_case_file"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["settled_by_id"], ["app_user.id"], name=op.f("fk_case_fee_settled_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_fee")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_fee_case_id")),
    )
    with op.batch_alter_table("case_fee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_fee_status"), ["status"], unique=False)

    op.create_table(
        "electronic_licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("holder_name", sa.String(length=128), nullable=False),
        sa.Column("holder_id_number", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("issuing_organisation_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_electronic_licence_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issuing_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_electronic_licence_issuing_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_electronic_licence")),
        sa.UniqueConstraint("case_id", name=op.f("uq_electronic_licence_case_id")),
        sa.UniqueConstraint("number", name=op.f("uq_electronic_licence_number")),
    )
    with op.batch_alter_table("electronic_licence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_electronic_licence_holder_id_number"), ["holder_id_number"], unique=False
        )

    op.create_table(
        "case_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "rating",
            sa.Enum(
                "very_satisfied",
                "satisfied",
                "basically_satisfied",
                "dissatisfied",
                "very_dissatisfied",
                name="rating",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("public", "window", name="evaluationchannel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rectification_task_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_evaluation_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["app_user.id"], name=op.f("fk_case_evaluation_entered_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["rectification_task_id"], ["task.id"], name=op.f("fk_case_evaluation_rectification_task_id_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_evaluation")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_evaluation_case_id")),
    )
    with op.batch_alter_table("case_evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_evaluation_rating"), ["rating"], unique=False)

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "result_code",
                sa.Enum(
                    "granted",
                    "refused",
                    "not_accepted",
                    "returned",
                    "voided",
                    "withdrawn",
                    name="caseresult",
                    native_enum=False,
                    length=16,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("result_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("result_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("result_organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "delivery_method",
                sa.Enum("pickup", "mail", name="deliverymethod", native_enum=False, length=16),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("delivery_recipient_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("delivery_recipient_id_number", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("delivery_tracking_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_reason", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_file_result_code"), ["result_code"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_case_file_result_organisation_id_organisation"),
            "organisation",
            ["result_organisation_id"],
            ["id"],
        )

    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("licence_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("licence_valid_years", sa.Integer(), nullable=True))

    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum("workflow", "rectification", name="taskkind", native_enum=False, length=16),
                server_default="workflow",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.drop_column("licence_valid_years")
        batch_op.drop_column("licence_name")

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_file_result_organisation_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_case_file_result_code"))
        batch_op.drop_column("duplicate_reason")
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("delivery_tracking_number")
        batch_op.drop_column("delivery_recipient_id_number")
        batch_op.drop_column("delivery_recipient_name")
        batch_op.drop_column("delivery_method")
        batch_op.drop_column("result_organisation_id")
        batch_op.drop_column("result_at")
        batch_op.drop_column("result_reason")
        batch_op.drop_column("result_code")

    with op.batch_alter_table("case_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_evaluation_rating"))

    op.drop_table("case_evaluation")
    with op.batch_alter_table("electronic_licence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_electronic_licence_holder_id_number"))

    op.drop_table("electronic_licence")
    with op.batch_alter_table("case_fee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_fee_status"))

    op.drop_table("case_fee")

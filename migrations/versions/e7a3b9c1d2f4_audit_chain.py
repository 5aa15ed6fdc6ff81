"""audit chain: every audit row hash-chained to the one before it, the chain's head, and (PostgreSQL)
a trigger that refuses UPDATE, DELETE and TRUNCATE on audit_event

The rows already there are chained in id order, so ``flask audit-verify`` passes right after upgrade.

Revision ID: e7a3b9c1d2f4
Revises: e7f1a2b3c4d5
Create Date: 2026-12-04 01:30:00

"""

from alembic import op
import sqlalchemy as sa

from workflow_service.models.audit import GENESIS_HASH, HEAD_ID, canonical_content, chain_hash
from workflow_service.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = "e7a3b9c1d2f4"
down_revision = "e7f1a2b3c4d5"
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""

audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor_id", sa.Integer()),
    sa.column("actor_username", sa.String()),
    sa.column("organisation_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("case_id", sa.Integer()),
    sa.column("task_id", sa.String()),
    sa.column("summary", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def _chain_existing_rows(connection: sa.Connection) -> tuple[int | None, str]:
    previous, last_id = GENESIS_HASH, None
    rows = connection.execute(sa.select(audit_event).order_by(audit_event.c.id)).mappings().all()
    for row in rows:
        content = canonical_content(
            at=row["at"],
            actor_id=row["actor_id"],
            actor_username=row["actor_username"],
            organisation_id=row["organisation_id"],
            action=row["action"],
            case_id=row["case_id"],
            task_id=row["task_id"],
            summary=row["summary"],
        )
        current = chain_hash(previous, content)
        connection.execute(
            audit_event.update().where(audit_event.c.id == row["id"]).values(prev_hash=previous, hash=current)
        )
        previous, last_id = current, row["id"]
    return last_id, previous


def upgrade():
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    last_id, last_hash = _chain_existing_rows(connection)
    op.bulk_insert(head, [{"id": HEAD_ID, "last_id": last_id, "last_hash": last_hash}])
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_prev_hash"), ["prev_hash"])
    if connection.dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_prev_hash"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    op.drop_table("audit_chain_head")

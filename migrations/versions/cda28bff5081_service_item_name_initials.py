"""service item name initials: the catalogue search's pinyin key, stored so workers need no pypinyin

Revision ID: cda28bff5081
Revises: 5757a16686a4
Create Date: 2026-12-04 19:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "cda28bff5081"
down_revision = "5757a16686a4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_initials", sa.String(length=128), server_default="", nullable=False)
        )
    connection = op.get_bind()
    items = sa.table("service_item", sa.column("id", sa.Integer), sa.column("name", sa.String))
    rows = connection.execute(sa.select(items.c.id, items.c.name)).all()
    if not rows:
        return
    from pypinyin import Style, lazy_pinyin

    target = sa.table("service_item", sa.column("id", sa.Integer), sa.column("name_initials", sa.String))
    for item_id, name in rows:
        initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()
        connection.execute(sa.update(target).where(target.c.id == item_id).values(name_initials=initials))


def downgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.drop_column("name_initials")

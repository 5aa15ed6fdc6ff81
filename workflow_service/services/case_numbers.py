"""Case numbers (办件编号): county code + item short code + date + daily serial, from one generator.

Example: ``330783-GTDJ-20261125-0001``. Unique and gap-free per prefix under concurrency on both
databases: the counter row is created if missing, then incremented with ``UPDATE … RETURNING``,
which takes the row lock until the case's transaction commits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflow_service.extensions import db
from workflow_service.models import CaseNumberCounter


def next_case_number(county_code: str, item_short_code: str, day: date) -> str:
    prefix = f"{county_code}-{item_short_code}-{day:%Y%m%d}"
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(CaseNumberCounter)
        .values(prefix=prefix, last_serial=0)
        .on_conflict_do_nothing(index_elements=["prefix"])
    )
    serial = db.session.execute(
        update(CaseNumberCounter)
        .where(CaseNumberCounter.prefix == prefix)
        .values(last_serial=CaseNumberCounter.last_serial + 1)
        .returning(CaseNumberCounter.last_serial)
    ).scalar_one()
    return f"{prefix}-{serial:04d}"

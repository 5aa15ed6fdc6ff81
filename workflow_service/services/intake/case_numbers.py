"""Case numbers (办件编号), from one pluggable generator.

The default is county code + item short code + date + daily serial, e.g. ``330783-GTDJ-20261125-0001``:
unique and gap-free per prefix under concurrency on both databases, because the counter row is
created if missing, then incremented with ``UPDATE … RETURNING``, which holds the row lock until the
case's transaction commits. A deployment with its own numbering sets ``CASE_NUMBER_GENERATOR`` to the
dotted path of a function with the same signature as :func:`daily_serial_number`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app
from sqlalchemy import update
from werkzeug.utils import import_string

from workflow_service.database import upsert
from workflow_service.extensions import db
from workflow_service.models import CaseNumberCounter

CaseNumberGenerator = Callable[[str, str, date], str]


def next_case_number(county_code: str, item_short_code: str, day: date) -> str:
    """The next number from the configured generator (default :func:`daily_serial_number`)."""
    configured = current_app.config.get("CASE_NUMBER_GENERATOR")
    generator: CaseNumberGenerator = import_string(configured) if configured else daily_serial_number
    return generator(county_code, item_short_code, day)


def daily_serial_number(county_code: str, item_short_code: str, day: date) -> str:
    prefix = f"{county_code}-{item_short_code}-{day:%Y%m%d}"
    return f"{prefix}-{next_serial(prefix):04d}"


def next_serial(prefix: str) -> int:
    """The next serial under ``prefix`` (1 for a new one), unique and gap-free under concurrency.

    Other official numbers (licence numbers) count on the same table under prefixes of their own.
    """
    db.session.execute(
        upsert(CaseNumberCounter)
        .values(prefix=prefix, last_serial=0)
        .on_conflict_do_nothing(index_elements=["prefix"])
    )
    serial = db.session.execute(
        update(CaseNumberCounter)
        .where(CaseNumberCounter.prefix == prefix)
        .values(last_serial=CaseNumberCounter.last_serial + 1)
        .returning(CaseNumberCounter.last_serial)
    ).scalar_one()
    return int(serial)

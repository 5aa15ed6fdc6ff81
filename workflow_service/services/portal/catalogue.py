"""Entity tags of the catalogue, so a portal re-reads it only when it changed (``If-None-Match``).

Each tag is one aggregate statement, read before the catalogue itself: an unchanged item or list
costs that one statement and a 304. An item's tag follows its version (every change bumps it) and
the version of the process that runs it (a new deploy may change the application form); the list's
follows the number of items, the sum of their versions and their latest change.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from workflow_service.extensions import db
from workflow_service.models import ProcessDefinition, ServiceItem


def _tag(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def catalogue_tag() -> str:
    count, versions, latest = db.session.execute(
        select(
            func.count(ServiceItem.id),
            func.coalesce(func.sum(ServiceItem.version), 0),
            func.max(ServiceItem.updated_at),
        )
    ).one()
    return _tag("catalogue", count, versions, latest)


def item_tag(code: str) -> str | None:
    """The tag of the item with ``code`` as its detail is answered; None if there is no such item."""
    process_version = (
        select(func.max(ProcessDefinition.version))
        .where(ProcessDefinition.key == ServiceItem.process_key)
        .scalar_subquery()
    )
    found = db.session.execute(
        select(ServiceItem.id, ServiceItem.version, ServiceItem.process_key, process_version).where(
            ServiceItem.code == code
        )
    ).one_or_none()
    return None if found is None else _tag("item", *found)

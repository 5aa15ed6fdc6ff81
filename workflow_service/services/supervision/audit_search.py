"""Search the audit trail by case, actor, organisation, action and time, within the caller's scope,
newest first, a page at a time (keyset on the id) or all of it as CSV.

Scope (DESIGN.md §6): administrators see every row; a supervisor the rows about the cases they may
see (``directory.scope.visible_cases``) and the rows without a case written by someone of an
organisation in their region (their county and its townships, or their township); nobody else
reads the trail (403).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import aliased

from workflow_service.extensions import db
from workflow_service.models import AuditEvent, Case, Organisation, Region, RegionLevel, Role, User
from workflow_service.services import audit
from workflow_service.services.directory.scope import visible_cases
from workflow_service.services.supervision.audit_chain import require_supervision

RowQuery = Select[AuditEvent, str, str, str]  # the event, its case number, its organisation code and name
EXPORT_BATCH = 1000
CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "organisation",
    "action",
    "case",
    "task_id",
    "summary",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class AuditFilters:
    case: str | None = None  # case number
    actor: str | None = None  # username
    organisation: str | None = None  # organisation code
    action: str | None = None  # exact, or a prefix ending in ".*" ("task.*")
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    case_number: str | None
    organisation_code: str | None
    organisation_name: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    next_cursor: str | None


def _in_caller_region(user: User) -> ColumnElement[bool]:
    """Rows without a case, written by someone of an organisation in the supervisor's region."""
    region = user.organisation.region
    if region.level == RegionLevel.TOWNSHIP:
        regions: Any = [region.id]
    else:
        township = aliased(Region)
        regions = select(township.id).where(or_(township.id == region.id, township.parent_id == region.id))
    in_region = select(Organisation.id).where(Organisation.region_id.in_(regions))
    return and_(AuditEvent.case_id.is_(None), AuditEvent.organisation_id.in_(in_region))


def _scoped(caller: User) -> ColumnElement[bool]:
    if caller.has_role(Role.ADMIN):
        return true()
    return or_(and_(AuditEvent.case_id.is_not(None), visible_cases(caller)), _in_caller_region(caller))


def _query(caller: User, filters: AuditFilters) -> RowQuery:
    require_supervision(caller)
    # Aliased: the scope's subqueries read organisation too, and must not correlate with this one.
    actor_organisation = aliased(Organisation)
    query = (
        select(AuditEvent, Case.number, actor_organisation.code, actor_organisation.name)
        .outerjoin(Case, Case.id == AuditEvent.case_id)
        .outerjoin(actor_organisation, actor_organisation.id == AuditEvent.organisation_id)
        .where(_scoped(caller))
    )
    if filters.case:
        query = query.where(Case.number == filters.case)
    if filters.actor:
        query = query.where(AuditEvent.actor_username == filters.actor)
    if filters.organisation:
        query = query.where(actor_organisation.code == filters.organisation)
    if filters.action:
        if filters.action.endswith(".*"):
            query = query.where(AuditEvent.action.startswith(filters.action[:-1], autoescape=True))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.at < filters.until)
    return query.order_by(AuditEvent.id.desc())


def _rows(query: RowQuery) -> list[AuditRow]:
    return [AuditRow(event, number, code, name) for event, number, code, name in db.session.execute(query)]


def search_audit(
    caller: User, filters: AuditFilters, *, limit: int = 50, cursor: str | None = None
) -> AuditPage:
    """One page, newest first: the rows before ``cursor`` (a row id from the previous page)."""
    query = _query(caller, filters)
    if cursor and cursor.isdigit():
        query = query.where(AuditEvent.id < int(cursor))
    rows = _rows(query.limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, str(rows[-1].event.id) if more and rows else None)


def _csv_line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


def export_audit_csv(caller: User, filters: AuditFilters) -> str:
    """Every row the filters select, as CSV (with a BOM, for spreadsheets), newest first; the export
    is itself audited (查询留痕)."""
    query = _query(caller, filters)
    text = "".join(_export_lines(query))
    audit.record_read(
        "read.audit_export", caller, summary={k: _plain(v) for k, v in vars(filters).items() if v}
    )
    return text


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _export_lines(query: RowQuery) -> Iterator[str]:
    yield "\ufeff" + _csv_line(list(CSV_COLUMNS))
    before: int | None = None
    while True:
        batch_query = query if before is None else query.where(AuditEvent.id < before)
        batch = _rows(batch_query.limit(EXPORT_BATCH))
        for row in batch:
            event = row.event
            yield _csv_line(
                [
                    event.id,
                    event.at.isoformat(),
                    event.actor_username or "",
                    row.organisation_code or "",
                    event.action,
                    row.case_number or "",
                    event.task_id or "",
                    json.dumps(event.summary, ensure_ascii=False, sort_keys=True),
                    event.prev_hash,
                    event.hash,
                ]
            )
        if len(batch) < EXPORT_BATCH:
            return
        before = batch[-1].event.id

"""The supervisor's case list: every case in their scope, filtered, in keyset pages, and as XLSX."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import Case, User
from workflow_service.services.clock import BUSINESS_TIMEZONE, business_day
from workflow_service.services.directory.scope import visible_cases
from workflow_service.services.process.case_status import STATUS_LABELS
from workflow_service.services.supervision.case_filters import (
    CaseFilters,
    DueState,
    conditions,
    due_state_of,
    require_supervisor,
    soon_until_for,
    without_jit,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# An export is one workbook in memory: beyond this, narrow the filters.
EXPORT_LIMIT = 20_000
DUE_LABELS = {DueState.ON_TIME: "按时", DueState.DUE_SOON: "即将到期", DueState.OVERDUE: "超期"}


@dataclass(frozen=True)
class CaseListRow:
    case: Case
    due_state: DueState | None


@dataclass(frozen=True)
class CaseListPage:
    rows: list[CaseListRow]
    # Opaque to callers: pass it back as ``cursor`` for the next page; None on the last page.
    next_cursor: str | None


def _parse_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isdigit():
        raise InvalidInput("翻页参数无效", errors={"cursor": ["翻页参数无效"]})
    return int(cursor)


def _query(actor: User, filters: CaseFilters, after: int | None, limit: int) -> list[Case]:
    # Newest registered first by id: ids only grow, so "after this id" is a stable keyset.
    query = (
        select(Case)
        .options(
            joinedload(Case.service_item),
            joinedload(Case.accepting_organisation),
            joinedload(Case.competent_organisation),
            joinedload(Case.matter_region),
        )
        .where(visible_cases(actor), *conditions(filters))
        .order_by(Case.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(Case.id < after)
    return list(db.session.execute(query).scalars())


def _rows(cases: list[Case]) -> list[CaseListRow]:
    today = business_day()
    soon: dict[int, date] = {}
    rows = []
    for case in cases:
        warning = case.service_item.warning_days
        if warning not in soon:
            soon[warning] = soon_until_for(warning, today)
        rows.append(CaseListRow(case, due_state_of(case, today, soon[warning])))
    return rows


def list_cases(
    actor: User, filters: CaseFilters, cursor: str | None = None, page_size: int = PAGE_SIZE
) -> CaseListPage:
    """One page of the cases in the actor's scope matching ``filters``, newest first (one statement,
    and on PostgreSQL one more that turns JIT off)."""
    require_supervisor(actor)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    # The planner prices a page over a million cases above the JIT threshold: compiling cost
    # ~120 ms of a filtered page whose plan runs in 3 ms (bench/million_cases.py).
    without_jit()
    cases = _query(actor, filters, _parse_cursor(cursor), page_size + 1)
    more = len(cases) > page_size
    cases = cases[:page_size]
    return CaseListPage(_rows(cases), str(cases[-1].id) if more else None)


HEADERS = (
    "办件编号",
    "事项",
    "申请人",
    "状态",
    "乡镇（事项所在地）",
    "乡镇功能类型",
    "受理窗口",
    "承办单位",
    "渠道",
    "登记时间",
    "受理日期",
    "承诺办结期限",
    "法定办结期限",
    "办结日期",
    "到期状态",
)
FUNCTION_TYPE_LABELS = {"economic": "经济型", "ecological": "生态型", "composite": "复合型"}


def export_cases(actor: User, filters: CaseFilters) -> bytes:
    """All matching cases (up to ``EXPORT_LIMIT``) as an XLSX workbook, the list's columns in Chinese."""
    require_supervisor(actor)
    without_jit()
    rows = _rows(_query(actor, filters, None, EXPORT_LIMIT))
    from openpyxl import Workbook  # ~20 MiB: loaded by the first export, not by every worker

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("办件")
    sheet.append(list(HEADERS))
    for row in rows:
        case = row.case
        township = case.matter_region
        sheet.append(
            [
                case.number,
                case.service_item.name,
                case.applicant_name,
                STATUS_LABELS.get(case.status, str(case.status)),
                township.name,
                FUNCTION_TYPE_LABELS.get(str(township.function_type or ""), ""),
                case.accepting_organisation.name,
                case.competent_organisation.name if case.competent_organisation else "",
                case.channel,
                case.submitted_at.astimezone(BUSINESS_TIMEZONE).strftime("%Y-%m-%d %H:%M"),
                case.accepted_on,
                case.due_date,
                case.legal_due_date,
                case.clock_stopped_on,
                DUE_LABELS.get(row.due_state, "") if row.due_state else "",
            ]
        )
    return workbook_bytes(workbook)


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

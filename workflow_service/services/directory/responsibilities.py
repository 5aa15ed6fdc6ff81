"""The responsibility list (部门职责乡镇配合事项清单): import it, read it, find an item by code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import select

from workflow_service.errors import NotFound
from workflow_service.extensions import db
from workflow_service.models import OfficeType, ResponsibilityItem, User
from workflow_service.services import audit
from workflow_service.services.directory.import_files import LineErrors, Row, rows_from_file

SECTION = "responsibilities"
CATEGORIES = ("审批服务", "行政执法", "社会管理")
CODE = re.compile(r"^[A-Z]{2}-\d{3}$")
DEPARTMENT_TYPE = re.compile(r"^[a-z][a-z_]{1,63}$")


def responsibility_rows(path: Path) -> list[Row]:
    return rows_from_file(path, (SECTION,), SECTION, list_fields=("working_situations",))


def _check(row: Row, errors: LineErrors, seen: set[str]) -> None:
    values = row.values
    code = str(values.get("code") or "")
    if not CODE.match(code):
        errors.add(row, "code 须形如 SP-001")
    elif code in seen:
        errors.add(row, f"code {code} 在文件中重复")
    seen.add(code)
    for required in ("matter", "township_duty"):
        if not str(values.get(required) or "").strip():
            errors.add(row, f"缺少 {required}")
    if values.get("category") not in CATEGORIES:
        errors.add(row, f"category 须为 {' / '.join(CATEGORIES)}")
    if not DEPARTMENT_TYPE.match(str(values.get("lead_department_type") or "")):
        errors.add(row, "lead_department_type 须为小写英文标识，如 civil_affairs")
    situations = values.get("working_situations") or []
    if not isinstance(situations, list) or not all(isinstance(s, str) and s for s in situations):
        errors.add(row, "working_situations 须为文字列表")
    office = values.get("cooperating_office_type")
    if office is not None and office not in {o.value for o in OfficeType}:
        errors.add(row, f"cooperating_office_type 须为 {' / '.join(o.value for o in OfficeType)}")


def import_responsibilities(
    rows: Iterable[Row],
    actor: User | None = None,
    source: str = "",
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Check every row, then create or update all items in one transaction; returns (created, updated)."""
    rows = list(rows)
    errors = LineErrors()
    seen: set[str] = set()
    for row in rows:
        _check(row, errors, seen)
    errors.raise_if_any()
    existing = {item.code: item for item in db.session.execute(select(ResponsibilityItem)).scalars()}
    created = updated = 0
    for row in rows:
        values = {
            "code": row.values["code"],
            "matter": row.values["matter"],
            "category": row.values["category"],
            "lead_department_type": row.values["lead_department_type"],
            "township_duty": row.values["township_duty"],
            "working_situations": list(row.values.get("working_situations") or []),
            "cooperating_office_type": row.values.get("cooperating_office_type"),
            "process_key": row.values.get("process_key"),
            "bpmn_task_id": row.values.get("bpmn_task_id"),
        }
        item = existing.get(values["code"])
        if item is None:
            db.session.add(ResponsibilityItem(**values))
            created += 1
        else:
            for name, value in values.items():
                setattr(item, name, value)
            updated += 1
        if progress:
            progress(1)
    audit.record(
        "responsibilities.imported", actor, summary={"source": source, "created": created, "updated": updated}
    )
    db.session.commit()
    return created, updated


def list_responsibilities(
    category: str | None = None, department_type: str | None = None
) -> list[ResponsibilityItem]:
    query = select(ResponsibilityItem).order_by(ResponsibilityItem.code)
    if category:
        query = query.where(ResponsibilityItem.category == category)
    if department_type:
        query = query.where(ResponsibilityItem.lead_department_type == department_type)
    return list(db.session.execute(query).scalars())


def responsibility_by_code(code: str) -> ResponsibilityItem:
    item = db.session.execute(
        select(ResponsibilityItem).where(ResponsibilityItem.code == code)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(f"配合事项 {code} 不存在")
    return item

"""Administer organisations: list, create and change them, keeping the shape routing relies on.

* A service centre or township office is in a township; an office names its ``office_type``.
* A county department or dispatched station is in a county and names its ``department_type``.
* A station has a parent department of the same type in the same county, and covers townships of
  that county; two active stations of one type do not cover the same township.
* A county has at most one active department of each type, a township one active office of each
  type: routing looks them up by type and expects one answer.
* An organisation is deactivated only once nothing is left with it: no open task (a supervisor
  reassigns them first) and no active account (moved to another organisation or disabled first).
  Routing never sends new tasks to an inactive one (services.directory.routing).

Over 400 lines with one job: the shape rules above are checked by both create and update, and
kept beside them so a rule and the operations it guards are read together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from workflow_service.errors import AlreadyExists, InvalidInput, NotFound, OrganisationInUse
from workflow_service.extensions import db
from workflow_service.models import (
    OfficeType,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Task,
    TaskState,
    User,
    station_coverage,
)
from workflow_service.services import audit
from workflow_service.services.directory.permissions import require_admin

CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$")
MAX_NAME_LENGTH = 128
MAX_TYPE_LENGTH = 64
TOWNSHIP_KINDS = frozenset({OrganisationKind.SERVICE_CENTRE, OrganisationKind.OFFICE})
BACK_OFFICE_KINDS = frozenset({OrganisationKind.DEPARTMENT, OrganisationKind.STATION})
KIND_NAMES = tuple(kind.value for kind in OrganisationKind)
# What a PATCH may change; code, kind and region are an organisation's identity.
CHANGEABLE = frozenset({"name", "department_type", "office_type", "parent", "covered_townships", "active"})


@dataclass
class _Draft:
    """An organisation as it would be after the change, with its references resolved."""

    code: str
    name: str
    kind: OrganisationKind
    region: Region
    department_type: str | None
    office_type: str | None
    parent: Organisation | None
    covered: list[Region]
    active: bool


def _query() -> Any:
    return select(Organisation).options(
        joinedload(Organisation.region),
        joinedload(Organisation.parent),
        selectinload(Organisation.covered_townships),
    )


def _organisation(code: str) -> Organisation:
    organisation = db.session.execute(_query().where(Organisation.code == code)).scalar_one_or_none()
    if organisation is None:
        raise NotFound(f"机构 {code} 不存在")
    return organisation


def _region(code: str, field: str, errors: dict[str, list[str]]) -> Region | None:
    region = db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is None:
        errors[field] = [f"没有编码为 {code} 的区划"]
    return region


def _kind(value: str, errors: dict[str, list[str]]) -> OrganisationKind | None:
    try:
        return OrganisationKind(value)
    except ValueError:
        errors["kind"] = [f"机构类型须为 {' / '.join(KIND_NAMES)}"]
        return None


def _parent(code: str | None, errors: dict[str, list[str]]) -> Organisation | None:
    if not code:
        return None
    parent = db.session.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
    if parent is None:
        errors["parent"] = [f"没有编码为 {code} 的机构"]
    return parent


def _townships(codes: Sequence[str], errors: dict[str, list[str]]) -> list[Region]:
    unique = list(dict.fromkeys(codes))
    found = {
        region.code: region
        for region in db.session.execute(select(Region).where(Region.code.in_(unique))).scalars()
    }
    wrong = [code for code in unique if code not in found or found[code].level != RegionLevel.TOWNSHIP]
    if wrong:
        errors["covered_townships"] = [f"不是乡镇（街道）区划代码：{', '.join(wrong)}"]
    return [found[code] for code in unique if code not in wrong]


def _text_problems(value: str | None, maximum: int) -> list[str]:
    if value is None or not value.strip():
        return ["必填"]
    return [f"不能超过 {maximum} 个字符"] if len(value) > maximum else []


def _optional(value: str | None) -> str | None:
    """Blank means none (a CLI option or JSON field given as "")."""
    if value is None:
        return None
    return value.strip() or None


def _shape_errors(draft: _Draft) -> dict[str, list[str]]:
    """The rules of the module docstring that concern this organisation alone."""
    errors: dict[str, list[str]] = {}
    kind, region = draft.kind, draft.region
    if kind in TOWNSHIP_KINDS and region.level != RegionLevel.TOWNSHIP:
        errors["region"] = ["便民服务中心和乡镇办公室须位于乡镇（街道）"]
    if kind in BACK_OFFICE_KINDS and region.level != RegionLevel.COUNTY:
        errors["region"] = ["县级部门和派驻机构的所在区划须为县（市、区）"]
    if kind == OrganisationKind.OFFICE and not draft.office_type:
        errors["office_type"] = [f"乡镇办公室须有 office_type（如 {', '.join(o.value for o in OfficeType)}）"]
    if kind != OrganisationKind.OFFICE and draft.office_type:
        errors["office_type"] = ["只有乡镇办公室有 office_type"]
    if kind in BACK_OFFICE_KINDS and not draft.department_type:
        errors["department_type"] = ["县级部门和派驻机构须有 department_type"]
    if kind in TOWNSHIP_KINDS and draft.department_type:
        errors["department_type"] = ["只有县级部门和派驻机构有 department_type"]
    for field, value in (("department_type", draft.department_type), ("office_type", draft.office_type)):
        if value and len(value) > MAX_TYPE_LENGTH:
            errors[field] = [f"不能超过 {MAX_TYPE_LENGTH} 个字符"]
    if kind != OrganisationKind.STATION:
        if draft.parent is not None:
            errors["parent"] = ["只有派驻机构有上级部门"]
        if draft.covered:
            errors["covered_townships"] = ["只有派驻机构覆盖乡镇（街道）"]
        return errors
    parent = draft.parent
    if parent is None:
        errors.setdefault("parent", ["派驻机构须有上级部门"])
    elif parent.kind != OrganisationKind.DEPARTMENT:
        errors["parent"] = [f"{parent.code} 不是县级部门"]
    elif parent.department_type != draft.department_type or parent.region_id != region.id:
        errors["parent"] = [f"派驻机构须与上级部门 {parent.code} 同类型（department_type）、同县"]
    if not draft.covered:
        errors.setdefault("covered_townships", ["派驻机构须列出覆盖的乡镇（街道）"])
    outside = [township.code for township in draft.covered if township.parent_id != region.id]
    if outside:
        errors["covered_townships"] = [f"不在 {region.name} 内：{', '.join(outside)}"]
    return errors


def _overlapping_coverage(draft: _Draft, organisation_id: int | None) -> list[str]:
    """Townships an active station of the same type already covers (routing would pick one at random)."""
    if draft.kind != OrganisationKind.STATION or not draft.active or not draft.covered:
        return []
    rows = db.session.execute(
        select(Region.code, Organisation.code)
        .join(station_coverage, station_coverage.c.township_id == Region.id)
        .join(Organisation, Organisation.id == station_coverage.c.station_id)
        .where(
            Region.id.in_([township.id for township in draft.covered]),
            Organisation.kind == OrganisationKind.STATION,
            Organisation.department_type == draft.department_type,
            Organisation.active.is_(True),
            Organisation.id != (organisation_id or -1),
        )
        .order_by(Region.code)
    ).all()
    return [f"{township} 已由 {station} 覆盖" for township, station in rows]


def _check_unique_slot(draft: _Draft, organisation_id: int | None) -> None:
    """One active department per type and county, one active office per type and township (409)."""
    if not draft.active or draft.kind not in (OrganisationKind.DEPARTMENT, OrganisationKind.OFFICE):
        return
    if draft.kind == OrganisationKind.DEPARTMENT:
        type_column, type_value = Organisation.department_type, draft.department_type
    else:
        type_column, type_value = Organisation.office_type, draft.office_type
    other = db.session.execute(
        select(Organisation.code).where(
            Organisation.kind == draft.kind,
            Organisation.region_id == draft.region.id,
            type_column == type_value,
            Organisation.active.is_(True),
            Organisation.id != (organisation_id or -1),
        )
    ).scalar()
    if other is not None:
        raise AlreadyExists(f"{draft.region.name}已有同类型（{type_value}）的机构 {other}")


def _check_fields(draft: _Draft, organisation_id: int | None, errors: dict[str, list[str]]) -> None:
    """Raise every field error at once (422): those found resolving references, and the rules'."""
    if problems := _text_problems(draft.name, MAX_NAME_LENGTH):
        errors["name"] = problems
    for field, messages in _shape_errors(draft).items():
        errors.setdefault(field, []).extend(m for m in messages if m not in errors[field])
    if "covered_townships" not in errors and (overlaps := _overlapping_coverage(draft, organisation_id)):
        errors["covered_townships"] = overlaps
    if errors:
        raise InvalidInput("机构信息有误", errors=errors)


def _check_nothing_left(organisation: Organisation) -> None:
    """Refuse (409) to deactivate an organisation that still has open tasks or active accounts.

    Nothing is moved or disabled silently: the problem names how many tasks and which accounts, so
    the admin (with a supervisor, for the tasks) decides where each goes.
    """
    open_tasks = db.session.execute(
        select(func.count())
        .select_from(Task)
        .where(Task.organisation_id == organisation.id, Task.state == TaskState.OPEN)
    ).scalar_one()
    staff = list(
        db.session.execute(
            select(User)
            .where(User.organisation_id == organisation.id, User.active.is_(True))
            .order_by(User.username)
        ).scalars()
    )
    if not open_tasks and not staff:
        return
    reasons = []
    if open_tasks:
        reasons.append(f"还有 {open_tasks} 件未办结的任务，请先由督办人员将其改派到其他机构")
    if staff:
        names = "、".join(f"{user.full_name}（{user.username}）" for user in staff)
        reasons.append(f"还有 {len(staff)} 个在用账户：{names}，请先将其调到其他机构或停用")
    raise OrganisationInUse(
        f"{organisation.name}不能停用：" + "；".join(reasons) + "。",
        extensions={
            "open_tasks": open_tasks,
            "active_users": [{"username": user.username, "full_name": user.full_name} for user in staff],
        },
    )


def snapshot(organisation: Organisation) -> dict[str, Any]:
    """The organisation as audit rows record it (references by code)."""
    return {
        "name": organisation.name,
        "kind": organisation.kind.value,
        "region": organisation.region.code,
        "department_type": organisation.department_type,
        "office_type": organisation.office_type,
        "parent": organisation.parent.code if organisation.parent else None,
        "covered_townships": sorted(township.code for township in organisation.covered_townships),
        "active": organisation.active,
    }


def list_organisations(
    actor: User | None,
    kind: str | None = None,
    region_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Organisation]:
    """Organisations by code, of one kind and/or serving a region.

    Serving: located in the region or below it (a county includes its townships), or a station
    covering a township there.
    """
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    query = _query().order_by(Organisation.code)
    if kind is not None and (chosen := _kind(kind, errors)) is not None:
        query = query.where(Organisation.kind == chosen)
    if region_code is not None and (region := _region(region_code, "region", errors)) is not None:
        children = select(Region.id).where(Region.parent_id == region.id)
        within = select(Region.id).where(
            or_(Region.id == region.id, Region.parent_id == region.id, Region.parent_id.in_(children))
        )
        covering = select(station_coverage.c.station_id).where(station_coverage.c.township_id.in_(within))
        query = query.where(or_(Organisation.region_id.in_(within), Organisation.id.in_(covering)))
    if errors:
        raise InvalidInput("查询条件有误", errors=errors)
    return list(db.session.execute(query.limit(limit).offset(offset)).scalars())


def get_organisation(actor: User | None, code: str) -> Organisation:
    require_admin(actor)
    return _organisation(code)


def create_organisation(
    actor: User | None,
    *,
    code: str,
    name: str,
    kind: str,
    region_code: str,
    department_type: str | None = None,
    office_type: str | None = None,
    parent_code: str | None = None,
    covered_townships: Sequence[str] = (),
    active: bool = True,
) -> Organisation:
    """A new organisation; 409 if the code (or its department / office slot) is taken. Audited."""
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not CODE.match(code):
        errors["code"] = ["机构编码须为 1 至 32 个字母、数字或 . _ -，以字母或数字开头"]
    elif db.session.execute(select(Organisation.id).where(Organisation.code == code)).first():
        raise AlreadyExists(f"机构编码 {code} 已存在")
    chosen_kind = _kind(kind, errors)
    region = _region(region_code, "region", errors)
    parent = _parent(_optional(parent_code), errors)
    covered = _townships(covered_townships, errors)
    if chosen_kind is None or region is None:
        if problems := _text_problems(name, MAX_NAME_LENGTH):
            errors["name"] = problems
        raise InvalidInput("机构信息有误", errors=errors)
    draft = _Draft(
        code=code,
        name=name.strip(),
        kind=chosen_kind,
        region=region,
        department_type=_optional(department_type),
        office_type=_optional(office_type),
        parent=parent,
        covered=covered,
        active=active,
    )
    _check_fields(draft, None, errors)
    _check_unique_slot(draft, None)
    organisation = Organisation(
        code=code,
        name=draft.name,
        kind=draft.kind,
        region=draft.region,
        department_type=draft.department_type,
        office_type=draft.office_type,
        parent=draft.parent,
        covered_townships=draft.covered,
        active=draft.active,
    )
    db.session.add(organisation)
    try:
        db.session.flush()
    except IntegrityError:  # created meanwhile by someone else
        db.session.rollback()
        raise AlreadyExists(f"机构编码 {code} 已存在") from None
    audit.record("organisation.created", actor, summary={"code": code, "after": snapshot(organisation)})
    db.session.commit()
    return organisation


def update_organisation(actor: User | None, code: str, changes: Mapping[str, Any]) -> Organisation:
    """Change name, types, parent, covered townships or ``active``; audited with before and after.

    :raises OrganisationInUse: deactivating while open tasks or active accounts are left (409).
    """
    require_admin(actor)
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise InvalidInput("不能修改", errors={field: ["不能修改"] for field in sorted(unknown)})
    organisation = _organisation(code)
    errors: dict[str, list[str]] = {}
    parent = organisation.parent
    if "parent" in changes:
        parent = _parent(_optional(changes["parent"]), errors)
    covered = list(organisation.covered_townships)
    if "covered_townships" in changes:
        covered = _townships(changes["covered_townships"], errors)
    draft = _Draft(
        code=code,
        name=changes["name"].strip() if changes.get("name") is not None else organisation.name,
        kind=organisation.kind,
        region=organisation.region,
        department_type=_optional(changes.get("department_type", organisation.department_type)),
        office_type=_optional(changes.get("office_type", organisation.office_type)),
        parent=parent,
        covered=covered,
        active=bool(changes.get("active", organisation.active)),
    )
    has_stations = select(Organisation.id).where(Organisation.parent_id == organisation.id)
    if draft.department_type != organisation.department_type and db.session.execute(has_stations).first():
        errors["department_type"] = ["该部门下有派驻机构，不能修改其类型"]
    _check_fields(draft, organisation.id, errors)
    _check_unique_slot(draft, organisation.id)
    if organisation.active and not draft.active:
        _check_nothing_left(organisation)

    before = snapshot(organisation)
    organisation.name = draft.name
    organisation.department_type = draft.department_type
    organisation.office_type = draft.office_type
    organisation.parent = draft.parent
    organisation.covered_townships = draft.covered
    organisation.active = draft.active
    after = snapshot(organisation)
    changed = [field for field in after if after[field] != before[field]]
    if changed:
        audit.record(
            "organisation.updated",
            actor,
            summary={
                "code": code,
                "before": {field: before[field] for field in changed},
                "after": {field: after[field] for field in changed},
            },
        )
    db.session.commit()
    return organisation

"""The service catalogue (实施清单): load it, change it as an analyst, keep every version.

Every change bumps the item's version and stores a snapshot (fields and materials), audited with
what changed; a case records the version it was registered under, so a later change never
rewrites what an applicant was told.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflow_service.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    AcceptanceMode,
    ApplicantKind,
    BodyNature,
    ItemType,
    MaterialForm,
    Role,
    ServiceItem,
    ServiceItemVersion,
    ServiceMaterial,
    TimeUnit,
    User,
)
from workflow_service.services import audit
from workflow_service.services.catalogue import eligibility
from workflow_service.services.catalogue.pinyin import pinyin_initials
from workflow_service.services.clock import now
from workflow_service.services.directory.import_files import LineErrors, Row, rows_from_file
from workflow_service.services.process.deployment import deployed_process_keys, latest_definition

EDITORS = (Role.ANALYST, Role.ADMIN)
SECTION = "service_items"
CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
SHORT_CODE = re.compile(r"^[A-Z]{2,8}$")
SCALAR_FIELDS = (
    "name",
    "short_code",
    "basic_code",
    "implementation_code",
    "item_type",
    "department_type",
    "process_key",
    "acceptance_mode",
    "instant",
    "joint_handling",
    "legal_limit_days",
    "legal_limit_unit",
    "promised_limit_days",
    "promised_limit_unit",
    "warning_days",
    "acceptance_limit_days",
    "visits_required",
    "fee_required",
    "fee_basis",
    "fee_amount",
    "licence_name",
    "licence_valid_years",
    "body_name",
    "body_code",
    "body_nature",
    "exercise_level",
    "legal_basis",
    "acceptance_conditions",
    "service_objects",
    "service_location",
    "service_hours",
    "consultation",
    "complaint",
    "in_service_hall",
    "joint_organisations",
)
# The 实施清单's text fields and their lengths (None: unbounded).
TEXT_FIELDS: dict[str, int | None] = {
    "body_name": 128,
    "body_code": 32,
    "exercise_level": 64,
    "legal_basis": None,
    "acceptance_conditions": None,
    "service_objects": 64,
    "service_location": None,
    "service_hours": None,
    "consultation": None,
    "complaint": None,
    "joint_organisations": None,
}
# Other text fields and the lengths of their columns.
BOUNDED_FIELDS: dict[str, int] = {
    "name": 128,
    "basic_code": 64,
    "implementation_code": 64,
    "department_type": 64,
    "process_key": 128,
    "fee_basis": 1000,
}
MAX_DAYS = 3650
# The channels whose applications an item may send through 预审 (``pre_review``): online, at the window.
PRE_REVIEW_CHANNELS = ("portal", "window")
MATERIAL_TEXT_FIELDS: dict[str, int] = {"source_channel": 64, "blank_form": 255, "sample_form": 255}
ENUMS: dict[str, type[enum.Enum]] = {
    "item_type": ItemType,
    "acceptance_mode": AcceptanceMode,
    "legal_limit_unit": TimeUnit,
    "promised_limit_unit": TimeUnit,
}
# Enums a field may leave out (None).
OPTIONAL_ENUMS: dict[str, type[enum.Enum]] = {"body_nature": BodyNature}
DEFAULTS: dict[str, Any] = {
    "item_type": ItemType.LICENSING.value,
    "acceptance_mode": AcceptanceMode.LOCAL.value,
    "instant": False,
    "joint_handling": False,
    "legal_limit_unit": TimeUnit.WORKING_DAY.value,
    "promised_limit_unit": TimeUnit.WORKING_DAY.value,
    "warning_days": 1,
    "acceptance_limit_days": 5,
    "visits_required": 1,
    "fee_required": False,
    "in_service_hall": False,
}


def catalogue_rows(path: Path) -> list[Row]:
    return rows_from_file(path, (SECTION,), SECTION)


def _add_field_error(errors: LineErrors, row: Row, field: str, message: str) -> None:
    errors.add(row, f"{field}: {message}")


def _check_item(values: Mapping[str, Any], complain: Callable[[str, str], None]) -> None:
    """Report every problem of one item's values through ``complain(field, message)``."""
    if not CODE.match(str(values.get("code") or "")):
        complain("code", "须为小写英文标识，如 individual_business_registration")
    if not SHORT_CODE.match(str(values.get("short_code") or "")):
        complain("short_code", "须为 2–8 个大写字母")
    for required in ("name", "department_type", "process_key"):
        if not str(values.get(required) or "").strip():
            complain(required, "必填")
    for name, limit in BOUNDED_FIELDS.items():
        value = values.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            complain(name, f"不能超过 {limit} 个字符")
    for name, enum_class in ENUMS.items():
        value = values.get(name, DEFAULTS.get(name))
        if value not in {member.value for member in enum_class}:
            complain(name, f"取值须为 {' / '.join(m.value for m in enum_class)}")
    for name in (
        "legal_limit_days",
        "promised_limit_days",
        "warning_days",
        "acceptance_limit_days",
        "visits_required",
    ):
        value = values.get(name, DEFAULTS.get(name))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            complain(name, "须为非负整数")
        elif value > MAX_DAYS:
            complain(name, f"不能超过 {MAX_DAYS}")
    legal, promised = values.get("legal_limit_days"), values.get("promised_limit_days")
    same_unit = values.get("legal_limit_unit", "working_day") == values.get(
        "promised_limit_unit", "working_day"
    )
    if isinstance(legal, int) and isinstance(promised, int) and same_unit and promised > legal:
        complain("promised_limit_days", "承诺时限不能长于法定时限")
    if values.get("instant") and promised not in (0, None):
        complain("promised_limit_days", "即办件的承诺时限须为 0（当场办结）")
    if values.get("fee_required") and not values.get("fee_basis"):
        complain("fee_basis", "收费事项须写明收费依据")
    _check_fee_amount(
        values.get("fee_amount"), bool(values.get("fee_required")), functools.partial(complain, "fee_amount")
    )
    licence_name = values.get("licence_name")
    if licence_name is not None and not (
        isinstance(licence_name, str) and 0 < len(licence_name.strip()) <= 128
    ):
        complain("licence_name", "证照名称须为 1–128 个字符，或不填（不出证照）")
    years = values.get("licence_valid_years")
    if years is not None and (not isinstance(years, int) or isinstance(years, bool) or years < 1):
        complain("licence_valid_years", "须为正整数（年），长期有效的不填")
    if years is not None and licence_name is None:
        complain("licence_valid_years", "不出证照的事项无须填写有效期")
    for name, enum_class in OPTIONAL_ENUMS.items():
        value = values.get(name)
        if value is not None and value not in {member.value for member in enum_class}:
            complain(name, f"取值须为 {' / '.join(m.value for m in enum_class)}，或不填")
    for name, length in TEXT_FIELDS.items():
        _check_text(values.get(name), length, functools.partial(complain, name))
    if not isinstance(values.get("in_service_hall", False), bool):
        complain("in_service_hall", "须为 true 或 false")
    kinds = values.get("applicant_kinds")
    known_kinds = {kind.value for kind in ApplicantKind}
    if kinds is not None and (
        not isinstance(kinds, list) or not kinds or not all(kind in known_kinds for kind in kinds)
    ):
        complain(
            "applicant_kinds",
            f"须为非空列表，取值为 {' / '.join(sorted(known_kinds))}，或不填（自然人和法人）",
        )
    channels = values.get("pre_review")
    if channels is not None and (
        not isinstance(channels, list)
        or not channels
        or not all(channel in PRE_REVIEW_CHANNELS for channel in channels)
        or len(set(channels)) != len(channels)
    ):
        complain(
            "pre_review",
            f"须为非空列表，取值为 {' / '.join(PRE_REVIEW_CHANNELS)}（网上申请 / 窗口申请），"
            "或不填（无预审）",
        )
    eligibility.declaration_errors(values.get("eligibility"), complain)
    materials = values.get("materials") or []
    if not isinstance(materials, list):
        complain("materials", "须为列表")
        return
    for index, material in enumerate(materials):
        if not isinstance(material, Mapping) or not str(material.get("name") or "").strip():
            complain(f"materials.{index}.name", "必填")
            continue
        if material.get("form", "original") not in {form.value for form in MaterialForm}:
            complain(
                f"materials.{index}.form", "取值须为 original（原件）/ copy（复印件）/ electronic（电子件）"
            )
        if material.get("deferrable") and not material.get("required", True):
            complain(f"materials.{index}.deferrable", "可容缺只适用于必需材料")
        if len(str(material["name"])) > 255:
            complain(f"materials.{index}.name", "不能超过 255 个字符")
        copies = material.get("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= 100:
            complain(f"materials.{index}.copies", "须为 1–100 的整数")
        _check_text(material.get("note"), 1000, functools.partial(complain, f"materials.{index}.note"))
        for name, length in MATERIAL_TEXT_FIELDS.items():
            _check_text(material.get(name), length, functools.partial(complain, f"materials.{index}.{name}"))


def _check_fee_amount(value: Any, required: bool, complain: Callable[[str], None]) -> None:
    """An amount in yuan that fits the column (two decimals); a charged item must have one."""
    if value is None:
        if required:
            complain("收费事项须有金额（元）")
        return
    try:
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        complain("须为金额（元），如 20 或 20.50")
        return
    if amount < 0:
        complain("须为非负金额")
    elif amount >= 10**10 or amount != amount.quantize(Decimal("0.01")):
        complain("须在 0 至 9999999999.99 之间，至多两位小数")


def _check_text(value: Any, length: int | None, complain: Callable[[str], None]) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        complain("须为文字，或不填")
    elif length is not None and len(value) > length:
        complain(f"不能超过 {length} 个字符")


def _scalar_values(values: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        value = values.get(name, DEFAULTS.get(name))
        if name in ENUMS and value is not None:
            value = ENUMS[name](value)
        if name in OPTIONAL_ENUMS and value is not None:
            value = OPTIONAL_ENUMS[name](value)
        if name == "fee_amount" and value is not None:
            value = Decimal(str(value))
        result[name] = value
    return result


def _materials(values: Mapping[str, Any]) -> list[ServiceMaterial]:
    return [
        ServiceMaterial(
            position=index,
            name=material["name"],
            form=MaterialForm(material.get("form", "original")),
            copies=int(material.get("copies", 1)),
            required=bool(material.get("required", True)),
            deferrable=bool(material.get("deferrable", False)),
            note=material.get("note"),
            **{name: material.get(name) for name in MATERIAL_TEXT_FIELDS},
        )
        for index, material in enumerate(values.get("materials") or [])
    ]


def snapshot(item: ServiceItem) -> dict[str, Any]:
    """The item as plain JSON: what a case registered under this version was told."""
    data: dict[str, Any] = {"code": item.code}
    for name in SCALAR_FIELDS:
        value = getattr(item, name)
        data[name] = str(value) if isinstance(value, Decimal) else getattr(value, "value", value)
    data["materials"] = [
        {
            "name": m.name,
            "form": m.form.value,
            "copies": m.copies,
            "required": m.required,
            "deferrable": m.deferrable,
            "note": m.note,
            **{name: getattr(m, name) for name in MATERIAL_TEXT_FIELDS},
        }
        for m in item.materials
    ]
    data["eligibility"] = [dict(rule) for rule in item.eligibility or []]
    data["applicant_kinds"] = list(item.applicant_kinds) if item.applicant_kinds else None
    data["pre_review"] = list(item.pre_review) if item.pre_review else None
    return data


def _record_version(item: ServiceItem, actor: User | None) -> ServiceItemVersion:
    db.session.flush()
    version = ServiceItemVersion(
        service_item_id=item.id,
        version=item.version,
        snapshot=snapshot(item),
        created_at=now(),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    return version


def _apply(item: ServiceItem, values: Mapping[str, Any]) -> None:
    old_name = item.name
    for name, value in _scalar_values(values).items():
        setattr(item, name, value)
    if item.name != old_name or not item.name_initials:  # the search's key, worked out on writing
        item.name_initials = pinyin_initials(item.name)
    item.materials = _materials(values)
    item.eligibility = [dict(rule) for rule in values.get("eligibility") or []]
    item.applicant_kinds = list(values["applicant_kinds"]) if values.get("applicant_kinds") else None
    item.pre_review = list(values["pre_review"]) if values.get("pre_review") else None
    item.updated_at = now()


def load_catalogue(
    rows: Iterable[Row],
    actor: User | None = None,
    source: str = "",
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int, int]:
    """Check every item, then create new ones and version changed ones: (created, changed, unchanged)."""
    rows = list(rows)
    errors = LineErrors()
    seen: set[str] = set()
    for row in rows:
        _check_item(row.values, functools.partial(_add_field_error, errors, row))
        if row.values.get("code") in seen:
            errors.add(row, f"code {row.values.get('code')} 在文件中重复")
        seen.add(str(row.values.get("code")))
    errors.raise_if_any()
    existing = {item.code: item for item in db.session.execute(select(ServiceItem)).scalars()}
    created = changed = unchanged = 0
    for row in rows:
        item = existing.get(row.values["code"])
        if item is None:
            item = ServiceItem(code=row.values["code"], version=1)
            _apply(item, row.values)
            db.session.add(item)
            _record_version(item, actor)
            created += 1
        else:
            before = snapshot(item)
            _apply(item, row.values)
            db.session.flush()
            if snapshot(item) == before:
                unchanged += 1
            else:
                item.version += 1
                _record_version(item, actor)
                audit.record(
                    "service_item.changed", actor, summary={"code": item.code, "version": item.version}
                )
                changed += 1
        if progress:
            progress(1)
    audit.record(
        "catalogue.loaded",
        actor,
        summary={"source": source, "created": created, "changed": changed, "unchanged": unchanged},
    )
    db.session.commit()
    return created, changed, unchanged


def service_item(code: str) -> ServiceItem:
    item = db.session.execute(select(ServiceItem).where(ServiceItem.code == code)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"没有编码为 {code} 的事项")
    return item


def current_version(item: ServiceItem) -> ServiceItemVersion:
    """The snapshot row of the item's current version (made on demand for items older than versioning)."""
    version = db.session.execute(
        select(ServiceItemVersion).where(
            ServiceItemVersion.service_item_id == item.id, ServiceItemVersion.version == item.version
        )
    ).scalar_one_or_none()
    return version or _record_version(item, None)


class StaleServiceItem(Conflict):
    title = "事项已被他人修改，请刷新后重试"
    type_slug = "stale-service-item"


def may_edit_catalogue(actor: User) -> bool:
    return any(actor.has_role(role) for role in EDITORS)


def require_catalogue_editor(actor: User) -> None:
    if not may_edit_catalogue(actor):
        raise PermissionDenied("只有流程管理员可以修改事项")


def change_service_item(
    actor: User, code: str, changes: Mapping[str, Any], expected_version: int | None = None
) -> ServiceItem:
    """An analyst changes an item: checked as a whole, versioned, audited with the fields that changed.

    With ``expected_version`` (the version the analyst's form was filled in from) a change to an item
    that moved on meanwhile is refused (409) and nothing is written.
    """
    require_catalogue_editor(actor)
    item = db.session.execute(
        select(ServiceItem).where(ServiceItem.code == code).with_for_update()
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(f"没有编码为 {code} 的事项")
    if expected_version is not None and item.version != expected_version:
        raise StaleServiceItem(
            f"事项已被他人修改：您编辑的是第 {expected_version} 版，现为第 {item.version} 版。"
            "您的修改未保存，请查看最新版本后重新修改",
            extensions={"current_version": item.version},
        )
    before = snapshot(item)
    if "code" in changes and changes["code"] != code:
        raise InvalidInput("事项编码不能修改", errors={"code": ["事项编码不能修改"]})
    proposed = {**before, **changes, "code": code}
    field_errors: dict[str, list[str]] = {}
    _check_item(proposed, lambda field, message: field_errors.setdefault(field, []).append(message))
    key = proposed.get("process_key")
    if key != before.get("process_key") and key and key not in deployed_process_keys():
        field_errors.setdefault("process_key", []).append(f"流程 {key} 尚未部署")
    if field_errors:
        raise InvalidInput("事项信息有误", errors=field_errors)
    _apply(item, proposed)
    db.session.flush()
    after = snapshot(item)
    changed_fields = sorted(name for name in after if after[name] != before.get(name))
    if changed_fields:
        item.version += 1
        _record_version(item, actor)
        audit.record(
            "service_item.changed",
            actor,
            summary={"code": code, "version": item.version, "fields": changed_fields},
        )
    db.session.commit()
    return item


def item_versions(code: str) -> list[ServiceItemVersion]:
    item = service_item(code)
    return list(
        db.session.execute(
            select(ServiceItemVersion)
            .where(ServiceItemVersion.service_item_id == item.id)
            .order_by(ServiceItemVersion.version)
        ).scalars()
    )


@dataclass(frozen=True)
class ServiceItemView:
    """An item with the process that runs it and the application form its cases start with."""

    item: ServiceItem
    process_key: str
    process_version: int
    application_form: dict | None


def list_service_items() -> list[ServiceItem]:
    # The materials with the items: the list shows them, and one statement beats one per item.
    return list(
        db.session.execute(
            select(ServiceItem).options(selectinload(ServiceItem.materials)).order_by(ServiceItem.code)
        ).scalars()
    )


def service_item_view(code: str) -> ServiceItemView:
    item = service_item(code)
    definition = latest_definition(item.process_key)
    form = definition.forms.get(definition.start_form_key) if definition.start_form_key else None
    return ServiceItemView(item, definition.key, definition.version, form)


def pre_review_applies(terms: Mapping[str, Any], channel: str) -> bool:
    """Whether an application from ``channel`` waits in 预审 under the item version ``terms``."""
    return channel in (terms.get("pre_review") or ())

"""Acceptance decisions beyond accept/refuse: 补正 notices ("一次性告知") and 容缺受理 (deferred materials).

A 受理 form names materials by the names in the catalogue version the case was registered under:
``missing_materials`` (with an optional ``supplement_note``) when the step enters 补正, and
``deferred_materials`` (with ``deferred_until`` and the applicant's ``deferral_promise``) when it
enters 受理 without some 可容缺 materials. The lists differ per case, so JSON Schema cannot check
them; ``record_acceptance_step`` does, from what the engine step reached, and also refuses a
decision (办结) while a deferred material is still owed.

The fields, not the task, say what a step does: a review form with ``missing_materials`` and
``supplement_note`` sends an accepted case back to the window (退回补正) through the same notice,
count and receipt; after acceptance the note (the reason for sending it back) is required.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from workflow_service.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseStatus,
    DeferredMaterial,
    Role,
    SupplementNotice,
    Task,
    User,
)
from workflow_service.services import audit
from workflow_service.services.calendar.deadlines import add_working_days
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.intake.cases import CaseView, view_case
from workflow_service.services.materials.checklist import case_materials
from workflow_service.services.process.case_status import has_been_accepted

MISSING = "missing_materials"
SUPPLEMENT_NOTE = "supplement_note"
DEFERRED = "deferred_materials"
DEFERRED_UNTIL = "deferred_until"
PROMISE = "deferral_promise"
DECISIONS = frozenset({CaseStatus.APPROVED, CaseStatus.REFUSED})


class DeferredMaterialsOutstanding(Conflict):
    title = "容缺受理的材料尚未补交，不能作出决定"
    type_slug = "deferred-materials-outstanding"


class DeferredMaterialAlreadyReceived(Conflict):
    title = "该容缺材料已收取"
    type_slug = "deferred-material-already-received"


class CaseEnded(Conflict):
    title = "办件已结束"
    type_slug = "case-ended"


def task_form(task: Task) -> dict[str, Any] | None:
    """The task's form as staff see it: the 补正 and 容缺 lists offer the case's own material names,
    in any form that has them (受理, or a review that may send the case back for 补正).

    Only a hint for form renderers; completion is checked against the deployed form and, per
    case, by ``record_acceptance_step``. Without a 可容缺 material the 容缺 fields are left out.
    """
    form = task.case.process_definition.forms.get(task.form_key) if task.form_key else None
    if not form or not ({MISSING, DEFERRED} & set(form.get("properties", {}))):
        return form
    form = copy.deepcopy(form)
    properties = form["properties"]
    materials = case_materials(task.case)
    deferrable = [str(m["name"]) for m in materials if m.get("deferrable")]
    if MISSING in properties:
        properties[MISSING].setdefault("items", {})["enum"] = [str(m["name"]) for m in materials]
    if DEFERRED in properties:
        if deferrable:
            properties[DEFERRED].setdefault("items", {})["enum"] = deferrable
        else:
            for field in (DEFERRED, DEFERRED_UNTIL, PROMISE):
                properties.pop(field, None)
    return form


def _names(
    data: Mapping[str, Any], field: str, known: Mapping[str, Mapping[str, Any]], errors: dict[str, list[str]]
) -> list[str]:
    """The material names a list field holds, in order; every unknown or repeated name is reported."""
    raw = data.get(field)
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        errors.setdefault(f"data.{field}", []).append("须为材料名称的列表")
        return []
    names = [name.strip() for name in raw]
    unknown = [name for name in names if name not in known]
    if unknown:
        errors.setdefault(f"data.{field}", []).append(f"不是本事项的申请材料：{'、'.join(unknown)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.setdefault(f"data.{field}", []).append(f"重复列出：{'、'.join(repeated)}")
    return [name for name in dict.fromkeys(names) if name in known]


def _promised_on(data: Mapping[str, Any], errors: dict[str, list[str]]) -> date:
    raw = data.get(DEFERRED_UNTIL)
    today = business_day()
    if raw in (None, ""):
        return add_working_days(today, current_app.config["DEFERRED_MATERIAL_WORKING_DAYS"])
    try:
        promised = date.fromisoformat(str(raw))
    except ValueError:
        errors.setdefault(f"data.{DEFERRED_UNTIL}", []).append("须为日期，如 2026-12-01")
        return today
    if promised <= today:
        errors.setdefault(f"data.{DEFERRED_UNTIL}", []).append("补交期限须晚于今天")
    return promised


@dataclass(frozen=True)
class _Entries:
    missing: list[dict[str, Any]]
    note: str | None
    deferred: list[str]
    promised_on: date | None


def _checked_entries(case: Case, data: Mapping[str, Any], reached: set[CaseStatus]) -> _Entries:
    """The 补正 and 容缺 entries of the form, checked against the case's materials and the step taken."""
    materials = {str(m["name"]): m for m in case_materials(case)}
    errors: dict[str, list[str]] = {}
    missing = _names(data, MISSING, materials, errors)
    deferred = _names(data, DEFERRED, materials, errors)
    note = str(data.get(SUPPLEMENT_NOTE) or "").strip() or None
    if CaseStatus.SUPPLEMENT in reached:
        if not missing and f"data.{MISSING}" not in errors:
            errors[f"data.{MISSING}"] = ["要求补正时须一次性列明需补正的全部材料"]
        if note is None and has_been_accepted(case.status_history):
            # 退回补正: the applicant learns from the notice why an accepted case came back.
            errors[f"data.{SUPPLEMENT_NOTE}"] = ["退回补正须写明理由"]
    elif missing:
        errors.setdefault(f"data.{MISSING}", []).append("只有要求补正时才列出需补正的材料")
    promised_on = None
    if deferred:
        if CaseStatus.ACCEPTED not in reached:
            errors.setdefault(f"data.{DEFERRED}", []).append("容缺只适用于受理：不予受理或要求补正时不能容缺")
        not_deferrable = [name for name in deferred if not materials[name].get("deferrable")]
        if not_deferrable:
            errors.setdefault(f"data.{DEFERRED}", []).append(
                f"以下材料不可容缺，须补正后受理：{'、'.join(not_deferrable)}"
            )
        if data.get(PROMISE) is not True:
            errors[f"data.{PROMISE}"] = ["容缺受理须申请人签署书面承诺（补交容缺材料）"]
        promised_on = _promised_on(data, errors)
    elif data.get(DEFERRED_UNTIL) not in (None, ""):
        errors[f"data.{DEFERRED_UNTIL}"] = ["没有容缺的材料，无须填写补交期限"]
    if errors:
        raise InvalidInput("受理材料填写有误", errors=errors)
    return _Entries([dict(materials[name]) for name in missing], note, deferred, promised_on)


def outstanding_materials(case: Case) -> list[DeferredMaterial]:
    """The case's deferred materials not yet handed in, earliest promise first."""
    return list(
        db.session.execute(
            select(DeferredMaterial)
            .where(DeferredMaterial.case_id == case.id, DeferredMaterial.received_at.is_(None))
            .order_by(DeferredMaterial.promised_on, DeferredMaterial.id)
        ).scalars()
    )


def _refuse_decision_while_owed(case: Case) -> None:
    owed = outstanding_materials(case)
    if owed:
        listed = "、".join(f"{m.name}（承诺{m.promised_on.isoformat()}前补交）" for m in owed)
        raise DeferredMaterialsOutstanding(
            f"容缺受理的材料尚未补交：{listed}。须由受理窗口收取后才能作出决定"
        )


def _open_notice(case: Case) -> SupplementNotice | None:
    return db.session.execute(
        select(SupplementNotice)
        .where(SupplementNotice.case_id == case.id, SupplementNotice.received_at.is_(None))
        .order_by(SupplementNotice.sequence.desc())
        .limit(1)
    ).scalar_one_or_none()


def _issue_notice(case: Case, task: Task, actor: User, entries: _Entries) -> None:
    case.supplement_count = (case.supplement_count or 0) + 1
    notice = SupplementNotice(
        case_id=case.id,
        sequence=case.supplement_count,
        materials=entries.missing,
        note=entries.note,
        task_id=task.id,
        issued_at=now(),
        issued_by_id=actor.id,
    )
    db.session.add(notice)
    audit.record(
        "case.supplement_requested",
        actor,
        case=case,
        task_id=task.id,
        summary={
            "count": notice.sequence,
            "task": task.name,
            "materials": [m["name"] for m in entries.missing],
            "note": entries.note,
        },
    )


def _defer(case: Case, task: Task, actor: User, entries: _Entries) -> None:
    assert entries.promised_on is not None  # set whenever materials are deferred
    for name in entries.deferred:
        db.session.add(
            DeferredMaterial(
                case_id=case.id,
                name=name,
                promised_on=entries.promised_on,
                task_id=task.id,
                deferred_at=now(),
                deferred_by_id=actor.id,
            )
        )
    audit.record(
        "case.materials_deferred",
        actor,
        case=case,
        task_id=task.id,
        summary={"materials": entries.deferred, "promised_on": entries.promised_on.isoformat()},
    )


def record_acceptance_step(
    case: Case, task: Task, actor: User, data: Mapping[str, Any], statuses_reached: Sequence[str]
) -> None:
    """Check and record what completing ``task`` with ``data`` decided, before the step is applied.

    Entering 补正 — from 受理, or back from a review (退回补正) — issues a notice listing every
    missing material (and counts it); entering 受理 with deferred materials records them with the
    promised date; any task completed while the case waits in 补正 takes the supplemented materials
    in; reaching a decision while a deferred material is owed is refused (409). Invalid lists are
    422 naming the materials.
    """
    reached = {CaseStatus(value) for value in statuses_reached}
    if reached & DECISIONS:
        _refuse_decision_while_owed(case)
    entries = _checked_entries(case, data, reached)
    if case.status == CaseStatus.SUPPLEMENT:
        notice = _open_notice(case)
        if notice is not None:
            notice.received_at = now()
            notice.received_by_id = actor.id
            audit.record(
                "case.supplement_received",
                actor,
                case=case,
                task_id=task.id,
                summary={"count": notice.sequence},
            )
    if CaseStatus.SUPPLEMENT in reached:
        _issue_notice(case, task, actor, entries)
    if entries.deferred:
        _defer(case, task, actor, entries)


def supplement_notices(case: Case) -> list[SupplementNotice]:
    """The case's 补正 notices, first first."""
    return list(
        db.session.execute(
            select(SupplementNotice)
            .where(SupplementNotice.case_id == case.id)
            .order_by(SupplementNotice.sequence)
        ).scalars()
    )


def latest_notice(case: Case) -> SupplementNotice | None:
    notices = supplement_notices(case)
    return notices[-1] if notices else None


def deferred_materials(case: Case) -> list[DeferredMaterial]:
    """Every material the case was accepted without, received or not, in the order deferred."""
    return list(
        db.session.execute(
            select(DeferredMaterial).where(DeferredMaterial.case_id == case.id).order_by(DeferredMaterial.id)
        ).scalars()
    )


def is_overdue(material: DeferredMaterial) -> bool:
    """Still owed after the promised day."""
    return material.received_at is None and business_day() > material.promised_on


def receive_deferred_material(actor: User, number: str, material_id: int, note: str | None) -> CaseView:
    """The accepting window takes a deferred material in (audited); the last one frees the decision."""
    case = get_visible_case(actor, number)
    material = db.session.execute(
        select(DeferredMaterial).where(
            DeferredMaterial.id == material_id, DeferredMaterial.case_id == case.id
        )
    ).scalar_one_or_none()
    if material is None:
        raise NotFound(f"办件 {number} 没有此容缺材料")
    if not actor.has_role(Role.CLERK) or actor.organisation_id != case.accepting_organisation_id:
        raise PermissionDenied("只有受理该办件的窗口人员可以收取容缺材料")
    if material.received_at is not None:
        raise DeferredMaterialAlreadyReceived(
            f"{material.name} 已于 {business_day(material.received_at).isoformat()} 收取"
        )
    if case.ended_at is not None:
        raise CaseEnded(f"办件 {number} 已结束，无须再收取材料")
    material.received_at = now()
    material.received_by_id = actor.id
    material.received_note = note
    late = business_day(material.received_at) > material.promised_on
    db.session.flush()
    still_owed = db.session.execute(
        select(func.count(DeferredMaterial.id)).where(
            DeferredMaterial.case_id == case.id, DeferredMaterial.received_at.is_(None)
        )
    ).scalar_one()
    audit.record(
        "case.deferred_material_received",
        actor,
        case=case,
        summary={
            "material": material.name,
            "promised_on": material.promised_on.isoformat(),
            "late": late,
            "still_owed": still_owed,
            "note": note,
        },
    )
    db.session.commit()
    return view_case(actor, number)

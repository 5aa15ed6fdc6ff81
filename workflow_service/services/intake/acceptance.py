"""Acceptance decisions beyond accept/refuse: 补正 notices ("一次性告知") and 容缺受理 (deferred materials).

A 受理 form names materials by the names in the catalogue version the case was registered under:
``missing_materials`` (with an optional ``supplement_note``) when the step enters 补正, and
``deferred_materials`` (with ``deferred_until`` and the applicant's ``deferral_promise``) when it
enters 受理 without some 可容缺 materials (the names: services.process.form_fields). The lists
differ per case, so JSON Schema cannot check them; ``check_material_lists`` does, from what the
engine step reached. The step-effect table (services.work.step_effects) says when each function
here runs: it also refuses a decision (办结) while a deferred material is still owed.

Each 补正 notice schedules a job for the day after its deadline (``supplement_deadline``, the day the
printed notice names); the worker returns (退件) a case still waiting then (services.closing.closing),
and materials received in time cancel the job.

The fields, not the task, say what a step does: a review form with ``missing_materials`` and
``supplement_note`` sends an accepted case back to the window (退回补正) through the same notice,
count and receipt; after acceptance the note (the reason for sending it back) is required.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from workflow_service.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import (
    Attachment,
    Case,
    CaseStatus,
    DeferredMaterial,
    JobKind,
    Role,
    SupplementNotice,
    Task,
    User,
)
from workflow_service.services import audit
from workflow_service.services.calendar.deadlines import add_working_days
from workflow_service.services.clock import BUSINESS_TIMEZONE, business_day, now
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.materials.checklist import case_materials
from workflow_service.services.process import jobs
from workflow_service.services.process.case_status import has_been_accepted
from workflow_service.services.process.form_fields import (
    DEFERRAL_PROMISE,
    DEFERRED_MATERIALS,
    DEFERRED_UNTIL,
    MISSING_MATERIALS,
    SUPPLEMENT_NOTE,
    FormField,
)
from workflow_service.services.process.step_effects import CompletedStep

# Working days the applicant has to bring what a 补正 notice asks for, unless the item's catalogue
# entry says otherwise (``supplement_limit_days``).
SUPPLEMENT_DEADLINE_DAYS = 10


def supplement_deadline(case: Case, asked_on: date) -> date:
    """The day a 补正 notice asks the materials by: the item's ``supplement_limit_days`` working days
    after the notice (``SUPPLEMENT_DEADLINE_DAYS`` unless the catalogue says otherwise)."""
    version = case.service_item_version
    terms = version.snapshot if version is not None else {}
    days = int(terms.get("supplement_limit_days") or SUPPLEMENT_DEADLINE_DAYS)
    return add_working_days(asked_on, days)


def supplement_job_ref(notice: SupplementNotice) -> str:
    """The ``task_ref`` of the deadline job of a case's 补正 notice (one job per notice)."""
    return f"supplement-{notice.sequence}"


def _schedule_deadline(case: Case, notice: SupplementNotice) -> None:
    """The job that returns the case once the notice's deadline day has passed (Asia/Shanghai)."""
    deadline = supplement_deadline(case, business_day(notice.issued_at))
    after = datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=BUSINESS_TIMEZONE)
    jobs.schedule(
        JobKind.SUPPLEMENT_DEADLINE,
        case,
        supplement_job_ref(notice),
        after.astimezone(UTC),
        deadline=deadline.isoformat(),
        sequence=notice.sequence,
    )


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
    case, by ``check_material_lists``. Without a 可容缺 material the 容缺 fields are left out.
    """
    form = task.case.process_definition.forms.get(task.form_key) if task.form_key else None
    if not form or not ({MISSING_MATERIALS.name, DEFERRED_MATERIALS.name} & set(form.get("properties", {}))):
        return form
    form = copy.deepcopy(form)
    properties = form["properties"]
    materials = case_materials(task.case)
    deferrable = [str(m["name"]) for m in materials if m.get("deferrable")]
    if MISSING_MATERIALS.name in properties:
        properties[MISSING_MATERIALS.name].setdefault("items", {})["enum"] = [
            str(m["name"]) for m in materials
        ]
    if DEFERRED_MATERIALS.name in properties:
        if deferrable:
            properties[DEFERRED_MATERIALS.name].setdefault("items", {})["enum"] = deferrable
        else:
            for field in (DEFERRED_MATERIALS, DEFERRED_UNTIL, DEFERRAL_PROMISE):
                properties.pop(field.name, None)
    return form


def _names(
    data: Mapping[str, Any],
    field: FormField,
    known: Mapping[str, Mapping[str, Any]],
    errors: dict[str, list[str]],
) -> list[str]:
    """The material names a list field holds, in order; every unknown or repeated name is reported."""
    raw = field.get(data)
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        errors.setdefault(field.error_key, []).append("须为材料名称的列表")
        return []
    names = [name.strip() for name in raw]
    unknown = [name for name in names if name not in known]
    if unknown:
        errors.setdefault(field.error_key, []).append(f"不是本事项的申请材料：{'、'.join(unknown)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.setdefault(field.error_key, []).append(f"重复列出：{'、'.join(repeated)}")
    return [name for name in dict.fromkeys(names) if name in known]


def _promised_on(data: Mapping[str, Any], errors: dict[str, list[str]]) -> date:
    raw = DEFERRED_UNTIL.get(data)
    today = business_day()
    if raw in (None, ""):
        return add_working_days(today, current_app.config["DEFERRED_MATERIAL_WORKING_DAYS"])
    try:
        promised = date.fromisoformat(str(raw))
    except ValueError:
        errors.setdefault(DEFERRED_UNTIL.error_key, []).append("须为日期，如 2026-12-01")
        return today
    if promised <= today:
        errors.setdefault(DEFERRED_UNTIL.error_key, []).append("补交期限须晚于今天")
    return promised


@dataclass(frozen=True)
class _Entries:
    missing: list[dict[str, Any]]
    note: str | None
    deferred: list[str]
    promised_on: date | None


def _checked_entries(step: CompletedStep) -> _Entries:
    """The 补正 and 容缺 entries of the form, checked against the case's materials and the step taken."""
    case, data, reached = step.case, step.data, step.reached
    materials = {str(m["name"]): m for m in case_materials(case)}
    errors: dict[str, list[str]] = {}
    missing = _names(data, MISSING_MATERIALS, materials, errors)
    deferred = _names(data, DEFERRED_MATERIALS, materials, errors)
    note = str(SUPPLEMENT_NOTE.get(data) or "").strip() or None
    if CaseStatus.SUPPLEMENT in reached:
        if not missing and MISSING_MATERIALS.error_key not in errors:
            errors[MISSING_MATERIALS.error_key] = ["要求补正时须一次性列明需补正的全部材料"]
        if note is None and has_been_accepted(case.status_history):
            # 退回补正: the applicant learns from the notice why an accepted case came back.
            errors[SUPPLEMENT_NOTE.error_key] = ["退回补正须写明理由"]
    elif missing:
        errors.setdefault(MISSING_MATERIALS.error_key, []).append("只有要求补正时才列出需补正的材料")
    promised_on = None
    if deferred:
        if CaseStatus.ACCEPTED not in reached:
            errors.setdefault(DEFERRED_MATERIALS.error_key, []).append(
                "容缺只适用于受理：不予受理或要求补正时不能容缺"
            )
        not_deferrable = [name for name in deferred if not materials[name].get("deferrable")]
        if not_deferrable:
            errors.setdefault(DEFERRED_MATERIALS.error_key, []).append(
                f"以下材料不可容缺，须补正后受理：{'、'.join(not_deferrable)}"
            )
        if DEFERRAL_PROMISE.get(data) is not True:
            errors[DEFERRAL_PROMISE.error_key] = ["容缺受理须申请人签署书面承诺（补交容缺材料）"]
        promised_on = _promised_on(data, errors)
    elif DEFERRED_UNTIL.get(data) not in (None, ""):
        errors[DEFERRED_UNTIL.error_key] = ["没有容缺的材料，无须填写补交期限"]
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


def refuse_decision_while_owed(step: CompletedStep) -> None:
    """A step into a decision (办结) waits for every 容缺 material: 409 naming those still owed."""
    owed = outstanding_materials(step.case)
    if owed:
        listed = "、".join(f"{m.name}（承诺{m.promised_on.isoformat()}前补交）" for m in owed)
        raise DeferredMaterialsOutstanding(
            f"容缺受理的材料尚未补交：{listed}。须由受理窗口收取后才能作出决定"
        )


def open_notice(case: Case) -> SupplementNotice | None:
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
    _schedule_deadline(case, notice)
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


def check_material_lists(step: CompletedStep) -> None:
    """Any form's 补正 and 容缺 lists: the case's own materials, and only where the step leads to
    补正 (at least one named) or 受理 (each 可容缺, with the promise); else 422 naming them."""
    _checked_entries(step)


def _receive(case: Case, task: Task, actor: User | None, notice: SupplementNotice, **summary: str) -> None:
    notice.received_at = now()
    notice.received_by_id = actor.id if actor else None
    jobs.cancel_pending(JobKind.SUPPLEMENT_DEADLINE, case, supplement_job_ref(notice))
    audit.record(
        "case.supplement_received",
        actor,
        case=case,
        task_id=task.id,
        summary={"count": notice.sequence, **summary},
    )


def receive_supplement(step: CompletedStep) -> None:
    """A task completed while the case waits in 补正 takes the supplemented materials in."""
    notice = open_notice(step.case)
    if notice is not None:
        _receive(step.case, step.task, step.actor, notice)


def supplemented_online(case: Case) -> SupplementNotice | None:
    """The open 补正 notice of a case not yet accepted whose every material the applicant has sent
    online since it was issued (services.work.tasks.take_in_online_supplement then completes the
    wait); None while something is still missing, after acceptance, or without a notice."""
    if case.status != CaseStatus.SUPPLEMENT or has_been_accepted(case.status_history):
        return None
    notice = open_notice(case)
    if notice is None:
        return None
    sent = set(
        db.session.execute(
            select(Attachment.material_name).where(
                Attachment.case_id == case.id,
                Attachment.uploaded_by_id.is_(None),
                Attachment.uploaded_at >= notice.issued_at,
            )
        ).scalars()
    )
    asked = {str(material["name"]) for material in notice.materials}
    return notice if asked <= sent else None


def receive_supplement_online(case: Case, task: Task, notice: SupplementNotice, client_name: str) -> None:
    """The applicant sent the notice's materials through the portal ``client_name``: received."""
    _receive(case, task, None, notice, client=client_name)


def issue_supplement_notice(step: CompletedStep) -> None:
    """Entering 补正 — from 受理, or back from a review (退回补正) — issues a notice listing every
    missing material, and counts it."""
    _issue_notice(step.case, step.task, step.actor, _checked_entries(step))


def defer_materials(step: CompletedStep) -> None:
    """Entering 受理 with deferred materials (容缺受理) records each with the promised date."""
    entries = _checked_entries(step)
    if entries.deferred:
        _defer(step.case, step.task, step.actor, entries)


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


def receive_deferred_material(actor: User, number: str, material_id: int, note: str | None) -> Case:
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
    return case

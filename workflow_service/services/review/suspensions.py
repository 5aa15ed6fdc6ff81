"""Suspend a case for a special procedure (特别程序) and resume it; the deadline clock stands still meanwhile.

The kinds are those the supervision tables name (听证, 招标/拍卖, 检验/检测/检疫, 鉴定, 专家评审,
现场核查, 公示, 其他). 行政许可法 Art. 45: the time they need is not counted in the limit, and the
applicant is told of it in writing (the 特别程序告知书, services.notices.documents); the end records
what the procedure found and when the applicant was told.

Only an approver of the organisation holding the case's open department task may do either: the
back office that is deciding knows when an inspection, publicity or expert review is needed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from workflow_service.errors import Conflict, PermissionDenied, StaleCase
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseStatus,
    CaseSuspension,
    Role,
    SuspensionKind,
    Task,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.calendar.deadlines import add_working_days
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.process.progress import change_status

KIND_LABELS = {
    SuspensionKind.HEARING: "听证",
    SuspensionKind.TENDER_AUCTION: "招标、拍卖",
    SuspensionKind.TESTING: "检验、检测、检疫",
    SuspensionKind.APPRAISAL: "鉴定",
    SuspensionKind.EXPERT_REVIEW: "专家评审",
    SuspensionKind.INSPECTION: "现场核查",
    SuspensionKind.PUBLICITY: "公示",
    SuspensionKind.OTHER: "其他",
}
SUSPENDABLE = frozenset({CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW})


class CaseNotSuspendable(Conflict):
    title = "办件当前不能中止"
    type_slug = "case-not-suspendable"


class CaseNotSuspended(Conflict):
    title = "办件未处于中止状态"
    type_slug = "case-not-suspended"


class CaseSuspended(Conflict):
    title = "办件已中止，暂停审查"
    type_slug = "case-suspended"


def _department_tasks(case: Case) -> list[Task]:
    return list(
        db.session.execute(
            select(Task).where(
                Task.case_id == case.id, Task.state == TaskState.OPEN, Task.lane == "department"
            )
        ).scalars()
    )


def _require_approver(actor: User) -> None:
    if not actor.has_role(Role.APPROVER):
        raise PermissionDenied("只有承办部门的审批人员可以中止或恢复办件")


def _require_holder(actor: User, organisation_ids: set[int]) -> None:
    if actor.organisation_id not in organisation_ids:
        raise PermissionDenied("办件的审查任务不在您的机构，不能中止或恢复")


def open_suspension(case: Case) -> CaseSuspension | None:
    return db.session.execute(
        select(CaseSuspension).where(
            CaseSuspension.case_id == case.id,
            CaseSuspension.resumed_at.is_(None),
            CaseSuspension.ended_note.is_(None),
        )
    ).scalar_one_or_none()


def case_suspensions(case: Case) -> list[CaseSuspension]:
    """The case's suspensions, oldest first."""
    return list(
        db.session.execute(
            select(CaseSuspension)
            .where(CaseSuspension.case_id == case.id)
            .order_by(CaseSuspension.suspended_at, CaseSuspension.id)
        ).scalars()
    )


def expected_resume_on(suspension: CaseSuspension) -> date:
    """When the procedure should be over: ``expected_days`` working days after the day it began."""
    return add_working_days(business_day(suspension.suspended_at), suspension.expected_days)


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None


def suspend_case(actor: User, number: str, kind: str, reason: str, expected_days: int) -> Case:
    """Stop the case's clock for a special procedure; its department task stays open, not completable."""
    case = get_visible_case(actor, number)
    _require_approver(actor)
    tasks = _department_tasks(case)
    if not tasks:
        raise CaseNotSuspendable("办件不在部门审查环节，不能中止")
    _require_holder(actor, {task.organisation_id for task in tasks})
    if case.status not in SUSPENDABLE:
        detail = "办件已处于中止状态" if case.status == CaseStatus.SUSPENDED else "办件当前状态不能中止"
        raise CaseNotSuspendable(detail)
    suspension = CaseSuspension(
        case_id=case.id,
        kind=SuspensionKind(kind),
        reason=reason,
        expected_days=expected_days,
        organisation_id=actor.organisation_id,
        status_before=case.status,
        suspended_at=now(),
        suspended_by_id=actor.id,
    )
    db.session.add(suspension)
    audit.record(
        "case.suspended",
        actor,
        case=case,
        summary={"kind": kind, "reason": reason, "expected_days": expected_days},
    )
    change_status(case, CaseStatus.SUSPENDED, actor)
    _commit()
    return case


def resume_case(
    actor: User, number: str, result: str | None = None, applicant_told_at: datetime | None = None
) -> Case:
    """Return the case to the status it was suspended from; the due date moves by the days paused.

    ``result`` is what the procedure found (特别程序结果), ``applicant_told_at`` when the applicant
    was told of it (now, when a result is given without it).
    """
    case = get_visible_case(actor, number)
    _require_approver(actor)
    suspension = open_suspension(case)
    if case.status != CaseStatus.SUSPENDED or suspension is None:
        raise CaseNotSuspended("办件未处于中止状态，无需恢复")
    holders = {task.organisation_id for task in _department_tasks(case)} or {suspension.organisation_id}
    _require_holder(actor, holders)
    before = case.due_date
    suspension.resumed_at = now()
    suspension.resumed_by_id = actor.id
    suspension.result = result
    if result is not None or applicant_told_at is not None:
        suspension.applicant_told_at = applicant_told_at or suspension.resumed_at
    change_status(case, suspension.status_before, actor)
    audit.record(
        "case.resumed",
        actor,
        case=case,
        summary={
            "kind": suspension.kind.value,
            "result": result,
            "due_date_before": before.isoformat() if before else None,
            "due_date_after": case.due_date.isoformat() if case.due_date else None,
        },
    )
    _commit()
    return case


def refuse_while_suspended(task: Task) -> None:
    """A department task cannot be completed while its case is suspended (409)."""
    if task.lane != "department" or task.case.status != CaseStatus.SUSPENDED:
        return
    suspension = open_suspension(task.case)
    procedure = KIND_LABELS[suspension.kind] if suspension else "特别程序"
    raise CaseSuspended(f"办件正在{procedure}中（已中止），请先恢复办理，再完成审查任务")

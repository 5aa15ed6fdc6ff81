"""Extensions (延期) of a case's time limits: the approver asks, the organ's head approves or refuses.

行政许可法 Art. 42: a decision within 20 working days, which the head of the organ (负责人) may extend
by 10 more; Art. 45 (joint, unified or centralised handling by several organs): 45 days and 15 more.
The extra days the law allows are a ceiling over all of a case's approved extensions. Once approved,
the days move both due dates (services.calendar.case_clock) and the applicant is told by a 延期告知书
(services.notices.documents).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from workflow_service.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleCase
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseExtension,
    CaseStatus,
    ExtensionState,
    Role,
    Task,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.calendar.case_clock import joint_handling, refresh_due_dates
from workflow_service.services.clock import now
from workflow_service.services.directory.scope import get_visible_case

# The extra working days the law allows: a single organ (Art. 42), joint handling (Art. 45).
SINGLE_ORGAN_EXTENSION_DAYS = 10
JOINT_HANDLING_EXTENSION_DAYS = 15
EXTENDABLE = frozenset({CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED})
STATE_LABELS = {
    ExtensionState.REQUESTED: "待负责人审批",
    ExtensionState.APPROVED: "已批准",
    ExtensionState.REFUSED: "不予批准",
}


class CaseNotExtendable(Conflict):
    title = "办件当前不能延期"
    type_slug = "case-not-extendable"


class ExtensionAlreadyDecided(Conflict):
    title = "延期申请已审批"
    type_slug = "extension-already-decided"


def extension_allowance(case: Case) -> int:
    """The extra working days the law allows the case in all: 15 when handled jointly, else 10."""
    return JOINT_HANDLING_EXTENSION_DAYS if joint_handling(case) else SINGLE_ORGAN_EXTENSION_DAYS


def remaining_extension_days(case: Case) -> int:
    """What approved extensions have left of the allowance."""
    return max(0, extension_allowance(case) - (case.extension_days or 0))


def case_extensions(case: Case) -> list[CaseExtension]:
    """The case's extensions, oldest first."""
    return list(
        db.session.execute(
            select(CaseExtension)
            .where(CaseExtension.case_id == case.id)
            .order_by(CaseExtension.requested_at, CaseExtension.id)
        ).scalars()
    )


def _department_organisations(case: Case) -> set[int]:
    return set(
        db.session.execute(
            select(Task.organisation_id).where(
                Task.case_id == case.id, Task.state == TaskState.OPEN, Task.lane == "department"
            )
        ).scalars()
    )


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None


def may_request_extension(actor: User, case: Case) -> bool:
    """Whether the page offers ``actor`` the 申请延期 form: an approver of the deciding organ."""
    return (
        actor.has_role(Role.APPROVER)
        and case.status in EXTENDABLE
        and actor.organisation_id in _department_organisations(case)
    )


def may_decide_extension(actor: User, extension: CaseExtension) -> bool:
    """Whether ``actor`` is the head (负责人) of the organ that asked."""
    return actor.has_role(Role.HEAD) and actor.organisation_id == extension.organisation_id


def request_extension(actor: User, number: str, reason: str, days: int | None) -> CaseExtension:
    """The approver holding the case's review asks its head for ``days`` more working days (default:
    all the law still allows); one request waits at a time."""
    case = get_visible_case(actor, number)
    if not actor.has_role(Role.APPROVER):
        raise PermissionDenied("只有承办部门的审批人员可以申请延期")
    holders = _department_organisations(case)
    if not holders:
        raise CaseNotExtendable("办件不在部门审查环节，不能申请延期")
    if actor.organisation_id not in holders:
        raise PermissionDenied("办件的审查任务不在您的机构，不能申请延期")
    if case.status not in EXTENDABLE:
        raise CaseNotExtendable("办件当前状态不能申请延期")
    if any(extension.state == ExtensionState.REQUESTED for extension in case_extensions(case)):
        raise CaseNotExtendable("办件已有待审批的延期申请")
    remaining = remaining_extension_days(case)
    if remaining == 0:
        raise CaseNotExtendable(f"办件已延期 {case.extension_days} 个工作日，达到法定上限")
    days = remaining if days is None else days
    if days > remaining:
        law = "第四十五条" if joint_handling(case) else "第四十二条"
        raise InvalidInput(
            "延期天数超过法定上限",
            errors={"days": [f"依《行政许可法》{law}，本件最多还可延期 {remaining} 个工作日"]},
        )
    extension = CaseExtension(
        case_id=case.id,
        reason=reason,
        days=days,
        organisation_id=actor.organisation_id,
        state=ExtensionState.REQUESTED,
        requested_at=now(),
        requested_by_id=actor.id,
    )
    db.session.add(extension)
    audit.record("case.extension_requested", actor, case=case, summary={"reason": reason, "days": days})
    _commit()
    return extension


def _pending(actor: User, number: str, extension_id: int) -> tuple[Case, CaseExtension]:
    case = get_visible_case(actor, number)
    extension = db.session.get(CaseExtension, extension_id)
    if extension is None or extension.case_id != case.id:
        raise NotFound(f"办件 {number} 没有编号为 {extension_id} 的延期申请")
    if not may_decide_extension(actor, extension):
        raise PermissionDenied("只有承办机构的负责人可以审批延期申请")
    if extension.state != ExtensionState.REQUESTED:
        raise ExtensionAlreadyDecided(f"该延期申请已{STATE_LABELS[extension.state]}")
    return case, extension


def approve_extension(actor: User, number: str, extension_id: int, note: str | None) -> CaseExtension:
    """The head approves: both due dates (and the open tasks') move by the extension's working days."""
    case, extension = _pending(actor, number, extension_id)
    if case.ended_at is not None or case.status not in EXTENDABLE:
        raise CaseNotExtendable("办件已作出决定或已结束，不能再延期")
    if extension.days > remaining_extension_days(case):
        raise CaseNotExtendable("延期天数超过法定上限")
    before = case.due_date
    extension.state = ExtensionState.APPROVED
    extension.decided_at = now()
    extension.decided_by_id = actor.id
    extension.decision_note = note
    case.extension_days = (case.extension_days or 0) + extension.days
    refresh_due_dates(case)
    audit.record(
        "case.extended",
        actor,
        case=case,
        summary={
            "days": extension.days,
            "reason": extension.reason,
            "due_date_before": before.isoformat() if before else None,
            "due_date_after": case.due_date.isoformat() if case.due_date else None,
        },
    )
    _commit()
    return extension


def refuse_extension(actor: User, number: str, extension_id: int, note: str) -> CaseExtension:
    """The head refuses, with a reason: the due dates stay."""
    case, extension = _pending(actor, number, extension_id)
    extension.state = ExtensionState.REFUSED
    extension.decided_at = now()
    extension.decided_by_id = actor.id
    extension.decision_note = note
    audit.record("case.extension_refused", actor, case=case, summary={"reason": note})
    _commit()
    return extension

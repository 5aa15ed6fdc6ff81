"""Close a case: what a completed step decides (result, fee, licence, delivery), 退件, 作废 and 归档.

A step is checked and recorded before the engine's step is applied (services.work.tasks), so a refusal
(409, 422) keeps nothing of it; the step-effect table (services.work.step_effects) runs these:

* reaching 办结-准予 needs the fee paid or waived (services.intake.fees, 409 naming the fee); it records
  the result 准予 and, where the catalogue names one, the electronic licence (services.closing.licences);
* reaching 办结-不予 or 不予受理 records 不予许可 / 不予受理 with the step's reason (422 without);
* reaching 已出件 records the delivery, checking the recipient at pickup (services.closing.issuance).

Archiving (归档) is the accepting window's explicit action once the process has ended, so a case
rests at 已出件 (or 不予受理, 撤回 …) until the file is complete. 退件 (before acceptance: the
materials never came, or the applicant gave up) ends the case as 退件 (status and result);
作废 (registered in error) ends an undecided case and files it at once (归档). Both need a reason.
A case still in 补正 the day after its notice's deadline is returned by the worker
(``return_overdue_supplement``, a job services.intake.acceptance schedules with the notice).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError

from workflow_service.errors import Conflict, PermissionDenied, StaleCase
from workflow_service.extensions import db
from workflow_service.models import Case, CaseResult, CaseStatus, Job, Role, User
from workflow_service.services import audit
from workflow_service.services.closing import licences
from workflow_service.services.closing.case_results import (
    MissingResultReason,
    declared_result,
    record_result,
    step_reason,
)
from workflow_service.services.directory.routing import LANE_ROLES, registering_lane
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.intake import fees
from workflow_service.services.intake.acceptance import open_notice, supplement_job_ref
from workflow_service.services.process.case_status import STATUS_LABELS, has_been_accepted, transition_allowed
from workflow_service.services.process.form_fields import RESULT_REASON
from workflow_service.services.process.progress import apply_step, change_status, process_runtime
from workflow_service.services.process.step_effects import CompletedStep
from workflow_service.services.process.stored_state import running_state
from workflow_service.services.review.suspensions import open_suspension

RETURNABLE = frozenset(
    {CaseStatus.SUBMITTED, CaseStatus.PRE_REVIEW, CaseStatus.PRE_REVIEWED, CaseStatus.SUPPLEMENT}
)
VOIDABLE = frozenset(
    {
        CaseStatus.SUBMITTED,
        CaseStatus.PRE_REVIEW,
        CaseStatus.PRE_REVIEWED,
        CaseStatus.SUPPLEMENT,
        CaseStatus.ACCEPTED,
        CaseStatus.UNDER_REVIEW,
        CaseStatus.SUSPENDED,
    }
)


class CaseNotReturnable(Conflict):
    title = "办件已受理或已结束，不能退件"
    type_slug = "case-not-returnable"


class CaseNotVoidable(Conflict):
    title = "办件已作出决定或已结束，不能作废"
    type_slug = "case-not-voidable"


class CaseNotArchivable(Conflict):
    title = "办件尚未办结出件，不能归档"
    type_slug = "case-not-archivable"


class CaseAlreadyArchived(Conflict):
    title = "办件已归档"
    type_slug = "case-already-archived"


def require_fee_settled(step: CompletedStep) -> None:
    """准予 needs the item's fee paid or waived: 409 naming the fee."""
    fees.require_settled(step.case)


def _record_step_result(step: CompletedStep, default: CaseResult) -> None:
    """The result of the step's decision: the outcome its process declared on the mark (已处置,
    同意 …), else ``default``."""
    code, label = declared_result(default, step.result_labels)
    record_result(
        step.case,
        code,
        step_reason(step.case, step.task, step.data),
        step.actor,
        organisation=step.task.organisation,
        field=RESULT_REASON.error_key,
        label=label,
    )


def record_grant(step: CompletedStep) -> None:
    """办结-准予: the result 准予, with the step's opinion if it gives one."""
    _record_step_result(step, CaseResult.GRANTED)


def issue_licence(step: CompletedStep) -> None:
    """准予 produces the electronic licence where the catalogue names one, issued by the deciding task's
    organisation."""
    licences.issue_licence(step.case, step.task.organisation, step.actor)


def record_refusal(step: CompletedStep) -> None:
    """办结-不予: the result 不予许可, with the step's reason (422 without)."""
    _record_step_result(step, CaseResult.REFUSED)


def record_non_acceptance(step: CompletedStep) -> None:
    """不予受理: the result 不予受理, with the step's reason (422 without)."""
    _record_step_result(step, CaseResult.NOT_ACCEPTED)


def record_pre_review_failure(step: CompletedStep) -> None:
    """预审不通过: the result 预审不通过 with the step's reason (422 without), which the applicant is
    told through the outbox (``notice-issued``); no 不予受理决定书, since nothing was ever accepted."""
    _record_step_result(step, CaseResult.PRE_REVIEW_FAILED)


def _registering_role(case: Case) -> Role:
    return LANE_ROLES[registering_lane(case.channel)]


def _is_registering_staff(actor: User, case: Case) -> bool:
    """Staff of the office that registered the case (the accepting window, for citizens' applications)."""
    return actor.organisation_id == case.accepting_organisation_id and actor.has_role(_registering_role(case))


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None


def _end_workflow(case: Case, actor: User | None, status: CaseStatus) -> None:
    """Stop the process where it stands (open tasks cancelled, no end event) and enter ``status``."""
    definition = case.process_definition
    result = process_runtime().cancel(definition.content_hash, definition.spec_json, running_state(case))
    change_status(case, status, actor)
    apply_step(case, result, actor)


def _required_reason(reason: str | None, code: CaseResult) -> str:
    text = (reason or "").strip()
    if not text:
        label = "退件" if code == CaseResult.RETURNED else "作废"
        raise MissingResultReason(f"{label}须说明理由", errors={"reason": [f"{label}须说明理由"]})
    return text


def return_case(actor: User, number: str, reason: str | None) -> Case:
    """退件 before acceptance (accepting window or a supervisor): the case ends 退件, result 退件."""
    case = get_visible_case(actor, number, with_state=True)
    if not (_is_registering_staff(actor, case) or actor.has_role(Role.SUPERVISOR)):
        raise PermissionDenied("只有受理窗口或督办人员可以退件")
    # A case in 补正 after acceptance (退回补正 from a review) was accepted: it is withdrawn, not returned.
    if case.status not in RETURNABLE or has_been_accepted(case.status_history):
        raise CaseNotReturnable(
            f"办件状态为“{STATUS_LABELS[case.status]}”：只有受理前（申请/预审、补正）的办件可以退件，"
            "受理后申请人放弃的，请办理撤回"
        )
    text = _required_reason(reason, CaseResult.RETURNED)
    audit.record(
        "case.returned", actor, case=case, summary={"reason": text, "status_before": case.status.value}
    )
    record_result(case, CaseResult.RETURNED, text, actor)
    _end_workflow(case, actor, CaseStatus.RETURNED)
    _commit()
    return case


def return_overdue_supplement(job: Job) -> datetime | None:
    """The worker's 补正 deadline job: a case still waiting for the notice's materials is returned
    (退件, with the reason), which tells the applicant through the outbox (``notice-issued``).

    Nothing happens if the materials came (the job is cancelled then, so this is a late race), the
    case left 补正 otherwise, or it had been accepted (退回补正 from a review: 退件 is only before
    受理; the window follows such a case up, audited as ``case.supplement_overdue``).
    """
    case = db.session.execute(
        select(Case).options(undefer(Case.workflow_state)).where(Case.id == job.case_id)
    ).scalar_one_or_none()
    if case is None or case.ended_at is not None or case.status != CaseStatus.SUPPLEMENT:
        return None
    notice = open_notice(case)
    if notice is None or supplement_job_ref(notice) != job.task_ref:
        return None
    deadline = date.fromisoformat(str(job.payload["deadline"]))
    if has_been_accepted(case.status_history):
        audit.record("case.supplement_overdue", None, case=case, summary={"deadline": deadline.isoformat()})
        return None
    text = (
        f"逾期未补正：补正材料通知书（第{notice.sequence}次）要求于"
        f"{deadline.year}年{deadline.month}月{deadline.day}日前补正，期限内未收到补正材料"
    )
    audit.record(
        "case.returned",
        None,
        case=case,
        summary={"reason": text, "status_before": case.status.value, "deadline": deadline.isoformat()},
    )
    record_result(case, CaseResult.RETURNED, text, None)
    _end_workflow(case, None, CaseStatus.RETURNED)
    return None


def void_case(actor: User, number: str, reason: str | None) -> Case:
    """作废 an undecided case registered in error (accepting window or a supervisor): ended and filed."""
    case = get_visible_case(actor, number, with_state=True)
    if not (_is_registering_staff(actor, case) or actor.has_role(Role.SUPERVISOR)):
        raise PermissionDenied("只有受理窗口或督办人员可以作废办件")
    if case.status not in VOIDABLE:
        raise CaseNotVoidable(f"办件状态为“{STATUS_LABELS[case.status]}”，不能作废")
    text = _required_reason(reason, CaseResult.VOIDED)
    suspension = open_suspension(case)
    if suspension is not None:
        suspension.ended_note = "voided"
    audit.record(
        "case.voided", actor, case=case, summary={"reason": text, "status_before": case.status.value}
    )
    record_result(case, CaseResult.VOIDED, text, actor)
    _end_workflow(case, actor, CaseStatus.ARCHIVED)
    _commit()
    return case


def archive_case(actor: User, number: str) -> Case:
    """归档 by the accepting window, once the process has ended (issued, not accepted, withdrawn …)."""
    case = get_visible_case(actor, number)
    if not _is_registering_staff(actor, case):
        raise PermissionDenied("只有受理窗口可以归档")
    if case.status == CaseStatus.ARCHIVED:
        raise CaseAlreadyArchived(f"办件 {number} 已归档")
    if case.ended_at is None or not transition_allowed(case.status, CaseStatus.ARCHIVED):
        raise CaseNotArchivable(f"办件状态为“{STATUS_LABELS[case.status]}”，流程结束后方可归档")
    audit.record("case.archived", actor, case=case, summary={"status_before": case.status.value})
    change_status(case, CaseStatus.ARCHIVED, actor)
    _commit()
    return case

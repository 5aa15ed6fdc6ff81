"""Withdraw a case (撤回) at the applicant's request, until a decision: the workflow ends where it stands."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from workflow_service.errors import Conflict, PermissionDenied, StaleCase
from workflow_service.extensions import db
from workflow_service.models import Case, CaseResult, CaseStatus, Role, User
from workflow_service.services import audit
from workflow_service.services.closing.case_results import record_result
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.process.case_status import STATUS_LABELS
from workflow_service.services.process.progress import apply_step, change_status, process_runtime
from workflow_service.services.process.stored_state import running_state
from workflow_service.services.review.suspensions import open_suspension

WITHDRAWABLE = frozenset(
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


class CaseNotWithdrawable(Conflict):
    title = "办件已作出决定或已结束，不能撤回"
    type_slug = "case-not-withdrawable"


def withdraw_case(actor: User, number: str, reason: str) -> Case:
    """The accepting window records the applicant's withdrawal: open tasks are cancelled, the case ends."""
    case = get_visible_case(actor, number, with_state=True)
    if not actor.has_role(Role.CLERK) or actor.organisation_id != case.accepting_organisation_id:
        raise PermissionDenied("只有受理该办件的窗口人员可以办理撤回")
    return _withdraw(case, actor, reason, {})


def withdraw_online(case: Case, reason: str, client_name: str) -> Case:
    """The applicant withdraws an application they submitted online, through the portal ``client_name``."""
    return _withdraw(case, None, reason, {"client": client_name})


def _withdraw(case: Case, actor: User | None, reason: str, recorded: dict[str, str]) -> Case:
    if case.status not in WITHDRAWABLE:
        raise CaseNotWithdrawable(f"办件状态为“{STATUS_LABELS[case.status]}”，不能撤回")
    definition = case.process_definition
    result = process_runtime().cancel(definition.content_hash, definition.spec_json, running_state(case))
    suspension = open_suspension(case)
    if suspension is not None:
        suspension.ended_note = "withdrawn"
    audit.record(
        "case.withdrawn",
        actor,
        case=case,
        summary={"reason": reason, "status_before": case.status.value, **recorded},
    )
    record_result(case, CaseResult.WITHDRAWN, reason, actor)  # 办结 result 撤回, with the reason given
    change_status(case, CaseStatus.WITHDRAWN, actor)
    apply_step(case, result, actor)  # cancels the open tasks and ends the case
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase() from None
    return case

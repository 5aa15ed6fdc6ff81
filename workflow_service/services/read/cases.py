"""The case read model: everything the case answer and the case and task pages show, in one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from workflow_service.errors import NotFound
from workflow_service.extensions import db
from workflow_service.models import (
    AuditEvent,
    Case,
    CaseEvaluation,
    CaseExtension,
    CaseFee,
    CaseResult,
    CaseSuspension,
    DeferredMaterial,
    ElectronicLicence,
    Job,
    JobKind,
    JobState,
    Organisation,
    SupplementNotice,
    Task,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.calendar.case_clock import (
    CaseClock,
    ClockReading,
    LimitState,
    case_clock,
    case_due_state,
    clock_reading,
    limit_states,
)
from workflow_service.services.calendar.deadlines import working_calendar
from workflow_service.services.closing.case_results import result_label
from workflow_service.services.directory.scope import visible_cases
from workflow_service.services.intake.acceptance import is_overdue
from workflow_service.services.intake.cases import Registration
from workflow_service.services.read.tasks import NextTask, TaskView, next_tasks, view_tasks
from workflow_service.services.review.extensions import extension_allowance
from workflow_service.services.review.suspensions import expected_resume_on

Row = TypeVar("Row")

# The statements ``view_case`` sends, whatever the case holds: the case with its item, version,
# process, organisations, fee, licence and evaluation; its tasks with their organisations and
# people; audit events; suspensions; extensions; 补正 notices; 容缺 materials; waiting timers.
CASE_VIEW_STATEMENTS = 8


@dataclass(frozen=True)
class SuspensionView:
    suspension: CaseSuspension
    expected_resume_on: date  # working days from the day it began


@dataclass(frozen=True)
class DeferredMaterialView:
    material: DeferredMaterial
    overdue: bool  # still owed after the promised day


@dataclass(frozen=True)
class ResultView:
    """办结: the result as the supervision exchange tables name it, and who decided."""

    code: CaseResult
    label: str
    reason: str | None
    at: datetime | None
    organisation: Organisation | None


@dataclass(frozen=True)
class EvaluationView:
    evaluation: CaseEvaluation
    rectification: TaskView | None  # opened by a 不满意 rating


@dataclass(frozen=True)
class CaseRow:
    """A case as lists show it (the window's cases, search results): the row and its due colour."""

    case: Case
    due_state: str | None


@dataclass(frozen=True)
class CaseView:
    """A case as ``caller`` sees it: the row, its tasks (open ones first-created first), audit trail,
    clock, special procedures, 补正 and 容缺, and how it closed (result, fee, licence, evaluation)."""

    case: Case
    open_tasks: list[TaskView]
    completed_tasks: list[TaskView]
    events: list[AuditEvent]
    due_state: str | None
    clock: CaseClock
    clock_reading: ClockReading
    # The promised and the legal limit, each with its due date and state.
    limits: list[LimitState]
    suspensions: list[SuspensionView]
    extensions: list[CaseExtension]
    # The extra working days the law allows in all (10, or 15 for joint handling).
    extension_allowance: int
    supplement_notices: list[SupplementNotice]
    deferred_materials: list[DeferredMaterialView]
    result: ResultView | None
    fee: CaseFee | None
    licence: ElectronicLicence | None
    evaluation: EvaluationView | None
    waiting_timers: list[Job]


@dataclass(frozen=True)
class RegistrationView(Registration):
    """A case just registered, with its first open tasks (as a completion names the next ones)."""

    next_tasks: list[NextTask] = field(default_factory=list)


def view_registration(caller: User, registration: Registration) -> RegistrationView:
    """The registration's answer: ``NEXT_TASKS_STATEMENTS`` (1) statement for the first tasks."""
    return RegistrationView(
        registration.case,
        registration.query_password,
        registration.warnings,
        next_tasks(caller, registration.case.id),
    )


def _all(query: Select[Row]) -> list[Row]:
    return list(db.session.execute(query).unique().scalars())


def _case(
    caller: User, number: str
) -> tuple[Case, CaseFee | None, ElectronicLicence | None, CaseEvaluation | None]:
    """The case with what refers to it, and its fee, licence and evaluation (one each at most)."""
    row = (
        db.session.execute(
            select(Case, CaseFee, ElectronicLicence, CaseEvaluation)
            .outerjoin(CaseFee, CaseFee.case_id == Case.id)
            .outerjoin(ElectronicLicence, ElectronicLicence.case_id == Case.id)
            .outerjoin(CaseEvaluation, CaseEvaluation.case_id == Case.id)
            .where(Case.number == number, visible_cases(caller))
            .options(
                joinedload(Case.service_item),
                joinedload(Case.service_item_version),
                joinedload(Case.process_definition),
                joinedload(Case.accepting_organisation),
                joinedload(Case.competent_organisation),
                joinedload(Case.matter_region),
                joinedload(Case.result_organisation),
                joinedload(CaseFee.settled_by),
                joinedload(ElectronicLicence.issuing_organisation),
                joinedload(CaseEvaluation.entered_by),
            )
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"办件 {number} 不存在")
    case, fee, licence, evaluation = row
    return case, fee, licence, evaluation


def _tasks(case: Case) -> list[Task]:
    return _all(
        select(Task)
        .where(Task.case_id == case.id)
        .order_by(Task.created_at, Task.id)
        .options(
            joinedload(Task.organisation),
            joinedload(Task.assignee),
            joinedload(Task.completed_by),
            joinedload(Task.completed_on_behalf_of),
        )
    )


def _result(case: Case, licence: ElectronicLicence | None) -> ResultView | None:
    if case.result_code is None:
        return None
    return ResultView(
        code=case.result_code,
        label=result_label(case.result_code, licensed=licence is not None, declared=case.result_label),
        reason=case.result_reason,
        at=case.result_at,
        organisation=case.result_organisation,
    )


def view_case(caller: User, number: str) -> CaseView:
    """The case if the caller may see it (404 otherwise), in ``CASE_VIEW_STATEMENTS`` (8) SQL
    statements, plus the calendar's ``CALENDAR_STATEMENTS`` once per request and one more (the caller's
    delegators in force) when an open task the caller may work is claimed by someone else.

    The number does not grow with the case's tasks, events or notices: what they refer to is
    loaded with them. tests/test_read_models.py counts the statements.
    """
    case, fee, licence, evaluation = _case(caller, number)
    tasks = view_tasks(caller, _tasks(case))
    # The case's record of what was done to it; who looked at it (``read.*``) is in the audit search.
    events = _all(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.action.not_like(f"{audit.READ_PREFIX}%"))
        .order_by(AuditEvent.id)
    )
    suspensions = _all(
        select(CaseSuspension)
        .where(CaseSuspension.case_id == case.id)
        .order_by(CaseSuspension.suspended_at, CaseSuspension.id)
        .options(
            joinedload(CaseSuspension.organisation),
            joinedload(CaseSuspension.suspended_by),
            joinedload(CaseSuspension.resumed_by),
        )
    )
    extensions = _all(
        select(CaseExtension)
        .where(CaseExtension.case_id == case.id)
        .order_by(CaseExtension.requested_at, CaseExtension.id)
        .options(
            joinedload(CaseExtension.organisation),
            joinedload(CaseExtension.requested_by),
            joinedload(CaseExtension.decided_by),
        )
    )
    notices = _all(
        select(SupplementNotice)
        .where(SupplementNotice.case_id == case.id)
        .order_by(SupplementNotice.sequence)
        .options(joinedload(SupplementNotice.issued_by), joinedload(SupplementNotice.received_by))
    )
    deferred = _all(
        select(DeferredMaterial)
        .where(DeferredMaterial.case_id == case.id)
        .order_by(DeferredMaterial.id)
        .options(joinedload(DeferredMaterial.deferred_by), joinedload(DeferredMaterial.received_by))
    )
    timers = _all(
        select(Job)
        .where(
            Job.kind == JobKind.TIMER,
            Job.case_id == case.id,
            Job.state.in_([JobState.PENDING, JobState.RUNNING]),
        )
        .order_by(Job.run_at, Job.id)
    )
    by_id = {view.task.id: view for view in tasks}
    working_calendar()  # the clock, due colours and resume days all read it
    return CaseView(
        case=case,
        open_tasks=[view for view in tasks if view.task.state == TaskState.OPEN],
        completed_tasks=[view for view in tasks if view.task.state == TaskState.COMPLETED],
        events=events,
        due_state=case_due_state(case),
        clock=case_clock(case),
        clock_reading=clock_reading(case),
        limits=limit_states(case),
        suspensions=[SuspensionView(s, expected_resume_on(s)) for s in suspensions],
        extensions=extensions,
        extension_allowance=extension_allowance(case),
        supplement_notices=notices,
        deferred_materials=[DeferredMaterialView(m, is_overdue(m)) for m in deferred],
        result=_result(case, licence),
        fee=fee,
        licence=licence,
        evaluation=(
            EvaluationView(evaluation, by_id.get(evaluation.rectification_task_id or ""))
            if evaluation is not None
            else None
        ),
        waiting_timers=timers,
    )


def open_case(caller: User, number: str) -> CaseView:
    """``view_case`` for a person opening the case (its page, ``GET /api/v1/cases/<n>``): the read of
    the applicant's data is audited (查询留痕), in ``audit.READ_STATEMENTS`` more statements."""
    view = view_case(caller, number)
    audit.record_read("read.case", caller, case=view.case, summary={"number": view.case.number})
    return view


def view_evaluation(caller: User, evaluation: CaseEvaluation) -> EvaluationView:
    """An evaluation just entered, with the rectification task it opened (as the case answer shows it)."""
    task = evaluation.rectification_task
    return EvaluationView(evaluation, view_tasks(caller, [task])[0] if task is not None else None)


def case_rows(cases: list[Case]) -> list[CaseRow]:
    """Cases for a list page with their due colours: no statement beyond the working calendar's."""
    return [CaseRow(case, case_due_state(case)) for case in cases]

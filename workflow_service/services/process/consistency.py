"""Check every case against its stored workflow: task rows, status and timer jobs (check-consistency).

One pass over the cases by id, in batches: each batch is three statements (the cases with their
states, their workflow task rows, their timer jobs) plus one for any process version not seen yet,
never a statement per case. Read only: it reports, it repairs nothing.

A case is consistent when
- every READY user task of its workflow has an open task row (by the engine's task id), and every
  open workflow task row is a READY user task (none open here but completed in the workflow);
- its end agrees with the workflow's: an ended workflow has an ended case and the reverse, and a
  case in a status that ends it (撤回, 退件, 归档) has an ended workflow;
- every timer the workflow waits on has its job scheduled (pending, running, or failed and waiting
  for retry-failed-jobs), so no timer is lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from workflow_service.engine.runtime import WorkflowSnapshot
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseStatus,
    Job,
    JobKind,
    JobState,
    ProcessDefinition,
    Task,
    TaskKind,
    TaskState,
)
from workflow_service.services.process.progress import process_runtime

DEFAULT_BATCH_SIZE = 200
# Statuses only an ended workflow can be in: 撤回, 退件 and 作废 cancel the workflow, 归档 follows its
# end. (Statuses BPMN elements mark, such as 已出件, may have steps after them in some process.)
ENDING_STATUSES = frozenset({CaseStatus.WITHDRAWN, CaseStatus.RETURNED, CaseStatus.ARCHIVED})
# A timer's job that will still fire it (a failed one once an operator retries it).
SCHEDULED = frozenset({JobState.PENDING, JobState.RUNNING, JobState.FAILED})


@dataclass(frozen=True)
class InconsistentCase:
    number: str
    reasons: tuple[str, ...]


@dataclass
class ConsistencyReport:
    checked: int = 0
    inconsistent: list[InconsistentCase] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.inconsistent


@dataclass(frozen=True)
class _TaskRow:
    id: str
    state: TaskState
    completed_at: datetime | None


def count_cases() -> int:
    """How many cases a full check goes through (for the progress bar)."""
    return db.session.execute(select(func.count(Case.id))).scalar_one()


def _task_reasons(snapshot: WorkflowSnapshot, rows: Sequence[_TaskRow]) -> list[str]:
    reasons = []
    by_id = {row.id: row for row in rows}
    open_ids = {row.id for row in rows if row.state == TaskState.OPEN}
    for task_id in sorted(snapshot.ready_task_ids - open_ids):
        row = by_id.get(task_id)
        if row is None:
            reasons.append(f"task {task_id} is ready in the workflow but has no task row")
        else:
            reasons.append(f"task {task_id} is ready in the workflow but its row is {row.state.value}")
    for task_id in sorted(open_ids - snapshot.ready_task_ids):
        if task_id in snapshot.finished_task_ids:
            reasons.append(f"task row {task_id} is open but the task is finished in the workflow")
        else:
            reasons.append(f"task row {task_id} is open but is no ready task of the workflow")
    for row in rows:
        if row.state == TaskState.OPEN and row.completed_at is not None:
            reasons.append(f"task row {row.id} is open but has a completion time")
    return reasons


def _case_reasons(
    case: Any,
    snapshot: WorkflowSnapshot,
    rows: Sequence[_TaskRow],
    timer_jobs: dict[str, JobState],
) -> list[str]:
    reasons = _task_reasons(snapshot, rows)
    if snapshot.completed and case.ended_at is None:
        reasons.append("the workflow has ended but the case has no end time")
    if not snapshot.completed and case.ended_at is not None:
        reasons.append("the case has an end time but its workflow has not ended")
    if not snapshot.completed and case.status in ENDING_STATUSES:
        reasons.append(f"the case is {case.status.value} but its workflow has not ended")
    for timer in snapshot.waiting_timers:
        state = timer_jobs.get(timer.task_id)
        if state is None:
            reasons.append(f"timer {timer.name} ({timer.task_id}) is waiting but has no job")
        elif state not in SCHEDULED:
            reasons.append(f"timer {timer.name} ({timer.task_id}) is waiting but its job is {state.value}")
    return reasons


def _check_batch(cases: Sequence[Any], definitions: dict[int, tuple[str, str]]) -> list[InconsistentCase]:
    ids = [case.id for case in cases]
    rows: dict[int, list[_TaskRow]] = defaultdict(list)
    for task_id, case_id, state, completed_at in db.session.execute(
        select(Task.id, Task.case_id, Task.state, Task.completed_at).where(
            Task.case_id.in_(ids), Task.kind == TaskKind.WORKFLOW
        )
    ):
        rows[case_id].append(_TaskRow(task_id, state, completed_at))
    timer_jobs: dict[int, dict[str, JobState]] = defaultdict(dict)
    for job_case_id, task_ref, job_state in db.session.execute(
        select(Job.case_id, Job.task_ref, Job.state).where(Job.case_id.in_(ids), Job.kind == JobKind.TIMER)
    ):
        if job_case_id is not None:
            timer_jobs[job_case_id][task_ref or ""] = job_state
    missing = {case.process_definition_id for case in cases} - definitions.keys()
    if missing:
        for definition_id, content_hash, spec_json in db.session.execute(
            select(ProcessDefinition.id, ProcessDefinition.content_hash, ProcessDefinition.spec_json).where(
                ProcessDefinition.id.in_(missing)
            )
        ):
            definitions[definition_id] = (content_hash, spec_json)

    runtime = process_runtime()
    found = []
    for case in cases:
        case_rows = rows.get(case.id, [])
        if not case.workflow_state:
            # A finished case whose state was dropped (retention) has nothing left to compare.
            reasons = [] if case.ended_at is not None else ["the case is open but has no stored workflow"]
            reasons += [f"task row {row.id} is open" for row in case_rows if row.state == TaskState.OPEN]
        else:
            content_hash, spec_json = definitions[case.process_definition_id]
            try:
                snapshot = runtime.snapshot(content_hash, spec_json, case.workflow_state)
            except Exception as error:  # any failure to read the state is this case's finding
                reasons = [f"the stored workflow cannot be read ({type(error).__name__})"]
            else:
                reasons = _case_reasons(case, snapshot, case_rows, timer_jobs.get(case.id, {}))
        if reasons:
            found.append(InconsistentCase(case.number, tuple(reasons)))
    return found


def check_consistency(
    batch_size: int = DEFAULT_BATCH_SIZE, progress: Callable[[int], None] | None = None
) -> ConsistencyReport:
    """Every case, in batches by id; ``progress`` is told how many cases each batch checked."""
    report = ConsistencyReport()
    definitions: dict[int, tuple[str, str]] = {}
    after = 0
    while True:
        cases = db.session.execute(
            select(
                Case.id,
                Case.number,
                Case.status,
                Case.ended_at,
                Case.process_definition_id,
                Case.workflow_state,
            )
            .where(Case.id > after)
            .order_by(Case.id)
            .limit(batch_size)
        ).all()
        if not cases:
            return report
        report.inconsistent.extend(_check_batch(cases, definitions))
        report.checked += len(cases)
        after = cases[-1].id
        db.session.rollback()  # a long read-only pass holds no snapshot or lock between batches
        if progress is not None:
            progress(len(cases))

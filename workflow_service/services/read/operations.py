"""The figures the operators' monitoring reads at each scrape: open and overdue tasks by
organisation, and the job queue's depth and lag. Two statements, whatever the data's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select

from workflow_service.extensions import db
from workflow_service.models import Job, JobState, Organisation, Task, TaskState
from workflow_service.services.clock import business_day, now


@dataclass(frozen=True)
class OrganisationTasks:
    organisation_code: str
    organisation_name: str
    open: int
    overdue: int  # past the due date's last working day (a suspended case's tasks included)


@dataclass(frozen=True)
class JobQueue:
    kind: str
    due: int  # pending jobs whose time has come: the worker's backlog
    lag_seconds: float  # how long the oldest of them has been due (0 without any)
    failed: int  # jobs that gave up after their last attempt, waiting for retry-failed-jobs


@dataclass(frozen=True)
class OperationsFigures:
    tasks: tuple[OrganisationTasks, ...]
    jobs: tuple[JobQueue, ...]


def _job_queues(moment: datetime) -> tuple[JobQueue, ...]:
    due = (Job.state == JobState.PENDING) & (Job.run_at <= moment)
    rows = db.session.execute(
        select(
            Job.kind,
            func.sum(case((due, 1), else_=0)),
            func.min(case((due, Job.run_at), else_=None)),
            func.sum(case((Job.state == JobState.FAILED, 1), else_=0)),
        )
        .where(or_(due, Job.state == JobState.FAILED))
        .group_by(Job.kind)
    ).all()
    queues = []
    for kind, due_count, oldest, failed in rows:
        lag = (moment - oldest).total_seconds() if oldest is not None else 0.0
        queues.append(JobQueue(str(kind), int(due_count or 0), max(lag, 0.0), int(failed or 0)))
    return tuple(sorted(queues, key=lambda queue: queue.kind))


def operations_figures() -> OperationsFigures:
    """What /metrics reports from the database, as of now."""
    today = business_day()
    rows = db.session.execute(
        select(
            Organisation.code,
            Organisation.name,
            func.count(Task.id),
            func.sum(case((Task.due_date < today, 1), else_=0)),
        )
        .join(Organisation, Organisation.id == Task.organisation_id)
        .where(Task.state == TaskState.OPEN)
        .group_by(Organisation.id, Organisation.code, Organisation.name)
        .order_by(Organisation.code)
    ).all()
    tasks = tuple(
        OrganisationTasks(code, name, int(count), int(overdue or 0)) for code, name, count, overdue in rows
    )
    return OperationsFigures(tasks=tasks, jobs=_job_queues(now()))

"""Deadline warnings: an audit row, once, when an open task turns yellow and when it turns red.

Each open task has one ``deadline_warning`` job. It first runs as soon as the task exists (a task
can be yellow from the start) and then at the start of every business day in Asia/Shanghai, when
colours change, until the task is closed or has been warned red. The colour is whatever
services.calendar.case_clock says on that day, so a due date that moved (补正, suspension, a new holiday
table) needs nothing here.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime, time, timedelta

from sqlalchemy import bindparam, select

from workflow_service.extensions import db
from workflow_service.models import Case, Job, JobKind, JobState, Task, TaskState
from workflow_service.services import audit
from workflow_service.services.calendar.case_clock import task_due_state
from workflow_service.services.clock import BUSINESS_TIMEZONE, business_day, now
from workflow_service.services.process import jobs

WARNING_LEVELS = ("yellow", "red")


def start_of_next_business_day(moment: datetime) -> datetime:
    """Midnight in Asia/Shanghai after ``moment``, in UTC."""
    tomorrow = business_day(moment) + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=BUSINESS_TIMEZONE).astimezone(moment.tzinfo)


# Built once: read at every step.
_OPEN_TASK_IDS = select(Task.id).where(Task.case_id == bindparam("case_id"), Task.state == TaskState.OPEN)


def sync_warning_jobs(
    case: Case, scheduled: Mapping[str | None, Job] | None = None, open_task_ids: Set[str] | None = None
) -> None:
    """Give each open task of the case its warning job; cancel the pending jobs of closed tasks.
    ``scheduled``: the case's warning jobs, ``open_task_ids`` the ids of its open tasks (a step
    knows them), each read here if not given."""
    if open_task_ids is None:
        open_task_ids = set(db.session.execute(_OPEN_TASK_IDS, {"case_id": case.id}).scalars())
    if scheduled is None:
        scheduled = jobs.jobs_of_case(case, (JobKind.DEADLINE_WARNING,))[JobKind.DEADLINE_WARNING]
    moment = now()
    for task_ref, job in scheduled.items():
        if job.state == JobState.PENDING and task_ref not in open_task_ids:
            job.state = JobState.CANCELLED
            job.finished_at = moment
    for task_id in sorted(open_task_ids - set(scheduled)):
        jobs.schedule(JobKind.DEADLINE_WARNING, case, task_id, moment, warned=[])


def warn(job: Job) -> datetime | None:
    """Write the audit row for a colour the task has newly reached; when to look again (None: done)."""
    task = db.session.get(Task, job.task_ref) if job.task_ref else None
    if task is None or task.state != TaskState.OPEN:
        return None
    colour = task_due_state(task)
    warned = list(job.payload.get("warned", []))
    if colour in WARNING_LEVELS and colour not in warned:
        audit.record(
            "task.deadline_warning",
            None,
            case=task.case,
            task_id=task.id,
            summary={
                "task": task.name,
                "level": colour,
                "due_date": task.due_date.isoformat() if task.due_date else None,
            },
        )
        warned.append(colour)
        job.payload = {**job.payload, "warned": warned}
    if "red" in warned:
        return None
    return start_of_next_business_day(now())

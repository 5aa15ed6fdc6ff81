"""The job queue in the database: schedule and cancel jobs, let workers claim due ones, record outcomes.

A job is claimed by setting it ``running`` with the worker's name and the time; on PostgreSQL the
claim selects ``FOR UPDATE SKIP LOCKED``, so workers racing for the same rows each get different
ones. On SQLite every write transaction begins IMMEDIATE (workflow_service.database), so claims
are serialized anyway. A claim is a lease: a job still ``running`` after ``JOB_LEASE_SECONDS``
(its worker died) is claimed again. Running a claimed job happens elsewhere (services.process.job_runner).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, or_, select, update

from workflow_service.engine.runtime import PendingTimer
from workflow_service.extensions import db
from workflow_service.models import Case, Job, JobKind, JobState
from workflow_service.services import audit
from workflow_service.services.clock import now

log = logging.getLogger(__name__)

# Retries wait twice as long each time, up to this.
MAX_RETRY_DELAY = timedelta(hours=6)


def schedule(kind: JobKind, case: Case | None, task_ref: str | None, run_at: datetime, **payload: Any) -> Job:
    """Add a pending job to the current transaction."""
    job = Job(
        kind=kind,
        case_id=case.id if case else None,
        task_ref=task_ref,
        run_at=run_at,
        state=JobState.PENDING,
        attempts=0,
        payload=payload,
        created_at=now(),
    )
    db.session.add(job)
    return job


# Built once: read at every step.
_JOBS_OF_CASE = (
    select(Job)
    .where(Job.case_id == bindparam("case_id"), Job.kind.in_(bindparam("kinds", expanding=True)))
    .order_by(Job.id)
)


def jobs_of_case(case: Case, kinds: Sequence[JobKind]) -> dict[JobKind, dict[str | None, Job]]:
    """The case's jobs of these kinds, in any state, by kind and task: one statement."""
    found: dict[JobKind, dict[str | None, Job]] = {kind: {} for kind in kinds}
    for job in db.session.execute(_JOBS_OF_CASE, {"case_id": case.id, "kinds": list(kinds)}).scalars():
        found[job.kind][job.task_ref] = job
    return found


def sync_timer_jobs(case: Case, timers: Sequence[PendingTimer], jobs: Mapping[str | None, Job]) -> None:
    """Make the case's timer jobs (``jobs``, by task, from ``jobs_of_case``) match the timers its
    workflow now waits on.

    A new timer gets a job due when it fires; a pending job whose timer is no longer waited on
    (its task was completed, the boundary event cancelled, the case ended) is cancelled. Jobs that
    ran or are running are left alone: a timer is scheduled once.
    """
    waiting = {timer.task_id: timer for timer in timers}
    moment = now()
    for task_ref, job in jobs.items():
        if job.state != JobState.PENDING:
            continue
        timer = waiting.get(task_ref or "")
        if timer is None:
            job.state = JobState.CANCELLED
            job.finished_at = moment
        elif job.run_at != timer.fires_at:
            job.run_at = timer.fires_at
    for task_id, timer in waiting.items():
        if task_id not in jobs:
            schedule(JobKind.TIMER, case, task_id, timer.fires_at, bpmn_id=timer.bpmn_id, name=timer.name)


def finish_pending(kind: JobKind, case: Case, task_ref: str) -> None:
    """Mark a pending job done without running it: another job did its work (in this transaction)."""
    db.session.execute(
        update(Job)
        .where(
            Job.kind == kind,
            Job.case_id == case.id,
            Job.task_ref == task_ref,
            Job.state == JobState.PENDING,
        )
        .values(state=JobState.DONE, finished_at=now())
        .execution_options(synchronize_session="fetch")
    )


def cancel_pending(kind: JobKind, case: Case, task_ref: str) -> None:
    """Cancel a pending job whose reason went away (the 补正 materials came in time)."""
    db.session.execute(
        update(Job)
        .where(
            Job.kind == kind,
            Job.case_id == case.id,
            Job.task_ref == task_ref,
            Job.state == JobState.PENDING,
        )
        .values(state=JobState.CANCELLED, finished_at=now())
        .execution_options(synchronize_session="fetch")
    )


def retry_failed(job_ids: Sequence[int] = ()) -> list[Job]:
    """Give failed jobs (all, or those named) a fresh set of attempts, due now; audited, committed."""
    query = select(Job).where(Job.state == JobState.FAILED)
    if job_ids:
        query = query.where(Job.id.in_(job_ids))
    retried = list(db.session.execute(query.order_by(Job.id)).scalars())
    moment = now()
    for job in retried:
        case = db.session.get(Case, job.case_id) if job.case_id else None
        audit.record(
            "job.retried",
            None,
            case=case,
            summary={"job": job.id, "kind": job.kind.value, "error": job.last_error},
        )
        job.state = JobState.PENDING
        job.run_at = moment
        job.attempts = 0
        job.finished_at = None
    db.session.commit()
    return retried


def waiting_timers(case: Case) -> list[Job]:
    """The case's timers still to fire (a publicity period running, an escalation ahead), soonest first."""
    return list(
        db.session.execute(
            select(Job)
            .where(
                Job.kind == JobKind.TIMER,
                Job.case_id == case.id,
                Job.state.in_([JobState.PENDING, JobState.RUNNING]),
            )
            .order_by(Job.run_at, Job.id)
        ).scalars()
    )


def claim_due(worker: str, limit: int) -> list[int]:
    """Claim up to ``limit`` due jobs for ``worker`` (oldest due first) and commit; their ids."""
    moment = now()
    lease_expired = moment - timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    is_due = or_(
        and_(Job.state == JobState.PENDING, Job.run_at <= moment),
        and_(Job.state == JobState.RUNNING, Job.locked_at < lease_expired),
    )
    # A CTE, not ``id IN (subquery)``: PostgreSQL may re-run such a subquery for every row it
    # compares (a nested-loop plan on a table without statistics), claiming far more than the limit.
    # With FOR UPDATE the CTE is always evaluated once.
    due = (
        select(Job.id)
        .where(is_due)
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        # Ignored by SQLite, whose writers are serialized.
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    claimed = (
        db.session.execute(
            update(Job)
            .where(Job.id == due.c.id, is_due)
            .values(state=JobState.RUNNING, locked_by=worker, locked_at=moment, attempts=Job.attempts + 1)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(claimed)


def lock_claimed(job_id: int, worker: str) -> Job | None:
    """The job, row-locked for this transaction, if ``worker`` still holds its claim."""
    job = db.session.execute(
        select(Job).where(Job.id == job_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if job is None or job.state != JobState.RUNNING or job.locked_by != worker:
        return None
    return job


def release(job_ids: Sequence[int], worker: str) -> None:
    """Hand back claimed jobs a stopping worker will not run: pending again, the attempt not counted."""
    db.session.execute(
        update(Job)
        .where(Job.id.in_(job_ids), Job.state == JobState.RUNNING, Job.locked_by == worker)
        .values(state=JobState.PENDING, locked_by=None, locked_at=None, attempts=Job.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def finish(job: Job, run_again_at: datetime | None = None) -> None:
    """Mark a claimed job done, or pending again at ``run_again_at`` (a job that recurs)."""
    if run_again_at is None:
        job.state = JobState.DONE
        job.finished_at = now()
    else:
        job.state = JobState.PENDING
        job.run_at = run_again_at
    job.last_error = None


def retry_later(job_id: int, worker: str, delay: timedelta) -> None:
    """Put a job that met a conflict (the case changed meanwhile) back, without counting an attempt."""
    job = lock_claimed(job_id, worker)
    if job is not None:
        job.state = JobState.PENDING
        job.run_at = now() + delay
        job.attempts -= 1
    db.session.commit()


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before the next try after ``attempts`` failed ones."""
    base = timedelta(seconds=current_app.config["JOB_RETRY_BASE_SECONDS"])
    return min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def record_failure(job_id: int, worker: str, error: BaseException) -> JobState | None:
    """After a failed run: back off and retry, or give up after the last attempt (audited).

    Returns the job's new state, or None if the worker no longer held the claim.
    """
    job = lock_claimed(job_id, worker)
    if job is None:
        db.session.commit()
        return None
    job.last_error = f"{type(error).__name__}: {error}"[:4000]
    if job.attempts >= current_app.config["JOB_MAX_ATTEMPTS"]:
        job.state = JobState.FAILED
        job.finished_at = now()
        case = db.session.get(Case, job.case_id) if job.case_id else None
        audit.record(
            "job.failed",
            None,
            case=case,
            summary={
                "job": job.id,
                "kind": job.kind.value,
                "attempts": job.attempts,
                "error": job.last_error,
            },
        )
        log.error("job %s (%s) failed after %s attempts: %s", job.id, job.kind, job.attempts, job.last_error)
    else:
        job.state = JobState.PENDING
        job.run_at = now() + retry_delay(job.attempts)
        log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, job.last_error)
    state = job.state
    db.session.commit()
    return state

"""Run due jobs, one transaction each: fire a case's BPMN timers, warn about tasks running late.

Each job is run under its claim (services.process.jobs) and, for timers, under the case's optimistic
lock: firing the timer, applying the step and marking the job done commit together, so a timer
fires once however many workers race for it. A conflict with a request that changed the case
meanwhile puts the job back for a moment; any other error is retried with backoff and, after
``JOB_MAX_ATTEMPTS``, leaves the job failed with its error. A job that runs longer than
``JOB_TIME_LIMIT_SECONDS`` is stopped (SIGALRM, in the worker's main thread) and counts as such a
failure, so one slow job never holds back the rest of its batch.
"""

from __future__ import annotations

import enum
import logging
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import FrameType

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError

from workflow_service.extensions import db
from workflow_service.models import Case, Job, JobKind, JobState
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.process import deadline_warnings, jobs
from workflow_service.services.process.progress import apply_step, process_runtime
from workflow_service.services.process.stored_state import running_state

log = logging.getLogger(__name__)

# A job that met a concurrent change of its case is tried again this much later.
CONFLICT_RETRY_DELAY = timedelta(seconds=2)
# One pass stops after this many jobs, so a flood of due jobs cannot keep it from returning.
MAX_JOBS_PER_PASS = 1000


class TimerNotFired(Exception):
    """The worker asked the engine to fire a due timer and it did not."""


class JobTimedOut(BaseException):
    """A job ran past its time limit. Not an Exception, so that no ``except Exception`` on the way
    (SpiffWorkflow's around a script, for one) takes it for an error of the job's own."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise JobTimedOut in the block once ``seconds`` have passed (main thread only: signals)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise JobTimedOut(f"运行超过 {seconds:g} 秒的时限，已停止")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def fire_timer(job: Job) -> datetime | None:
    """Fire the case's due timers and apply the step; when the timer should run again (cycles).

    Every timer that fired in the step is audited, and the pending jobs of the case's other timers
    that fired with it are done too. A timer that no longer waits (it fired, or its task was
    cancelled) leaves nothing to do.
    """
    case = db.session.execute(
        select(Case).options(undefer(Case.workflow_state)).where(Case.id == job.case_id)
    ).scalar_one_or_none()
    if case is None or case.ended_at is not None:
        return None
    definition = case.process_definition
    result = process_runtime().fire_due_timers(
        definition.content_hash, definition.spec_json, running_state(case)
    )
    for timer in result.fired_timers:
        audit.record(
            "timer.fired",
            None,
            case=case,
            summary={"timer": timer.name, "bpmn_id": timer.bpmn_id, "due_at": timer.fires_at.isoformat()},
        )
        if timer.task_id != job.task_ref:
            jobs.finish_pending(JobKind.TIMER, case, timer.task_id)
    apply_step(case, result, None)
    waiting = next((timer for timer in result.timers if timer.task_id == job.task_ref), None)
    if waiting is None:
        return None
    if not any(timer.task_id == job.task_ref for timer in result.fired_timers) and waiting.fires_at <= now():
        raise TimerNotFired(f"定时器 {waiting.name} 已到期但未触发")
    # A repeating timer (or one whose time moved) waits again under the same task.
    return waiting.fires_at


JobHandler = Callable[[Job], datetime | None]
HANDLERS: dict[JobKind, JobHandler] = {
    JobKind.TIMER: fire_timer,
    JobKind.DEADLINE_WARNING: deadline_warnings.warn,
}
INSTALLED_KEY = "job_handlers"


def install(app: Flask, handlers: Mapping[JobKind, JobHandler]) -> None:
    """Handlers of job kinds whose work lives in packages above process/ (the 补正 deadline's 退件),
    installed by the app factory as the step effects are."""
    app.extensions[INSTALLED_KEY] = dict(handlers)


def _handler(kind: JobKind) -> JobHandler:
    return HANDLERS.get(kind) or current_app.extensions[INSTALLED_KEY][kind]


class Outcome(enum.StrEnum):
    DONE = "done"
    RESCHEDULED = "rescheduled"  # a recurring job, pending again for its next run
    CONFLICT = "conflict"  # the case changed meanwhile; tried again shortly
    RETRY = "retry"  # failed; tried again after a backoff
    FAILED = "failed"  # failed for the last time
    LOST = "lost"  # the claim had expired and another worker holds the job now


def run_job(job_id: int, worker: str) -> Outcome:
    """Run one claimed job in its own transaction."""
    try:
        job = jobs.lock_claimed(job_id, worker)
        if job is None:
            db.session.rollback()
            return Outcome.LOST
        with time_limit(current_app.config["JOB_TIME_LIMIT_SECONDS"]):
            run_again_at = _handler(job.kind)(job)
        jobs.finish(job, run_again_at)
        db.session.commit()
        return Outcome.DONE if run_again_at is None else Outcome.RESCHEDULED
    except StaleDataError:
        db.session.rollback()
        jobs.retry_later(job_id, worker, CONFLICT_RETRY_DELAY)
        return Outcome.CONFLICT
    except (Exception, JobTimedOut) as error:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        state = jobs.record_failure(job_id, worker, error)
        if state is None:
            return Outcome.LOST
        return Outcome.FAILED if state == JobState.FAILED else Outcome.RETRY


def run_due_jobs(worker: str, stopping: Callable[[], bool] = lambda: False) -> Counter[Outcome]:
    """One pass: claim and run due jobs in batches until none is due; how each run ended.

    When ``stopping()`` turns true the pass ends after the job in hand, handing back the rest of
    its batch so other workers need not wait for the claims to expire.
    """
    outcomes: Counter[Outcome] = Counter()
    batch_size = current_app.config["WORKER_BATCH_SIZE"]
    while outcomes.total() < MAX_JOBS_PER_PASS and not stopping():
        claimed = jobs.claim_due(worker, batch_size)
        if not claimed:
            break
        for index, job_id in enumerate(claimed):
            if stopping():
                jobs.release(claimed[index:], worker)
                break
            outcomes[run_job(job_id, worker)] += 1
    return outcomes

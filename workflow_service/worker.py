"""The background worker: ``flask --app wsgi worker`` runs due jobs (timers, deadline warnings) and sends
webhooks until stopped.

Every ``WORKER_POLL_SECONDS`` it makes one pass over the due jobs (services.process.job_runner). SIGTERM or
SIGINT stop it after the job in hand; ``--once`` makes a single pass and exits. Any number of
workers may run against PostgreSQL; against SQLite run one. ``flask --app wsgi retry-failed-jobs``
gives jobs that failed for good another set of attempts once their cause is fixed.

Every ``AUDIT_HEAD_LOG_MINUTES`` it also logs the audit chain's newest link, ``audit-head id=… hash=…``:
kept outside the database, such a line shows a tail cut off the audit table later
(``flask --app wsgi audit-verify --expect-head ID:HASH``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections import Counter
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workflow_service.extensions import db
from workflow_service.services.portal.idempotency import purge_expired_keys
from workflow_service.services.portal.webhook_delivery import DeliveryOutcome, run_deliveries
from workflow_service.services.process import jobs
from workflow_service.services.process.job_runner import Outcome, run_due_jobs
from workflow_service.services.supervision.audit_chain import chain_head

log = logging.getLogger(__name__)


def describe(outcomes: Counter[Outcome] | Counter[DeliveryOutcome]) -> str:
    """``done 3, retry 1``: how the runs of a pass ended."""
    return ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))


class Worker:
    """One worker: a name that marks the jobs it claims, and a stop flag."""

    def __init__(self, app: Flask, name: str | None = None, interval: float | None = None) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.interval = app.config["WORKER_POLL_SECONDS"] if interval is None else interval
        self._stop = threading.Event()
        self.head_every = float(app.config["AUDIT_HEAD_LOG_MINUTES"]) * 60
        self._head_due = 0.0  # monotonic seconds: the first pass logs the head

    def log_audit_head(self) -> None:
        """Log the audit chain's newest link (``audit-head id=… hash=…``)."""
        with self.app.app_context():
            try:
                last_id, last_hash = chain_head()
            finally:
                db.session.remove()
        log.info("audit-head id=%s hash=%s", last_id, last_hash)

    def _log_audit_head_when_due(self) -> None:
        if self.head_every > 0 and time.monotonic() >= self._head_due:
            self.log_audit_head()
            self._head_due = time.monotonic() + self.head_every
        # How the webhook deliveries of the last pass ended.
        self.deliveries: Counter[DeliveryOutcome] = Counter()

    def run_once(self) -> Counter[Outcome]:
        """One pass: run every job that is due now, then send the webhooks due; how each job ran
        (the deliveries are in ``deliveries``)."""
        with self.app.app_context():
            try:
                outcomes = run_due_jobs(self.name, stopping=self._stop.is_set)
                # After the jobs: the events the timers just made go out in the same pass.
                self.deliveries = run_deliveries(self.name, stopping=self._stop.is_set)
                # Idempotency keys past their 24 hours: one indexed DELETE, usually of nothing.
                purge_expired_keys()
                return outcomes
            finally:
                db.session.remove()

    def stop(self) -> None:
        """Stop after the job in hand (safe to call from a signal handler or another thread)."""
        self._stop.set()

    def run_forever(self) -> None:
        """Pass after pass until stopped; a pass that fails (the database is down) is logged and retried."""
        log.info("worker %s started, polling every %ss", self.name, self.interval)
        while not self._stop.is_set():
            try:
                outcomes = self.run_once()
            except Exception:
                log.exception("worker %s: pass failed", self.name)
            else:
                if outcomes:
                    log.info("worker %s: %s", self.name, describe(outcomes))
                if self.deliveries:
                    log.info("worker %s: webhooks %s", self.name, describe(self.deliveries))
            try:
                self._log_audit_head_when_due()
            except Exception:
                log.exception("worker %s: audit head not read", self.name)
            self._stop.wait(self.interval)
        log.info("worker %s stopped", self.name)


def _stop_on_signals(worker: Worker) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("worker %s: %s received, stopping", worker.name, signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


@click.command("worker")
@click.option("--once", is_flag=True, help="run the jobs that are due now, then exit")
@click.option("--interval", type=float, default=None, help="seconds between passes (WORKER_POLL_SECONDS)")
@with_appcontext
def worker_command(once: bool, interval: float | None) -> None:
    """Run background jobs: BPMN timers and deadline warnings."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # SpiffWorkflow logs every task state change at INFO.
        logging.getLogger("spiff").setLevel(logging.WARNING)
    worker = Worker(current_app._get_current_object(), interval=interval)  # type: ignore[attr-defined]
    if once:
        outcomes = worker.run_once()
        click.echo(describe(outcomes) or "no jobs due")
        if worker.deliveries:
            click.echo(f"webhooks: {describe(worker.deliveries)}")
        return
    _stop_on_signals(worker)
    worker.run_forever()


@click.command("retry-failed-jobs")
@click.argument("job_ids", nargs=-1, type=int)
@with_appcontext
def retry_failed_jobs_command(job_ids: tuple[int, ...]) -> None:
    """Run failed jobs again (all, or the ids given), e.g. after fixing what made a timer fail."""
    retried = jobs.retry_failed(job_ids)
    for job in retried:
        click.echo(
            f"job {job.id} ({job.kind}, case {job.case_id}) pending again; last error: {job.last_error}"
        )
    click.echo(f"{len(retried)} job(s) will run at the worker's next pass")

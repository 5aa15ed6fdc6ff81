"""The worker under crashes and restarts: every due timer fires exactly once, and how fast.

Too slow and too rough for the test suite (it starts, kills and restarts ``flask --app wsgi worker``
processes), so it lives here. For each database (a temporary SQLite file; PostgreSQL when
``BENCH_DATABASE_URL`` is set, in a ``ws_worker_bench`` database beside the one it names, dropped
afterwards):

1. migrate and load the demo data; register N 最低生活保障 cases in-process on a clock eight days in
   the past and take each through 受理 and 入户调查, so each waits on a 7-day publicity timer that
   fell due a day ago on the wall clock (as after a long worker outage);
2. start workers (one on SQLite, three on PostgreSQL) with a 5-second claim lease; once timers
   fire, SIGKILL one worker (a crash with jobs claimed) and SIGTERM another (a graceful stop);
   then start a fresh worker (the restart);
3. when no job is left pending or running, check that every case fired its timer exactly once
   (one ``timer.fired`` audit row, one open 审核确认 task) and report the timers fired per second
   between the first claim and the last finish, and how many jobs were taken over after the crash.

Run with the project's Python: ``python bench/worker_bench.py [--cases 200]``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.allowance import VISIT, start_case  # noqa: E402
from tests.support.api import ApiClient  # noqa: E402
from workflow_service import create_app  # noqa: E402
from workflow_service.config import normalise_database_url  # noqa: E402
from workflow_service.extensions import db  # noqa: E402
from workflow_service.models import AuditEvent, Job, JobKind, JobState, Task, TaskState  # noqa: E402
from workflow_service.services.seed.seeding import DEMO_PASSWORD  # noqa: E402

DATABASE_NAME = "ws_worker_bench"
LEASE_SECONDS = 5


@dataclass
class Outcome:
    database: str
    workers: int
    cases: int
    fired_once: int
    fired_twice_or_more: int
    not_fired: int
    taken_over: int
    seconds: float

    @property
    def timers_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="ws-worker-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    url = make_url(normalise_database_url(admin_url))
    if url.host not in (None, "", "localhost", "127.0.0.1", "::1"):
        raise SystemExit(f"refusing a non-loopback PostgreSQL host {url.host!r}: the benchmark stays local")

    def admin() -> psycopg.Connection:
        return psycopg.connect(
            host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
        )

    with admin() as connection:
        connection.autocommit = True
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    try:
        yield url.set(drivername="postgresql", database=DATABASE_NAME).render_as_string(hide_password=False)
    finally:
        with admin() as connection:
            connection.autocommit = True
            connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


def flask(env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}")


def cases_waiting_on_overdue_timers(database_url: str, count: int) -> None:
    """Register ``count`` cases eight days ago and take each to its publicity timer (due a day ago)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SECRET_KEY": secrets.token_hex(32),
        }
    )
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    app.config["CLOCK"] = lambda: eight_days_ago
    api = ApiClient(app.test_client(), password=DEMO_PASSWORD)
    for serial in range(count):
        response = start_case(api, serial=serial)  # one open case per household
        if response.status_code != 201:
            raise SystemExit(f"registering a case failed: {response.json}")
        number = response.json["number"]
        api.complete(api.open_task(number, "supervisor")["id"], "clerk", {"acceptance_decision": "accept"})
        api.complete(api.open_task(number, "supervisor")["id"], "cooperator", VISIT)
    with app.app_context():
        db.engine.dispose()


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--interval", "0.5"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def job_counts(app: Flask) -> tuple[int, int]:
    """(timer jobs done, due timer jobs not yet finished).

    Each publicity that fires opens 审核确认 with its 10-day overdue timer: pending, but not due
    during the run, so not waited for.
    """
    with app.app_context():
        rows = dict(
            db.session.execute(
                select(Job.state, func.count())
                .where(Job.kind == JobKind.TIMER, Job.run_at <= datetime.now(UTC))
                .group_by(Job.state)
            ).all()
        )
        db.session.remove()
    done = rows.get(JobState.DONE, 0)
    return done, rows.get(JobState.PENDING, 0) + rows.get(JobState.RUNNING, 0)


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def run(label: str, database_url: str, cases: int, workers: int, log_folder: Path) -> Outcome:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLASK_SECRET_KEY": os.environ.get("FLASK_SECRET_KEY") or secrets.token_hex(32),
        "FLASK_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        # Small batches, so a claim ends by a crash, not by a batch outliving the short lease.
        "FLASK_WORKER_BATCH_SIZE": "5",
        "PYTHONUNBUFFERED": "1",
    }
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--demo-users")
    print(f"{label}: registering {cases} cases ...", flush=True)
    cases_waiting_on_overdue_timers(database_url, cases)

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SECRET_KEY": secrets.token_hex(32),
        }
    )
    log = log_folder / f"worker-{label}.log"
    running = [start_worker(env, log) for _ in range(workers)]
    try:
        wait_for(lambda: job_counts(app)[0] > 0, 300, "the first timer to fire")
        running[0].send_signal(signal.SIGKILL)  # a crash, its claimed jobs left running
        if workers > 1:
            running[1].send_signal(signal.SIGTERM)  # a graceful stop after the job in hand
        for process in running[: min(workers, 2)]:
            process.wait(60)
        running.append(start_worker(env, log))  # the restart
        wait_for(lambda: job_counts(app)[1] == 0, 600, "every timer job to finish")
    finally:
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(60)

    with app.app_context():
        fired = dict(
            db.session.execute(
                select(AuditEvent.case_id, func.count())
                .where(AuditEvent.action == "timer.fired")
                .group_by(AuditEvent.case_id)
            ).all()
        )
        decisions = dict(
            db.session.execute(
                select(Task.case_id, func.count())
                .where(Task.bpmn_id == "decision", Task.state == TaskState.OPEN)
                .group_by(Task.case_id)
            ).all()
        )
        started, finished = db.session.execute(
            select(func.min(Job.locked_at), func.max(Job.finished_at)).where(Job.kind == JobKind.TIMER)
        ).one()
        taken_over = db.session.execute(
            select(func.count()).select_from(Job).where(Job.kind == JobKind.TIMER, Job.attempts > 1)
        ).scalar_one()
        db.engine.dispose()
    assert all(count == 1 for count in decisions.values()), "a case has more than one decision task"
    return Outcome(
        database=label,
        workers=workers,
        cases=cases,
        fired_once=sum(1 for count in fired.values() if count == 1),
        fired_twice_or_more=sum(1 for count in fired.values() if count > 1),
        not_fired=cases - len(fired),
        taken_over=taken_over,
        seconds=(finished - started).total_seconds(),
    )


def describe(outcome: Outcome) -> str:
    return (
        f"{outcome.database}: {outcome.workers} workers (one killed, "
        f"{'one stopped, ' if outcome.workers > 1 else ''}one restarted), {outcome.cases} overdue timers: "
        f"fired once {outcome.fired_once}, more than once {outcome.fired_twice_or_more}, "
        f"never {outcome.not_fired}; {outcome.taken_over} taken over after the crash; "
        f"{outcome.timers_per_second:.1f} timers/s over {outcome.seconds:.1f} s"
    )


def write_results(outcomes: list[Outcome], cases: int) -> None:
    """Refresh docs/benchmarks-worker.md with this run's figures."""
    lines = [
        "# Worker benchmark",
        "",
        "<!-- Written by bench/worker_bench.py; rerun it rather than editing the figures by hand. -->",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python bench/worker_bench.py --cases {cases}`"
        f" on {os.cpu_count()} logical processors shared with other work: compare runs, not absolutes.",
        "",
        f"{cases} cases each wait on a 7-day publicity timer that fell due a day before the workers start"
        f" (a long outage). One worker is killed with SIGKILL once timers fire (its claimed jobs are taken"
        f" over after the {LEASE_SECONDS}-second lease), another is stopped with SIGTERM (PostgreSQL),"
        " and a fresh worker is started. The time runs from the first claim to the last finished timer,"
        " so it includes the lease and the restart.",
        "",
        "| database | workers | fired once | more than once | never | taken over | seconds | timers/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {o.database} | {o.workers} | {o.fired_once} | {o.fired_twice_or_more} | {o.not_fired}"
            f" | {o.taken_over} | {o.seconds:.1f} | {o.timers_per_second:.1f} |"
            for o in outcomes
        ),
        "",
    ]
    (REPO_ROOT / "docs" / "benchmarks-worker.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args(argv)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="ws-worker-logs-") as logs:
        with sqlite_database() as url:
            outcomes.append(run("SQLite", url, args.cases, 1, Path(logs)))
        if os.environ.get("BENCH_DATABASE_URL"):
            with postgres_database(os.environ["BENCH_DATABASE_URL"]) as url:
                outcomes.append(run("PostgreSQL", url, args.cases, 3, Path(logs)))
    for outcome in outcomes:
        print(describe(outcome))
    write_results(outcomes, args.cases)
    return 0 if all(o.fired_twice_or_more == 0 and o.not_fired == 0 for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())

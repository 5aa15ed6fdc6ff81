"""The audit chain's cost: per append, and the wait for the chain's head under concurrent writers.

Each of ``--threads`` threads commits ``--appends`` transactions of ``--rows`` audit rows each, as a
request does (``services.audit.record`` then commit), against a fresh PostgreSQL database migrated
to head. Timed per commit: the whole commit (the chain's three statements and COMMIT), the wait in
``SELECT … FROM audit_chain_head FOR UPDATE`` (the lock), and the chain's own statements (the lock
and the head's UPDATE). Afterwards the chain is verified: one chain, no forks.

Run: ``python bench/audit_chain_bench.py [--database-url postgresql://127.0.0.1:5432/test]
[--threads 1 4 8] [--appends 200] [--rows 3]``. The database named in the URL is only used to
create (and afterwards drop) the benchmark's own.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from workflow_service import create_app  # noqa: E402
from workflow_service.config import normalise_database_url  # noqa: E402
from workflow_service.extensions import db  # noqa: E402
from workflow_service.models import AuditEvent  # noqa: E402
from workflow_service.models.base import utcnow  # noqa: E402
from workflow_service.services import audit  # noqa: E402
from workflow_service.services.supervision.audit_chain import verify_chain  # noqa: E402


@dataclass
class Timings:
    commits: list[float] = field(default_factory=list)
    lock_waits: list[float] = field(default_factory=list)
    chain_statements: list[float] = field(default_factory=list)


_local = threading.local()


def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    _local.started = time.perf_counter()


def _after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    elapsed = time.perf_counter() - getattr(_local, "started", time.perf_counter())
    if "audit_chain_head" in statement:
        _local.chain = getattr(_local, "chain", 0.0) + elapsed
        if "FOR UPDATE" in statement:
            _local.lock = getattr(_local, "lock", 0.0) + elapsed


def _admin(url: Any) -> psycopg.Connection:
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _plain_rows(worker: int, serial: int, rows: int) -> None:
    """The baseline: the same rows added straight to the session, outside the chain (random hashes)."""
    for row in range(rows):
        db.session.add(
            AuditEvent(
                at=utcnow(),
                action="bench.plain",
                summary={"worker": worker, "serial": serial, "row": row},
                prev_hash=secrets.token_hex(32),
                hash=secrets.token_hex(32),
            )
        )


def run(app: Any, threads: int, appends: int, rows: int, chained: bool = True) -> tuple[Timings, float]:
    timings = Timings()
    guard = threading.Lock()
    barrier = threading.Barrier(threads)

    def work(worker: int) -> None:
        mine = Timings()
        barrier.wait()
        for serial in range(appends):
            with app.app_context():
                if chained:
                    for row in range(rows):
                        audit.record(
                            "bench.append", None, summary={"worker": worker, "serial": serial, "row": row}
                        )
                else:
                    _plain_rows(worker, serial, rows)
                _local.chain = _local.lock = 0.0
                started = time.perf_counter()
                db.session.commit()
                mine.commits.append(time.perf_counter() - started)
                mine.lock_waits.append(_local.lock)
                mine.chain_statements.append(_local.chain)
                db.session.remove()
        with guard:
            timings.commits += mine.commits
            timings.lock_waits += mine.lock_waits
            timings.chain_statements += mine.chain_statements

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return timings, time.perf_counter() - started


HEADER = "threads  rows     commits/s  commit p50  commit p90  lock wait p50  lock wait p90  chain stmts p50"


def _line(threads: int, chained: bool, timings: Timings, elapsed: float) -> str:
    def ms(value: float) -> str:
        return f"{value * 1000:.2f} ms"

    return (
        f"{threads:>7}  {'chained' if chained else 'plain  '}  {len(timings.commits) / elapsed:>9.0f}"
        f"  {ms(statistics.median(timings.commits)):>10}  {ms(_percentile(timings.commits, 0.9)):>10}"
        f"  {ms(statistics.median(timings.lock_waits)):>13}  {ms(_percentile(timings.lock_waits, 0.9)):>13}"
        f"  {ms(statistics.median(timings.chain_statements)):>15}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--appends", type=int, default=200, help="commits per thread")
    parser.add_argument("--rows", type=int, default=3, help="audit rows per commit (a step writes 2–4)")
    args = parser.parse_args(argv)

    admin_url = make_url(normalise_database_url(args.database_url))
    name = f"audit_chain_bench_{os.getpid()}"
    with _admin(admin_url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": admin_url.set(database=name).render_as_string(hide_password=False),
                "SECRET_KEY": "audit-chain-bench-" + "x" * 32,
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": max(args.threads) + 2},
            }
        )
        with app.app_context():
            upgrade()
            engine = db.engine
            event.listen(engine, "before_cursor_execute", _before)
            event.listen(engine, "after_cursor_execute", _after)
        print(f"{args.rows} audit rows per commit, {args.appends} commits per thread, PostgreSQL")
        print(HEADER)
        for threads in args.threads:
            for chained in (False, True):
                timings, elapsed = run(app, threads, args.appends, args.rows, chained)
                print(_line(threads, chained, timings, elapsed))
        with app.app_context():
            # The plain rows are outside the chain: verify the chained ones alone.
            db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            db.session.execute(text("DELETE FROM audit_event WHERE action = 'bench.plain'"))
            db.session.commit()
            report = verify_chain()
            print(f"chain: {report.rows} rows, {'intact' if report.intact else report.broken}")
            db.engine.dispose()
    finally:
        with _admin(admin_url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

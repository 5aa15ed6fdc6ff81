"""A million cases on PostgreSQL: how long the load takes, and what the busiest pages cost then.

Creates the database ``ws_million`` beside the one ``BENCH_DATABASE_URL`` names (dropped first;
kept afterwards with ``--keep``, for the dashboard's benchmark), migrates it, seeds the demo data and
runs ``flask load-cases``. Then, in-process through the Flask test client (the whole request but the
socket) or the service function where a page's part has no API of its own, each measured ``--repeat``
times after one warm-up, reporting the median and p95:

- the demo approver's first inbox page (``GET /api/v1/tasks?limit=25``), a filtered page (an item and
  "due soon or overdue") and the next page by keyset cursor;
- the header figures every staff page shows (claimed, unclaimed, new, due soon);
- the search box by case number, name, resident ID and phone, as the county supervisor (who sees
  every case) and as a township window's clerk;
- the supervisors' dashboard (``GET /api/v1/supervision/dashboard``, the last 30 days and the last
  year) as the county supervisor: each of its statements (timed through the engine's cursor
  events) and the whole request;
- the supervisors' case list (``GET /api/v1/supervision/cases``): first page, a filtered page
  (service + overdue) and the next page by cursor.

Each figure is printed beside its goal (issue 11 point 5, issue 15 point 3).

``--explain`` prints each statement's plan (EXPLAIN ANALYZE) for docs/benchmarks.md.

Run: ``python bench/million_cases.py [--cases 1000000 --open-tasks 100000 --repeat 30 --explain --keep]``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dashboard_bench import STATEMENTS  # noqa: E402  # the dashboard's statements, named in order

from workflow_service import create_app  # noqa: E402
from workflow_service.extensions import db  # noqa: E402
from workflow_service.models import Case, Task, TaskState, User  # noqa: E402
from workflow_service.services.clock import business_day  # noqa: E402
from workflow_service.services.seed.seeding import DEMO_PASSWORD  # noqa: E402
from workflow_service.services.supervision.dashboard import DASHBOARD_STATEMENTS  # noqa: E402
from workflow_service.services.work.case_lists import find_cases  # noqa: E402
from workflow_service.services.work.inbox import inbox_counts  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"
DATABASE_NAME = "ws_million"
GOAL_MS = {"page": 50.0, "header": 20.0, "search": 50.0, "dashboard statement": 300.0}


def _admin(url: Any) -> psycopg.Connection:
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def fresh_database(admin_url: str) -> str:
    url = make_url(admin_url)
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return url.set(drivername="postgresql", database=DATABASE_NAME).render_as_string(hide_password=False)


def drop_database(admin_url: str) -> None:
    with _admin(make_url(admin_url)) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


def flask(env: dict[str, str], *command: str) -> float:
    """Run ``flask --app wsgi …``; its wall seconds. Output goes to the terminal (progress bars)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=REPO_ROOT, env=env, check=True
    )
    return time.perf_counter() - started


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p95 of ``repeat`` runs after one warm-up, in ms."""
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(samples), _p95(samples)


def per_statement(
    action: Callable[[], object], repeat: int
) -> tuple[list[tuple[float, float]], float, float]:
    """Median and p95 (ms) of each dashboard statement of the action, and of the whole action.

    Timed through the engine's cursor events, without the token lookup, the calendar's rows and
    the ``SET LOCAL`` that turns JIT off (the statements that do not read ``case_file``)."""
    current: list[float] = []
    run: list[float] = []

    def before(*_args: Any) -> None:
        current.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        elapsed = (time.perf_counter() - current.pop()) * 1000
        if "case_file" in statement:  # every figure reads the cases; the token and calendar do not
            run.append(elapsed)

    action()
    per: list[list[float]] = [[] for _ in range(DASHBOARD_STATEMENTS)]
    totals = []
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for _ in range(repeat):
            run.clear()
            started = time.perf_counter()
            action()
            totals.append((time.perf_counter() - started) * 1000)
            assert len(run) == DASHBOARD_STATEMENTS, (len(run), DASHBOARD_STATEMENTS)
            for index, elapsed in enumerate(run):
                per[index].append(elapsed)
            db.session.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return (
        [(statistics.median(times), _p95(times)) for times in per],
        statistics.median(totals),
        _p95(totals),
    )


@contextmanager
def captured_statements() -> Any:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def explain(action: Callable[[], object]) -> list[str]:
    """EXPLAIN ANALYZE of every SELECT the action sends (but the token lookup and the revision row)."""
    with captured_statements() as statements:
        action()
    db.session.rollback()
    plans = []
    connection = db.session.connection().connection.dbapi_connection
    with connection.cursor() as cursor:  # type: ignore[union-attr]
        # As the dashboard and the case list run them (case_filters.without_jit), for all alike.
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)")
    for statement, parameters in statements:
        if (
            not statement.lstrip().upper().startswith("SELECT")
            or "api_token" in statement
            or "calendar_revision" in statement
        ):
            continue
        with connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    db.session.rollback()
    return plans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open-tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--dashboard-repeat", type=int, default=10, help="runs of each dashboard")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE_NAME} database")
    parser.add_argument("--reuse", action="store_true", help=f"measure the {DATABASE_NAME} database as it is")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
    database_url = (
        make_url(admin_url)
        .set(drivername="postgresql", database=DATABASE_NAME)
        .render_as_string(hide_password=False)
        if args.reuse
        else fresh_database(admin_url)
    )
    secret = secrets.token_hex(32)
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": secret}
    try:
        if not args.reuse:
            flask(env, "db", "upgrade")
            flask(env, "seed-demo", "--demo-users")
            load_seconds = flask(
                env, "load-cases", "--cases", str(args.cases), "--open-tasks", str(args.open_tasks)
            )
            print(
                f"load: {args.cases:,} cases in {load_seconds:.0f} s "
                f"({args.cases / load_seconds:,.0f} cases/s)"
            )
        measure(database_url, secret, args.repeat, args.explain, args.dashboard_repeat)
    finally:
        if not args.keep:
            drop_database(admin_url)
    return 0


def measure(
    database_url: str, secret: str, repeat: int, show_plans: bool, dashboard_repeat: int = 10
) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret})
    client = app.test_client()

    def bearer(username: str) -> dict[str, str]:
        answer = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        assert answer.status_code == 200, answer.json
        return {"Authorization": f"Bearer {answer.json['access_token']}"}

    approver_headers = bearer("approver")
    supervisor_headers = bearer("supervisor")

    def get(path: str, headers: dict[str, str] = approver_headers) -> Any:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.json)
        return response

    def supervising(path: str) -> Callable[[], object]:
        return lambda: get(path, supervisor_headers)

    with app.app_context():
        users = {u.username: u for u in db.session.execute(select(User)).scalars()}
        approver, supervisor, clerk = users["approver"], users["supervisor"], users["clerk"]
        cases = db.session.execute(select(func.count()).select_from(Case)).scalar_one()
        open_tasks = db.session.execute(
            select(func.count()).select_from(Task).where(Task.state == TaskState.OPEN)
        ).scalar_one()
        in_inbox = db.session.execute(
            select(func.count())
            .select_from(Task)
            .where(Task.state == TaskState.OPEN, Task.organisation_id == approver.organisation_id)
        ).scalar_one()
        sample = db.session.execute(
            select(Case)
            .where(Case.accepting_organisation_id == clerk.organisation_id)
            .order_by(Case.id.desc())
            .limit(1)
        ).scalar_one()
        print(f"{cases:,} cases, {open_tasks:,} open tasks, {in_inbox:,} in the approver's inbox")
        cursor = get("/api/v1/tasks?limit=25").headers.get("X-Next-Cursor")
        pages: dict[str, Callable[[], object]] = {
            "inbox, first page": lambda: get("/api/v1/tasks?limit=25"),
            "inbox, item + due soon": lambda: get(
                "/api/v1/tasks?limit=25&service=individual_business_registration&due_soon=true"
            ),
            "inbox, next page (cursor)": lambda: get(f"/api/v1/tasks?limit=25&cursor={cursor}"),
            "header figures": lambda: inbox_counts(db.session.merge(approver), None),
        }
        searches = {
            "number": sample.number,
            "name": sample.applicant_name,
            "resident ID": sample.applicant_id_number,
            "phone": sample.applicant_phone or "",
        }
        rows = []
        for name, action in pages.items():
            median, p95 = timed(action, repeat)
            goal = GOAL_MS["header" if name == "header figures" else "page"]
            rows.append((name, median, p95, goal))
        for who, user in (("county supervisor", supervisor), ("window clerk", clerk)):
            for what, value in searches.items():
                median, p95 = timed(
                    lambda user=user, value=value: find_cases(db.session.merge(user), value), repeat
                )
                rows.append((f"search by {what}, {who}", median, p95, GOAL_MS["search"]))
        listing = "/api/v1/supervision/cases?limit=50"
        list_cursor = get(listing, supervisor_headers).headers.get("X-Next-Cursor")
        case_list: dict[str, Callable[[], object]] = {
            "case list, first page": supervising(listing),
            "case list, service + overdue": supervising(
                f"{listing}&service=individual_business_registration&due=overdue"
            ),
            "case list, next page (cursor)": supervising(f"{listing}&cursor={list_cursor}"),
        }
        for name, action in case_list.items():
            median, p95 = timed(action, repeat)
            rows.append((f"{name}, county supervisor", median, p95, GOAL_MS["page"]))
        today = business_day()
        periods = {
            "30 days": f"from={today - timedelta(days=29)}&to={today}",
            "the year": f"from={today - timedelta(days=364)}&to={today}",
        }
        dashboards = {
            period: supervising(f"/api/v1/supervision/dashboard?{query}") for period, query in periods.items()
        }
        for period, action in dashboards.items():
            statements, median, p95 = per_statement(action, dashboard_repeat)
            for name, (statement_median, statement_p95) in zip(STATEMENTS, statements, strict=True):
                rows.append(
                    (
                        f"dashboard {period}: {name}",
                        statement_median,
                        statement_p95,
                        GOAL_MS["dashboard statement"],
                    )
                )
            rows.append((f"dashboard {period}: whole request", median, p95, None))
        print(f"{'':<52}{'median ms':>10}{'p95 ms':>10}{'goal':>8}")
        for name, median, p95, goal in rows:
            print(
                f"{name:<52}{median:>10.1f}{p95:>10.1f}"
                + (
                    f"{'< ' + format(goal, '.0f'):>8}" + ("" if p95 < goal else "  MISSED")
                    if goal
                    else f"{'—':>8}"
                )
            )
        if show_plans:
            for name, action in {
                **pages,
                "search by name, county supervisor": lambda: find_cases(
                    db.session.merge(supervisor), searches["name"]
                ),
                **case_list,
                "dashboard, 30 days": dashboards["30 days"],
            }.items():
                print(f"\n--- {name}")
                for plan in explain(action):
                    print(plan, end="\n\n")


if __name__ == "__main__":
    raise SystemExit(main())

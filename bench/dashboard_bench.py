"""How long each query of the supervisors' dashboard takes on a generated set of cases.

Builds a throw-away database (PostgreSQL with ``--database-url``, else temporary SQLite), migrates
and seeds it, then bulk-inserts N cases over the county's townships and a year of registrations
with plain INSERTs (no workflow run: the dashboard reads only the case columns, the 补正 notices,
the completed tasks and the evaluations). The million-case loader of the performance work is not
built yet, so N is what a plain INSERT loads in a minute or two. Each dashboard statement is timed
through the engine's cursor events, median of 5 runs, for the county supervisor over the year and
over 30 days, and for a township's command room. Run: ``python bench/dashboard_bench.py``.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from flask import g  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, select, text  # noqa: E402

from workflow_service import create_app  # noqa: E402
from workflow_service.config import PROJECT_ROOT, normalise_database_url  # noqa: E402
from workflow_service.extensions import db  # noqa: E402
from workflow_service.models import (  # noqa: E402
    Case,
    CaseEvaluation,
    EvaluationChannel,
    Organisation,
    OrganisationKind,
    ProcessDefinition,
    Rating,
    Region,
    RegionLevel,
    ServiceItem,
    SupplementNotice,
    Task,
    TaskKind,
    TaskState,
    User,
)
from workflow_service.services.process.deployment import deploy_folder  # noqa: E402
from workflow_service.services.seed.seeding import seed_demo  # noqa: E402
from workflow_service.services.supervision.dashboard import dashboard  # noqa: E402

# The dashboard's statements in the order it sends them (services/supervision/dashboard.py).
STATEMENTS = (
    "by status",
    "by service (+ overdue)",
    "by township (+ overdue)",
    "by department (+ overdue)",
    "overdue / due-soon lists",
    "timeliness (day pairs)",
    "补正 rounds",
    "local resolution",
    "同城通办 / 异地可办",
    "好差评 + rectifications",
    "督办 issued / answered / late",
    "daily volume",
)
CHUNK = 5000
YEAR_START = date(2026, 1, 1)


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _fill(count: int, seed: int = 15) -> dict[str, float]:
    """Insert ``count`` cases with their 补正 notices, review tasks and evaluations; seconds per table."""
    rng = random.Random(seed)
    clerk = _user("clerk")
    process_id = db.session.execute(select(ProcessDefinition.id).limit(1)).scalar_one()
    items = db.session.execute(select(ServiceItem.id)).scalars().all()
    county = db.session.execute(select(Region).where(Region.code == "330783")).scalar_one()
    townships = (
        db.session.execute(
            select(Region.id).where(Region.parent_id == county.id, Region.level == RegionLevel.TOWNSHIP)
        )
        .scalars()
        .all()
    )
    centres = dict(
        db.session.execute(
            select(Organisation.region_id, Organisation.id).where(
                Organisation.kind == OrganisationKind.SERVICE_CENTRE, Organisation.region_id.in_(townships)
            )
        ).all()
    )
    stations = (
        db.session.execute(select(Organisation.id).where(Organisation.kind == OrganisationKind.STATION))
        .scalars()
        .all()
    )
    bureau = db.session.execute(
        select(Organisation.id).where(Organisation.code == "330783-scjgj")
    ).scalar_one()
    townships = [township for township in townships if township in centres]
    first_id = (db.session.execute(text("SELECT COALESCE(MAX(id), 0) FROM case_file")).scalar() or 0) + 1
    cases: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    ratings = list(Rating)
    for n in range(count):
        case_id = first_id + n
        registered_on = YEAR_START + timedelta(days=rng.randrange(334))
        submitted_at = datetime.combine(registered_on, datetime.min.time(), UTC) + timedelta(
            hours=1 + rng.random() * 8
        )
        matter = rng.choice(townships)
        # One case in ten accepted at another township's window (同城通办).
        window = centres[rng.choice(townships) if rng.random() < 0.1 else matter]
        competent = rng.choice(stations)
        accepted_on = registered_on + timedelta(days=rng.randrange(2))
        due = accepted_on + timedelta(days=5)
        roll = rng.random()
        decided = roll < 0.8 and registered_on < date(2026, 11, 20)
        stopped_on = accepted_on + timedelta(days=rng.randrange(10)) if decided else None
        status = (
            ("issued" if roll < 0.7 else "approved")
            if decided
            else ("under_review" if roll < 0.95 else "supplement")
        )
        cases.append(
            {
                "id": case_id,
                "number": f"BENCH{case_id:010d}",
                "service_item_id": rng.choice(items),
                "process_definition_id": process_id,
                "channel": "window" if rng.random() < 0.8 else "portal",
                "applicant_kind": "person",
                "applicant_name": "张三",
                "applicant_id_number": "11010519491231002X",
                "supplement_count": 0,
                "accepting_organisation_id": window,
                "matter_region_id": matter,
                "competent_organisation_id": competent,
                "status": status,
                "status_history": [],
                "submitted_at": submitted_at,
                "ended_at": datetime.combine(stopped_on, datetime.min.time(), UTC) if stopped_on else None,
                "due_date": due,
                "accepted_on": accepted_on,
                "clock_stopped_on": stopped_on,
                "legal_due_date": due + timedelta(days=14),
                "result_code": ("granted" if rng.random() < 0.95 else "refused") if decided else None,
                "application": {},
                "workflow_state": "",
                "created_by_id": clerk.id,
                "version": 1,
            }
        )
        if rng.random() < 0.12:
            for sequence in range(1, 2 + (rng.random() < 0.2)):
                notices.append(
                    {
                        "case_id": case_id,
                        "sequence": sequence,
                        "materials": [],
                        "issued_at": submitted_at,
                        "issued_by_id": clerk.id,
                    }
                )
        if decided:
            tasks.append(
                {
                    "id": str(uuid.uuid4()),
                    "kind": TaskKind.WORKFLOW,
                    "case_id": case_id,
                    "bpmn_id": "review",
                    "name": "审核",
                    "lane": "department",
                    "organisation_id": bureau if rng.random() < 0.05 else competent,
                    "role": "approver",
                    "state": TaskState.COMPLETED,
                    "created_at": submitted_at,
                    "completed_at": submitted_at,
                }
            )
            if rng.random() < 0.3:
                evaluations.append(
                    {
                        "case_id": case_id,
                        "rating": rng.choice(ratings),
                        "channel": EvaluationChannel.WINDOW,
                        "evaluated_at": submitted_at,
                    }
                )
    seconds: dict[str, float] = {}
    for model, rows in (
        (Case, cases),
        (SupplementNotice, notices),
        (Task, tasks),
        (CaseEvaluation, evaluations),
    ):
        started = time.perf_counter()
        for first in range(0, len(rows), CHUNK):
            db.session.execute(insert(model), rows[first : first + CHUNK])
        db.session.commit()
        seconds[f"{model.__tablename__} ({len(rows):,} rows)"] = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('case_file_id_seq', (SELECT MAX(id) FROM case_file))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return seconds


def _per_statement(actor: User, repeat: int = 5, **filters: Any) -> tuple[list[float], float]:
    """The median milliseconds of each dashboard statement, and of the whole call."""
    times: dict[int, list[float]] = defaultdict(list)
    totals = []
    current: list[float] = []

    def before(*_args: Any) -> None:
        current.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        elapsed = (time.perf_counter() - current.pop()) * 1000
        if "calendar_revision" not in statement and not statement.startswith("SET"):
            run.append(elapsed)

    dashboard(actor, **filters)  # warm: the actor's organisation and region load once, as in a request
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for _ in range(repeat):
            run: list[float] = []
            g.pop("working_calendar", None)
            started = time.perf_counter()
            dashboard(actor, **filters)
            totals.append((time.perf_counter() - started) * 1000)
            assert len(run) == len(STATEMENTS), len(run)
            for index, elapsed in enumerate(run):
                times[index].append(elapsed)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return [statistics.median(times[index]) for index in range(len(STATEMENTS))], statistics.median(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: temporary SQLite)")
    parser.add_argument(
        "--measure-only", action="store_true", help="time the queries on a database an earlier run loaded"
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = (
        normalise_database_url(args.database_url)
        if args.database_url
        else f"sqlite:///{folder}/bench.sqlite3"
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        loaded: dict[str, float] = {}
        load_seconds = 0.0
        if not args.measure_only:
            upgrade()
            seed_demo(PROJECT_ROOT / "catalog", demo_password="demo")
            deploy_folder(PROJECT_ROOT / "bpmn", PROJECT_ROOT / "forms")
            started = time.perf_counter()
            loaded = _fill(args.cases)
            load_seconds = time.perf_counter() - started
        total_cases = db.session.execute(text("SELECT COUNT(*) FROM case_file")).scalar_one()
        supervisor, command = _user("supervisor"), _user("command")
        runs = {
            "county, the year": (supervisor, {"date_from": YEAR_START, "date_to": date(2026, 12, 31)}),
            "county, 30 days": (supervisor, {"date_from": date(2026, 11, 1), "date_to": date(2026, 11, 30)}),
            "command room, the year": (command, {"date_from": YEAR_START, "date_to": date(2026, 12, 31)}),
        }
        results = {label: _per_statement(actor, **filters) for label, (actor, filters) in runs.items()}
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    cases = total_cases
    print(
        f"{cases:,} cases on {backend}"
        + (f", loaded with plain INSERTs in {load_seconds:.0f} s:" if loaded else ":")
    )
    for table, seconds in loaded.items():
        print(f"  {table:<36} {seconds:6.1f} s")
    print("Dashboard statements, median of 5 runs (ms):")
    print(f"  {'statement':<28}" + "".join(f"{label:>24}" for label in runs))
    for index, name in enumerate(STATEMENTS):
        print(f"  {name:<28}" + "".join(f"{results[label][0][index]:24.1f}" for label in runs))
    print(f"  {'whole dashboard':<28}" + "".join(f"{results[label][1]:24.1f}" for label in runs))


if __name__ == "__main__":
    main()

"""How the inbox pages with 100,000 open tasks: keyset cursor (what the inbox uses) against OFFSET.

Builds a throw-away SQLite database (or PostgreSQL with ``--database-url``), migrates and seeds it,
adds one case and N open 审核 tasks for the demo approver's station, then times the first page and
the page after the 50,000th task, by cursor and by OFFSET. Run: ``python bench/inbox_pages.py``.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.orm import contains_eager, joinedload  # noqa: E402

from tests.support.api import APPLICANT, APPLICATION, SERVICE  # noqa: E402
from workflow_service import create_app  # noqa: E402
from workflow_service.config import PROJECT_ROOT, normalise_database_url  # noqa: E402
from workflow_service.extensions import db  # noqa: E402
from workflow_service.models import Case, Task, TaskState, User  # noqa: E402
from workflow_service.services.intake.cases import CaseRegistration, start_case  # noqa: E402
from workflow_service.services.process.deployment import deploy_folder  # noqa: E402
from workflow_service.services.seed.seeding import seed_demo  # noqa: E402
from workflow_service.services.work import inbox  # noqa: E402

PAGE = 25


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _fill(count: int) -> None:
    clerk, approver = _user("clerk"), _user("approver")
    case = start_case(clerk, CaseRegistration(SERVICE, APPLICANT, APPLICATION))
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    rows = [
        {
            "id": str(uuid.uuid4()),
            "case_id": case.id,
            "bpmn_id": "review",
            "name": "审核",
            "lane": "department",
            "organisation_id": approver.organisation_id,
            "role": "approver",
            "state": TaskState.OPEN,
            "due_date": date(2026, 1, 5) + timedelta(days=number % 400),
            "created_at": start + timedelta(seconds=number),
        }
        for number in range(count)
    ]
    for first in range(0, count, 5000):
        db.session.execute(insert(Task), rows[first : first + 5000])
    db.session.commit()
    # Fresh statistics, as autovacuum would have them on a database that grew to this size.
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _timed(action: object, repeat: int = 7) -> float:
    """The median of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: temporary SQLite)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = (
        normalise_database_url(args.database_url)
        if args.database_url
        else f"sqlite:///{folder}/bench.sqlite3"
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        upgrade()
        seed_demo(PROJECT_ROOT / "catalog", demo_password="demo")
        deploy_folder(PROJECT_ROOT / "bpmn", PROJECT_ROOT / "forms")
        _fill(args.tasks)
        approver = _user("approver")
        # When the approver last looked at the inbox: half the tasks arrived after it.
        seen_at = datetime(2026, 1, 5, 1, 0, tzinfo=UTC) + timedelta(seconds=args.tasks // 2)
        nothing_newer = datetime(2026, 1, 5, 1, 0, tzinfo=UTC) + timedelta(seconds=args.tasks + 1)
        cursor = None
        walk_started = time.perf_counter()
        for _ in range(50_000 // PAGE):  # walk to the page after the 50,000th task, as a user paging would
            cursor = inbox.inbox_page(approver, limit=PAGE, cursor=cursor).next_cursor
            db.session.rollback()  # a request per page: nothing piles up in the session
        walk_seconds = time.perf_counter() - walk_started
        # The same query as the inbox's (joins and eager loads), paged by OFFSET instead.
        order = (Task.due_date, Task.created_at, Task.id)  # every task here has a due date
        same_query = (
            select(Task)
            .join(Task.case)
            .options(contains_eager(Task.case).joinedload(Case.service_item), joinedload(Task.assignee))
            .where(
                Task.organisation_id == approver.organisation_id,
                Task.role.in_(approver.roles),
                Task.state == TaskState.OPEN,
                Task.assignee_id.is_(None) | (Task.assignee_id == approver.id),
            )
            .order_by(*order)
        )

        def by_offset(offset: int) -> None:
            db.session.execute(same_query.offset(offset).limit(PAGE)).unique().scalars().all()

        figures = {
            "keyset, first page": _timed(lambda: inbox.inbox_page(approver, limit=PAGE)),
            "keyset, after 50,000": _timed(lambda: inbox.inbox_page(approver, limit=PAGE, cursor=cursor)),
            "OFFSET, first page": _timed(lambda: by_offset(0)),
            "OFFSET 50,000": _timed(lambda: by_offset(50_000)),
            # What every staff page's header runs (claimed, unclaimed, new since, due soon).
            "header counts": _timed(lambda: inbox.inbox_counts(approver, seen_since=seen_at)),
            "header counts, nothing new": _timed(
                lambda: inbox.inbox_counts(approver, seen_since=nothing_newer)
            ),
            "arrivals poll, nothing new": _timed(
                lambda: inbox.count_arrived(approver, nothing_newer, claimed="unclaimed")
            ),
            "due-soon tab, first page": _timed(lambda: inbox.inbox_page(approver, limit=PAGE, due_soon=True)),
        }
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{args.tasks:,} open tasks in one inbox, {backend}, page of {PAGE}, median of 7 runs:")
    for label, milliseconds in figures.items():
        print(f"  {label:<24} {milliseconds:8.1f} ms")
    print(f"  walking 2,000 pages by cursor took {walk_seconds:.1f} s ({walk_seconds / 2:.1f} ms a page)")


if __name__ == "__main__":
    main()

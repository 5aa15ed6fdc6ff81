"""Where a request's CPU goes: the HTTP benchmark's case, run in-process through Flask's test client.

No gunicorn and no sockets: each request kind's CPU time (``time.process_time``) and SQL statement
count are measured on their own, and ``--profile`` prints the functions that cost the most. The
figures are for comparing one change against another in the same run on the same machine; the
HTTP benchmark (``bench/http_bench.py``) remains the measure of the whole.

``--applications N`` also submits N online applications as a portal does (one OAuth2 token for the
client, then per application: submit with an ``Idempotency-Key``, its replay, a status read and a
page of the list) and prints their CPU and statements beside the budgets of
``tests/test_statement_counts.py`` (``APPLICATION_BUDGETS``, which leave transaction control out).

Run: ``python bench/request_profile.py [--database sqlite|postgresql --cases 40 --applications 40
--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from http_bench import (
    ACCEPTANCE,
    DEFAULT_POSTGRES_URL,
    ISSUANCE,
    PASSWORD,
    REVIEW,
    application_body,
    fresh_applicant_id,
    postgres_database,
)
from sqlalchemy import event

from workflow_service import create_app
from workflow_service.extensions import db

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # the budgets are the tests' own: one table, not a copy
from tests.support.statements import TRANSACTION_CONTROL  # noqa: E402
from tests.test_statement_counts import APPLICATION_BUDGETS  # noqa: E402

PORTAL_KINDS = {
    "oauth token": None,  # once per client, no budget of its own
    "submit": "submit",
    "replay": "replay",
    "status read": "read",
    "list": "list",
}


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ws-profile-") as folder:
            yield f"sqlite:///{folder}/profile.sqlite3"
    else:
        with postgres_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)) as (url, _):
            yield url


class Recorder:
    """CPU seconds and statements per request kind."""

    def __init__(self) -> None:
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, list[int]] = defaultdict(list)
        self.work: dict[str, list[int]] = defaultdict(list)  # transaction control left out
        self._count = 0
        self._work = 0

    def count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self._count += 1
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self._work += 1

    @contextmanager
    def request(self, kind: str) -> Iterator[None]:
        self._count = self._work = 0
        started = time.process_time()
        yield
        self.cpu[kind].append(time.process_time() - started)
        self.statements[kind].append(self._count)
        self.work[kind].append(self._work)


def run_cases(client: Any, recorder: Recorder, cases: int) -> None:
    tokens = {}
    for user in ("clerk", "approver"):
        with recorder.request("token"):
            answer = client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
        tokens[user] = {"Authorization": f"Bearer {answer.json['access_token']}"}

    def call(kind: str, path: str, user: str, body: dict | None = None, method: str = "POST") -> Any:
        with recorder.request(kind):
            response = client.open(path, method=method, json=body, headers=tokens[user])
        if response.status_code >= 300:
            raise RuntimeError(f"{kind}: {response.status_code} {response.text[:500]}")
        return response.json

    def next_task(answer: dict, name: str) -> str:
        return next(task["id"] for task in answer["next_tasks"] if task["name"] == name)

    for _ in range(cases):
        created = call("case.create", "/api/v1/cases", "clerk", application_body())
        call(
            "complete 受理",
            f"/api/v1/tasks/{next_task(created, '受理')}/complete",
            "clerk",
            {"data": ACCEPTANCE},
        )
        inbox = call("tasks.inbox", "/api/v1/tasks?limit=200", "approver", method="GET")
        review = next(
            t["id"] for t in inbox if t["case_number"] == created["number"] and t["bpmn_id"] == "review"
        )
        call("claim 审核", f"/api/v1/tasks/{review}/claim", "approver")
        decided = call("complete 审核", f"/api/v1/tasks/{review}/complete", "approver", {"data": REVIEW})
        call(
            "complete 出件",
            f"/api/v1/tasks/{next_task(decided, '出件')}/complete",
            "clerk",
            {"data": ISSUANCE},
        )


def portal_client(app: Any) -> tuple[str, str]:
    """A client registered as ``flask create-client`` does: its id and secret."""
    from workflow_service.services.portal import clients

    with app.app_context():
        issued = clients.create_client(
            None, f"bench-{uuid.uuid4().hex[:8]}", ["applications:write", "applications:read"], ["330783"]
        )
        return issued.client.client_id, issued.secret


def online_application() -> dict[str, Any]:
    """A 个体工商户设立登记 by a new applicant through a portal: the body of POST /api/v1/applications."""
    window = application_body()
    return {
        "service_code": window["service_code"],
        "matter_township": "330783001",  # 吴宁街道
        "applicant": window["applicant"] | {"id_number": fresh_applicant_id()},
        "contact": "13800138000",
        "channel": "app",
        "data": window["data"],
    }


def run_applications(client: Any, credentials: tuple[str, str], recorder: Recorder, count: int) -> None:
    with recorder.request("oauth token"):
        answer = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials)
    bearer = {"Authorization": f"Bearer {answer.json['access_token']}"}

    def call(kind: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**bearer, **kwargs.pop("headers", {})}
        with recorder.request(kind):
            response = client.open(path, method=method, headers=headers, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"{kind}: {response.status_code} {response.text[:500]}")
        return response.json

    for _ in range(count):
        body = online_application()
        key = {"Idempotency-Key": str(uuid.uuid4())}
        number = call("submit", "POST", "/api/v1/applications", json=body, headers=key)["number"]
        replayed = call("replay", "POST", "/api/v1/applications", json=body, headers=key)
        assert replayed["number"] == number
        call("status read", "GET", f"/api/v1/applications/{number}")
        call("list", "GET", "/api/v1/applications")


def print_applications(recorder: Recorder, count: int) -> None:
    print(f"\n{count} online applications, one client (its token once)")
    print(f"{'request':<16}{'CPU ms (mean)':>14}{'statements':>12}{'budgeted':>10}{'budget':>8}")
    total = 0.0
    for kind, budget_name in PORTAL_KINDS.items():
        values = recorder.cpu[kind]
        mean_ms = 1000 * sum(values) / len(values)
        statements = sum(recorder.statements[kind]) / len(values)
        work = max(recorder.work[kind])
        budget = APPLICATION_BUDGETS[budget_name] if budget_name else None
        if budget_name:
            total += mean_ms
        verdict = "—" if budget is None else f"{budget}{'' if work <= budget else ' OVER'}"
        print(f"{kind:<16}{mean_ms:>14.2f}{statements:>12.1f}{work:>10}{verdict:>8}")
    print(f"{'per application':<16}{total:>14.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--applications", type=int, default=0, help="online applications to measure")
    parser.add_argument("--profile", action="store_true", help="print the 40 costliest functions")
    args = parser.parse_args(argv)
    with database(args.database) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "x" * 32,
                "TESTING": False,
                # The client's limit is still counted on every request, just never reached.
                "CLIENT_RATE_LIMIT_PER_MINUTE": 1_000_000,
            }
        )
        runner = app.test_cli_runner()
        for command in (["db", "upgrade"], ["seed-demo", "--demo-users"]):
            result = runner.invoke(args=command)
            if result.exit_code:
                print(result.output, file=sys.stderr)
                return 1
        recorder, portal = Recorder(), Recorder()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", recorder.count)
            event.listen(db.engine, "before_cursor_execute", portal.count)
        client = app.test_client()
        run_cases(client, Recorder(), args.warmup)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        run_cases(client, recorder, args.cases)
        if profiler:
            profiler.disable()
        if args.applications:
            credentials = portal_client(app)
            run_applications(client, credentials, Recorder(), args.warmup)
            run_applications(client, credentials, portal, args.applications)
    print(f"{args.database}, {args.cases} cases (after {args.warmup} to warm up), in-process test client")
    print(f"{'request':<16}{'CPU ms (mean)':>14}{'statements':>12}")
    total = 0.0
    for kind, values in recorder.cpu.items():
        mean_ms = 1000 * sum(values) / len(values)
        statements = sum(recorder.statements[kind]) / len(values)
        per_case = len(values) / args.cases if kind != "token" else 0
        total += mean_ms * per_case
        print(f"{kind:<16}{mean_ms:>14.2f}{statements:>12.1f}")
    print(f"{'per case':<16}{total:>14.2f}")
    if args.applications:
        print_applications(portal, args.applications)
    if profiler:
        profiler.dump_stats("/tmp/request_profile.pstats")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

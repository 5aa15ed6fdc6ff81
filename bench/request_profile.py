"""Where a request's CPU goes: the HTTP benchmark's case, run in-process through Flask's test client.

No gunicorn and no sockets: each request kind's CPU time (``time.process_time``) and SQL statement
count are measured on their own, and ``--profile`` prints the functions that cost the most. The
figures are for comparing one change against another in the same run on the same machine; the
HTTP benchmark (``bench/http_bench.py``) remains the measure of the whole.

Run: ``python bench/request_profile.py [--database sqlite|postgresql --cases 40 --profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
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
    postgres_database,
)
from sqlalchemy import event

from workflow_service import create_app
from workflow_service.extensions import db

REPO_ROOT = Path(__file__).resolve().parent.parent


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
        self._count = 0

    def count(self, *_: Any) -> None:
        self._count += 1

    @contextmanager
    def request(self, kind: str) -> Iterator[None]:
        self._count = 0
        started = time.process_time()
        yield
        self.cpu[kind].append(time.process_time() - started)
        self.statements[kind].append(self._count)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print the 40 costliest functions")
    args = parser.parse_args(argv)
    with database(args.database) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32, "TESTING": False})
        runner = app.test_cli_runner()
        for command in (["db", "upgrade"], ["seed-demo", "--demo-users"]):
            result = runner.invoke(args=command)
            if result.exit_code:
                print(result.output, file=sys.stderr)
                return 1
        recorder = Recorder()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", recorder.count)
        client = app.test_client()
        run_cases(client, Recorder(), args.warmup)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        run_cases(client, recorder, args.cases)
        if profiler:
            profiler.disable()
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
    if profiler:
        profiler.dump_stats("/tmp/request_profile.pstats")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

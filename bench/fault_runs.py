"""Faults that must lose nothing, against a throwaway PostgreSQL cluster of its own (never the shared one).

The script creates a cluster with ``initdb`` in a temporary folder, runs it on a free loopback port
(as the ``postgres`` user when started as root), migrates and seeds it, and starts gunicorn with
4 workers and the background worker on it. Then, each bounded in time:

race      1,000 completions of 100 受理 tasks from 20 threads: each task is completed exactly once,
          every other attempt is 409, no 5xx.
kill      whole cases from 6 threads while a gunicorn worker and then the background worker are
          killed with SIGKILL: clients see only connection errors or 5xx for the requests in
          flight and succeed on retry (a retried completion that had gone through answers 409).
restart   whole cases from 6 threads while PostgreSQL is stopped (fast) and started again 3 s later:
          requests fail within seconds as 503 problem+json with Retry-After, and the service
          recovers by itself.

After each run ``flask check-consistency`` must pass: every case agrees with its stored workflow,
no task both open and completed. The cluster is removed at the end.

Run: ``python bench/fault_runs.py [--runs race,kill,restart]``; ``--doc docs/benchmarks.md`` writes
the results into its ``fault_runs`` section.
"""

from __future__ import annotations

import argparse
import os
import platform
import pwd
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from http_bench import (
    ACCEPTANCE,
    ISSUANCE,
    PASSWORD,
    REVIEW,
    application_body,
    children_of,
    free_port,
    gunicorn,
    prepare_database,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SECTION = "fault_runs"


# --- the throwaway cluster ---------------------------------------------------------------------


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise SystemExit("no PostgreSQL server binaries under /usr/lib/postgresql")
    return versions[-1].parent


@dataclass
class Cluster:
    folder: Path
    port: int
    bin: Path
    as_postgres: bool
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "server.log"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        """A new database on this cluster; its URL."""
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
        )
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="ws-faults-"))
    if as_postgres:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    cluster = Cluster(folder, free_port(), _postgres_bin(), as_postgres)
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


# --- the service on it -------------------------------------------------------------------------


@contextmanager
def background_worker(env: dict[str, str], log_folder: Path) -> Iterator[Callable[[], subprocess.Popen]]:
    """``flask worker`` running; the callable kills it with SIGKILL and starts a new one."""
    log = (log_folder / "worker.log").open("ab")
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    def kill_and_restart() -> subprocess.Popen:
        processes[-1].send_signal(signal.SIGKILL)
        processes[-1].wait()
        return start()

    start()
    try:
        yield kill_and_restart
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
        log.close()


def check_consistency(env: dict[str, str]) -> tuple[bool, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "check-consistency"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode == 0, completed.stdout.strip().splitlines()[
        -1
    ] if completed.stdout.strip() else completed.stderr[-500:]


class Api:
    """A keep-alive client with tokens taken once; counts answers by status."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.tokens: dict[str, str] = {}
        self.statuses: Counter[str] = Counter()
        self.lock = threading.Lock()

    def call(
        self, method: str, path: str, user: str | None = None, body: Any = None, timeout: float = 30
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        response = requests.request(method, self.base_url + path, json=body, headers=headers, timeout=timeout)
        with self.lock:
            self.statuses[str(response.status_code)] += 1
        return response

    def token(self, user: str) -> str:
        if user not in self.tokens:
            answer = requests.post(
                self.base_url + "/api/v1/auth/token",
                json={"username": user, "password": PASSWORD},
                timeout=30,
            )
            answer.raise_for_status()
            self.tokens[user] = answer.json()["access_token"]
        return self.tokens[user]

    def register(self) -> dict[str, Any]:
        answer = self.call("POST", "/api/v1/cases", "clerk", application_body())
        answer.raise_for_status()
        return answer.json()


def _next_task(answer: dict[str, Any], name: str) -> str:
    return next(task["id"] for task in answer["next_tasks"] if task["name"] == name)


# --- the runs ----------------------------------------------------------------------------------


@dataclass
class RunResult:
    name: str
    passed: bool
    lines: list[str]


def race(api: Api, env: dict[str, str]) -> RunResult:
    tasks = [_next_task(api.register(), "受理") for _ in range(100)]
    attempts = [random.choice(tasks) for _ in range(1000)]
    outcomes: dict[str, Counter[int]] = {task: Counter() for task in tasks}
    lock = threading.Lock()

    def attempt(chunk: list[str]) -> None:
        for task in chunk:
            status = api.call(
                "POST", f"/api/v1/tasks/{task}/complete", "clerk", {"data": ACCEPTANCE}
            ).status_code
            with lock:
                outcomes[task][status] += 1

    threads = [threading.Thread(target=attempt, args=(attempts[i::20],)) for i in range(20)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    attempted = [task for task in tasks if outcomes[task]]
    once = sum(1 for task in attempted if outcomes[task][200] == 1)
    statuses: Counter[int] = sum(outcomes.values(), Counter())
    others = {status: count for status, count in statuses.items() if status not in (200, 409)}
    consistent, summary = check_consistency(env)
    passed = once == len(attempted) and not others and consistent
    return RunResult(
        "race",
        passed,
        [
            f"1,000 completions of {len(attempted)} 受理 tasks from 20 threads in {seconds:.1f} s",
            f"tasks completed exactly once: {once} of {len(attempted)}; answers: "
            + ", ".join(f"{status} × {count}" for status, count in sorted(statuses.items())),
            f"check-consistency: {summary}",
        ],
    )


@dataclass
class Load:
    """Client threads running whole cases, retrying a request that met a connection error or a 5xx."""

    api: Api
    stop: threading.Event = field(default_factory=threading.Event)
    cases: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    first_error_seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _until_answered(self, method: str, path: str, user: str, body: Any, accept: tuple[int, ...]) -> Any:
        for _ in range(200):
            started = time.perf_counter()
            try:
                response = self.api.call(method, path, user, body, timeout=15)
            except requests.RequestException as error:
                with self.lock:
                    self.retries[type(error).__name__] += 1
                    self.first_error_seconds.append(time.perf_counter() - started)
                time.sleep(0.3)
                continue
            if response.status_code >= 500:
                problem = response.headers.get("Content-Type", "").startswith("application/problem+json")
                with self.lock:
                    self.retries[f"{response.status_code}{'' if problem else ' (not problem+json)'}"] += 1
                    self.first_error_seconds.append(time.perf_counter() - started)
                time.sleep(0.3)
                continue
            if response.status_code not in accept:
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
            return response
        raise RuntimeError(f"{method} {path}: no answer after 200 tries")

    def one_case(self) -> None:
        created = self._until_answered("POST", "/api/v1/cases", "clerk", application_body(), (201,)).json()
        accept = _next_task(created, "受理")
        done = self._until_answered(
            "POST", f"/api/v1/tasks/{accept}/complete", "clerk", {"data": ACCEPTANCE}, (200, 409)
        )
        number = created["number"]
        inbox = self._until_answered("GET", "/api/v1/tasks?limit=200", "approver", None, (200,)).json()
        review = next(t["id"] for t in inbox if t["case_number"] == number)
        self._until_answered("POST", f"/api/v1/tasks/{review}/claim", "approver", None, (200, 409))
        decided = self._until_answered(
            "POST", f"/api/v1/tasks/{review}/complete", "approver", {"data": REVIEW}, (200, 409)
        )
        if decided.status_code == 409 or done.status_code == 409:
            case = self._until_answered("GET", f"/api/v1/cases/{number}", "clerk", None, (200,)).json()
            issue = next(t["id"] for t in case["current_tasks"] if t["name"] == "出件")
        else:
            issue = _next_task(decided.json(), "出件")
        self._until_answered(
            "POST", f"/api/v1/tasks/{issue}/complete", "clerk", {"data": ISSUANCE}, (200, 409)
        )
        with self.lock:
            self.cases += 1

    def run(self, threads: int = 6) -> list[threading.Thread]:
        def loop() -> None:
            while not self.stop.is_set():
                try:
                    self.one_case()
                except Exception as error:  # a case the service answered wrongly: that is a finding
                    with self.lock:
                        self.failures.append(f"{type(error).__name__}: {error}"[:300])

        workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        return workers

    def finish(self, workers: list[threading.Thread]) -> None:
        self.stop.set()
        for worker in workers:
            worker.join(timeout=120)


def kill(
    api: Api, env: dict[str, str], master_pid: int, restart_worker: Callable[[], subprocess.Popen]
) -> RunResult:
    load = Load(api)
    workers = load.run()
    time.sleep(5)
    victim = random.choice(children_of(master_pid))
    os.kill(victim, signal.SIGKILL)
    time.sleep(5)
    restart_worker()
    time.sleep(5)
    load.finish(workers)
    consistent, summary = check_consistency(env)
    return RunResult(
        "kill",
        consistent and not load.failures,
        [
            f"{load.cases} whole cases from 6 threads; SIGKILL to gunicorn worker {victim} at 5 s and to the "
            "background worker at 10 s (restarted at once)",
            "retried: "
            + (", ".join(f"{kind} × {count}" for kind, count in load.retries.items()) or "nothing"),
            "cases that went wrong: " + ("; ".join(load.failures[:3]) or "none"),
            f"check-consistency: {summary}",
        ],
    )


def restart(api: Api, env: dict[str, str], cluster: Cluster) -> RunResult:
    load = Load(api)
    workers = load.run()
    time.sleep(4)
    stopped_at = time.perf_counter()
    cluster.stop()
    time.sleep(3)
    cluster.start()
    down = time.perf_counter() - stopped_at
    time.sleep(6)
    load.finish(workers)
    consistent, summary = check_consistency(env)
    slowest = max(load.first_error_seconds, default=0.0)
    unproblematic = [kind for kind in load.retries if "not problem+json" in kind]
    return RunResult(
        "restart",
        consistent and not load.failures and not unproblematic and slowest < 10,
        [
            f"{load.cases} whole cases from 6 threads; PostgreSQL stopped (fast) at 4 s, started again "
            f"{down:.1f} s later",
            "answers while it was down: "
            + (", ".join(f"{kind} × {count}" for kind, count in load.retries.items()) or "none")
            + f"; the slowest failed request took {slowest:.2f} s",
            "cases that went wrong: " + ("; ".join(load.failures[:3]) or "none"),
            f"check-consistency: {summary}",
        ],
    )


# --- main ------------------------------------------------------------------------------------


def machine() -> str:
    load = os.getloadavg()
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, load {load[0]:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="race,kill,restart")
    parser.add_argument("--doc", type=Path, help="write the results into this file's fault_runs section")
    args = parser.parse_args(argv)
    runs = args.runs.split(",")
    results: list[RunResult] = []
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    with throwaway_cluster() as cluster, tempfile.TemporaryDirectory(prefix="ws-faults-log-") as logs:
        database_url = cluster.create_database("faults")
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": secrets.token_hex(32)}
        prepare_database(env)
        with gunicorn(env, 4, Path(logs)) as server, background_worker(env, Path(logs)) as restart_worker:
            api = Api(server.base_url)
            for run in runs:
                if run == "race":
                    result = race(api, env)
                elif run == "kill":
                    result = kill(api, env, server.process.pid, restart_worker)
                elif run == "restart":
                    result = restart(api, env, cluster)
                else:
                    raise SystemExit(f"unknown run {run!r}")
                results.append(result)
                print(f"{result.name}: {'passed' if result.passed else 'FAILED'}")
                for line in result.lines:
                    print(f"  {line}")
    load_after = os.getloadavg()
    if args.doc:
        write_section(args.doc, results, started, load_before, load_after)
    return 0 if all(result.passed for result in results) else 1


def write_section(
    doc: Path, results: list[RunResult], started: datetime, before: tuple, after: tuple
) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    body = [
        f"<!-- {SECTION}: written by bench/fault_runs.py --doc; rerun it rather than editing by hand -->",
        "## Faults that lose nothing",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `python bench/fault_runs.py --doc docs/benchmarks.md` "
        "on a throwaway PostgreSQL cluster (initdb, own port, fsync off), gunicorn -w 4 and `flask worker`; "
        f"commit {commit}; {os.cpu_count()} logical CPUs; "
        f"load average {before[0]:.2f} before, {after[0]:.2f} after.",
        "",
        "| Run | Result | What happened |",
        "| --- | --- | --- |",
    ]
    for result in results:
        body.append(
            f"| {result.name} | {'passed' if result.passed else 'FAILED'} | {'<br>'.join(result.lines)} |"
        )
    body.append(f"<!-- /{SECTION} -->")
    text = doc.read_text(encoding="utf-8")
    section = "\n".join(body) + "\n"
    pattern = re.compile(rf"<!-- {SECTION}:.*?<!-- /{SECTION} -->\n", re.S)
    text = (
        pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    )
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())

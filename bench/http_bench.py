"""A full case over HTTP against real gunicorn (sync workers), on SQLite and on PostgreSQL.

For each database: a fresh database (SQLite: a temporary file; PostgreSQL: a ``ws_bench`` database
created beside the one ``BENCH_DATABASE_URL`` names and dropped at the end), ``flask db upgrade`` and
``flask seed-demo``, then ``gunicorn -w 2`` on a free loopback port. A few client threads run whole
cases until a case count or a time bound is reached; every request's latency is recorded by kind.

One case, as the window and the department work it:
POST /cases → complete 受理 (the id from the registration's ``next_tasks``) → approver inbox → claim 审核
→ complete 审核 → complete 出件 (the id from the decision's ``next_tasks``). Logging in is part of the
flow only with ``--token-per-case``: by default each client thread logs in once per user and reuses
the token, as a portal or a clerk's browser does. The gunicorn workers' and the PostgreSQL
backends' CPU time over the timed phase is read from /proc and reported per case.

Run: ``python bench/http_bench.py [--databases sqlite,postgresql --cases 60 --seconds 30 --threads 4]``.
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests
from engine_bench import APPLICANT, APPLICATION  # the same case as the engine alone runs
from sqlalchemy.engine import URL, make_url
from stdnum.cn import ric

from workflow_service.services.seed.seeding import DEMO_PASSWORD

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"
# One database per run (the pid): two benchmarks on one shared server never drop each other's.
BENCH_DATABASE_NAME = f"ws_bench_{os.getpid()}"
SERVICE_CODE = "individual_business_registration"
PASSWORD = DEMO_PASSWORD  # seed-demo --demo-users: the demo accounts' published password

_applicant_serial = itertools.count()


def fresh_applicant_id() -> str:
    """A valid, never repeated resident ID, so no case trips the duplicate-application check."""
    serial = next(_applicant_serial)
    birth = date(1960, 1, 1) + timedelta(days=serial // 999)
    body = f"110105{birth:%Y%m%d}{serial % 999 + 1:03d}"
    return body + ric.calc_check_digit(body + "0")  # the function skips the last character


def application_body() -> dict[str, Any]:
    """A 个体工商户设立登记 registration by a new applicant: the body of POST /api/v1/cases."""
    id_number = fresh_applicant_id()
    return {
        "service_code": SERVICE_CODE,
        "applicant": {**APPLICANT, "id_number": id_number},
        "data": {**APPLICATION, "operator_id_number": id_number},
    }


ACCEPTANCE = {"acceptance_decision": "accept"}
REVIEW = {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}
ISSUANCE = {"delivery_method": "mail", "tracking_number": "SF1234567890"}

# Request kinds in the order a case makes them. The clerk goes on from each answer's next_tasks; the
# approver, told by nobody, reads the inbox once per case.
KINDS = (
    "token",
    "case.create",
    "tasks.inbox",
    "complete 受理",
    "claim 审核",
    "complete 审核",
    "complete 出件",
)
REQUESTS_PER_CASE = 6  # plus the two tokens per client with --token-per-case, once per client without
MAX_RECORDED_FAILURES = 20


class RequestFailed(Exception):
    """A request of the flow got an unexpected answer; the case is abandoned."""

    def __init__(self, kind: str, status: int | None, body: str) -> None:
        super().__init__(f"{kind}: HTTP {status}: {body}")
        self.kind = kind
        self.status = status
        self.body = body


@dataclass
class Failure:
    kind: str
    status: int | None
    body: str


@dataclass
class HttpResult:
    database: str
    server_version: str
    workers: int
    threads: int
    warmup_cases: int
    cases: int
    failed_cases: int
    seconds: float
    # CPU time of this (client) process during the timed phase: it shares the machine's cores.
    client_cpu_seconds: float
    # CPU time of the gunicorn workers and of the PostgreSQL backends (0 on SQLite) in that phase.
    server_cpu_seconds: float
    database_cpu_seconds: float
    token_per_case: bool
    latencies: dict[str, list[float]]
    failures: list[Failure] = field(default_factory=list)
    status_counts: dict[str, int] = field(default_factory=dict)
    server_log_problems: list[str] = field(default_factory=list)
    # API nodes: gunicorn groups on ports of their own, taken in turn by every client's requests.
    nodes: int = 1
    # gunicorn's worker class (sync, or gthread with ``worker_threads`` threads per worker).
    worker_class: str = "sync"
    worker_threads: int = 1

    @property
    def server_settings(self) -> str:
        """The gunicorn settings of the run, as a command line says them."""
        if self.worker_class == "gthread":
            return f"gunicorn -w {self.workers} -k gthread --threads {self.worker_threads}"
        return f"gunicorn -w {self.workers} (sync)"

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms_per_case(self) -> float:
        return 1000 * self.server_cpu_seconds / self.cases if self.cases else 0.0

    @property
    def database_cpu_ms_per_case(self) -> float:
        return 1000 * self.database_cpu_seconds / self.cases if self.cases else 0.0

    def percentile_ms(self, kind: str, fraction: float) -> float:
        return 1000 * percentile(self.latencies.get(kind, []), fraction)

    def share_of_request_time(self, kind: str) -> float:
        total = sum(sum(values) for values in self.latencies.values())
        return sum(self.latencies.get(kind, [])) / total if total else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def _is_loopback(host: str | None) -> bool:
    if not host:
        return True  # no host: a Unix socket on this machine
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- databases ---------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[tuple[str, str]]:
    """A fresh SQLite file in a temporary folder: (DATABASE_URL, version)."""
    import sqlite3

    with tempfile.TemporaryDirectory(prefix="ws-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}", sqlite3.sqlite_version


def _admin_connection(url: URL) -> psycopg.Connection:
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


@contextmanager
def postgres_database(admin_url: str) -> Iterator[tuple[str, str]]:
    """A fresh ``ws_bench_<pid>`` database beside ``admin_url``'s, dropped afterwards: (URL, version)."""
    url = make_url(admin_url)
    if not _is_loopback(url.host):
        raise SystemExit(f"refusing a non-loopback PostgreSQL host {url.host!r}: the benchmark stays local")
    with _admin_connection(url) as connection:
        version = str(connection.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{BENCH_DATABASE_NAME}"')
    try:
        bench_url = url.set(drivername="postgresql", database=BENCH_DATABASE_NAME)
        yield bench_url.render_as_string(hide_password=False), version
    finally:
        with _admin_connection(url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE_NAME}" WITH (FORCE)')


def prepare_database(env: dict[str, str]) -> None:
    """Migrate to head and load the demo organisations, users and processes."""
    for command in (["db", "upgrade"], ["seed-demo", "--demo-users"]):
        completed = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            output = completed.stdout + completed.stderr
            raise RuntimeError(f"flask {' '.join(command)} failed ({completed.returncode}):\n{output}")


# --- gunicorn ----------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        """Log lines that tell of trouble (errors, tracebacks, timeouts, locked databases)."""
        markers = ("ERROR", "Traceback", "WORKER TIMEOUT", "locked", "Exception", "CRITICAL")
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if any(marker in line for marker in markers)]


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int, log_folder: Path, worker_class: str = "sync", worker_threads: int = 1
) -> Iterator[Server]:
    """Start ``gunicorn -w N`` on a free loopback port, wait for /healthz, and always stop it.
    ``worker_class`` gthread runs ``worker_threads`` threads in each worker (gunicorn.conf.py's
    problem+json worker either way)."""
    port = free_port()
    env = {**env, "GUNICORN_THREADS": str(worker_threads if worker_class == "gthread" else 1)}
    log_path = log_folder / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--error-logfile",
                "-",
                "wsgi:app",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        _stop(process)


def _wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log_tail()}")
        with suppress(requests.RequestException):
            if requests.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn not healthy after {timeout:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the gunicorn master we started (it stops its workers); SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- server CPU, read from /proc -----------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def children_of(parent: int) -> list[int]:
    """The pids whose parent is ``parent`` (gunicorn's workers of its master)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(stat.parent.name))
    return pids


def database_backends(database_url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (the server runs on this machine)."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        return []
    with _admin_connection(url) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.database,),
        ).fetchall()
    return [row[0] for row in rows]


@dataclass
class CpuMeter:
    """CPU time of the gunicorn workers and the database backends over a phase."""

    master_pids: list[int]
    database_url: str
    start: dict[int, float] = field(default_factory=dict)

    def _workers(self) -> list[int]:
        return [pid for master in self.master_pids for pid in children_of(master)]

    def _now(self) -> dict[int, float]:
        pids = self._workers() + database_backends(self.database_url)
        return {pid: process_cpu_seconds(pid) for pid in pids}

    def begin(self) -> None:
        self.start = self._now()

    def end(self) -> tuple[float, float]:
        """(workers' CPU seconds, database backends' CPU seconds) since ``begin``."""
        workers = set(self._workers())
        now = self._now()
        spent = {pid: seconds - self.start.get(pid, 0.0) for pid, seconds in now.items()}
        server = sum(seconds for pid, seconds in spent.items() if pid in workers)
        return server, sum(seconds for pid, seconds in spent.items() if pid not in workers)


# --- the client --------------------------------------------------------------------------------


class CaseClient:
    """One client thread: a keep-alive session, its own latency lists and status counts."""

    def __init__(self, base_url: str | list[str], token_per_case: bool = False) -> None:
        # Several API nodes: each request goes to the next, as a round-robin load balancer sends them.
        self.base_urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self._next_node = itertools.cycle(range(len(self.base_urls)))
        self.token_per_case = token_per_case
        self.tokens: dict[str, str] = {}
        self.session = requests.Session()
        self.latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.status_counts: dict[str, int] = {}

    def _call(
        self,
        kind: str,
        method: str,
        path: str,
        expected: int,
        token: str | None = None,
        body: dict | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        try:
            base_url = self.base_urls[next(self._next_node)]
            response = self.session.request(method, base_url + path, json=body, headers=headers, timeout=120)
        except requests.RequestException as error:
            raise RequestFailed(kind, None, f"{type(error).__name__}: {error}") from None
        elapsed = time.perf_counter() - started
        key = f"{kind} {response.status_code}"
        self.status_counts[key] = self.status_counts.get(key, 0) + 1
        if response.status_code != expected:
            raise RequestFailed(kind, response.status_code, response.text[:2000])
        self.latencies[kind].append(elapsed)
        return response.json()

    def _token(self, username: str) -> str:
        """The user's token: taken once per client and reused, as a portal or a clerk's browser
        keeps it (``--token-per-case`` takes a new one for every case, paying Argon2 each time)."""
        if username not in self.tokens or self.token_per_case:
            body = {"username": username, "password": PASSWORD}
            answer = self._call("token", "POST", "/api/v1/auth/token", 200, body=body)
            self.tokens[username] = answer["access_token"]
        return self.tokens[username]

    def _task_of(self, token: str, number: str, bpmn_id: str) -> str:
        inbox = self._call("tasks.inbox", "GET", "/api/v1/tasks?limit=200", 200, token=token)
        for task in inbox:
            if task["case_number"] == number and task["bpmn_id"] == bpmn_id:
                return task["id"]
        raise RequestFailed("tasks.inbox", 200, f"no {bpmn_id} task of {number} among {len(inbox)} tasks")

    def run_case(self) -> None:
        """One case from submission to 出件; raises RequestFailed on the first unexpected answer."""
        clerk = self._token("clerk")
        created = self._call(
            "case.create",
            "POST",
            "/api/v1/cases",
            201,
            token=clerk,
            body=application_body(),
        )
        number = created["number"]
        task = _next_task(created, "受理")
        self._call(
            "complete 受理", "POST", f"/api/v1/tasks/{task}/complete", 200, clerk, {"data": ACCEPTANCE}
        )
        approver = self._token("approver")
        task = self._task_of(approver, number, "review")
        self._call("claim 审核", "POST", f"/api/v1/tasks/{task}/claim", 200, approver)
        decided = self._call(
            "complete 审核", "POST", f"/api/v1/tasks/{task}/complete", 200, approver, {"data": REVIEW}
        )
        task = _next_task(decided, "出件")
        self._call("complete 出件", "POST", f"/api/v1/tasks/{task}/complete", 200, clerk, {"data": ISSUANCE})


def _next_task(answer: dict[str, Any], name: str) -> str:
    """The id of the task the answer says comes next (registration and completion both say it)."""
    for task in answer.get("next_tasks") or []:
        if task["name"] == name:
            return task["id"]
    raise RequestFailed(name, 200, f"no {name} among the answer's next_tasks: {answer.get('next_tasks')}")


@dataclass
class _Phase:
    """Shared by the threads of one phase: how many cases may still start, and until when."""

    max_cases: int
    deadline: float
    started: int = 0
    completed: int = 0
    failures: list[Failure] = field(default_factory=list)
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if self.started >= self.max_cases or time.monotonic() >= self.deadline:
                return False
            self.started += 1
            return True

    def fail(self, failure: Failure) -> None:
        with self.lock:
            self.failed += 1
            if len(self.failures) < MAX_RECORDED_FAILURES:
                self.failures.append(failure)


def _run_phase(clients: list[CaseClient], max_cases: int, seconds: float) -> tuple[_Phase, float]:
    phase = _Phase(max_cases=max_cases, deadline=time.monotonic() + seconds)

    def worker(client: CaseClient) -> None:
        while phase.take():
            try:
                client.run_case()
            except RequestFailed as error:
                phase.fail(Failure(error.kind, error.status, error.body))
            except Exception as error:  # a client-side surprise must not kill the thread silently
                phase.fail(Failure("client", None, f"{type(error).__name__}: {error}"))
            else:
                with phase.lock:
                    phase.completed += 1

    threads = [threading.Thread(target=worker, args=(client,), daemon=True) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return phase, time.perf_counter() - started


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting wide (CJK) characters as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - shown)


def run(
    database: str,
    *,
    cases: int = 60,
    seconds: float = 30.0,
    threads: int = 4,
    warmup: int = 4,
    workers: int = 2,
    postgres_url: str | None = None,
    token_per_case: bool = False,
    nodes: int = 1,
    worker_class: str = "sync",
    worker_threads: int = 1,
) -> HttpResult:
    """Benchmark one database (``sqlite`` or ``postgresql``) end to end; gunicorn is always stopped.
    ``nodes``: API nodes (gunicorn groups of ``workers`` each, on ports of their own) on the one
    database, every client sending its requests to them in turn."""
    if database == "sqlite":
        database_context = sqlite_database()
    elif database == "postgresql":
        database_context = postgres_database(
            postgres_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES_URL
        )
    else:
        raise ValueError(f"unknown database {database!r}")
    with (
        database_context as (database_url, version),
        tempfile.TemporaryDirectory(prefix="ws-bench-log-") as logs,
    ):
        secret_key = os.environ.get("FLASK_SECRET_KEY") or secrets.token_hex(32)
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": secret_key}
        prepare_database(env)
        with ExitStack() as stack:
            servers = [
                stack.enter_context(gunicorn(env, workers, Path(logs), worker_class, worker_threads))
                for _ in range(nodes)
            ]
            urls = [server.base_url for server in servers]
            if warmup:
                warm, _ = _run_phase([CaseClient(urls) for _ in range(threads)], warmup, 60.0)
                if warm.failed:
                    first = warm.failures[0]
                    raise RuntimeError(
                        f"warm-up failed on {database}: {first.kind} HTTP {first.status}: {first.body}\n"
                        f"{servers[0].log_tail()}"
                    )
            clients = [CaseClient(urls, token_per_case) for _ in range(threads)]
            meter = CpuMeter([server.process.pid for server in servers], database_url)
            meter.begin()
            cpu_before = time.process_time()
            phase, elapsed = _run_phase(clients, cases, seconds)
            client_cpu = time.process_time() - cpu_before
            server_cpu, database_cpu = meter.end()
            problems = [line for server in servers for line in server.log_problems()]
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    status_counts: dict[str, int] = {}
    for client in clients:
        for kind, values in client.latencies.items():
            latencies[kind].extend(values)
        for key, count in client.status_counts.items():
            status_counts[key] = status_counts.get(key, 0) + count
    return HttpResult(
        database=database,
        server_version=version,
        workers=workers,
        threads=threads,
        warmup_cases=warmup,
        cases=phase.completed,
        failed_cases=phase.failed,
        seconds=elapsed,
        client_cpu_seconds=client_cpu,
        server_cpu_seconds=server_cpu,
        database_cpu_seconds=database_cpu,
        token_per_case=token_per_case,
        latencies=latencies,
        failures=phase.failures,
        status_counts=status_counts,
        server_log_problems=problems,
        nodes=nodes,
        worker_class=worker_class,
        worker_threads=worker_threads,
    )


def describe(result: HttpResult) -> str:
    """A few lines for the terminal."""
    lines = [
        f"http/{result.database}: {result.cases_per_second:.2f} cases/s "
        f"({result.cases} cases in {result.seconds:.1f} s, {result.failed_cases} failed; "
        f"{result.nodes} × {result.server_settings}, {result.threads} client threads, "
        f"{result.database} {result.server_version})",
        f"  client CPU: {result.client_cpu_seconds:.1f} s of {result.seconds:.1f} s wall",
        f"  server CPU per case: {result.server_cpu_ms_per_case:.1f} ms in the gunicorn workers, "
        f"{result.database_cpu_ms_per_case:.1f} ms in the database backends "
        f"(tokens {'per case' if result.token_per_case else 'once per client'})",
        f"  {'request':<16}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'share':>8}",
    ]
    for kind in KINDS:
        lines.append(
            f"  {_pad(kind, 16)}{len(result.latencies[kind]):>5}{result.percentile_ms(kind, 0.5):>10.1f}"
            f"{result.percentile_ms(kind, 0.95):>10.1f}{100 * result.share_of_request_time(kind):>7.0f}%"
        )
    unexpected = {key: n for key, n in result.status_counts.items() if not key.endswith(("200", "201"))}
    if unexpected:
        lines.append(f"  unexpected statuses: {unexpected}")
    for failure in result.failures:
        lines.append(f"  FAILED {failure.kind}: HTTP {failure.status}: {failure.body[:500]}")
    for line in result.server_log_problems[:20]:
        lines.append(f"  gunicorn log: {line}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    failed = False
    for database in args.databases.split(","):
        result = run(
            database.strip(),
            cases=args.cases,
            seconds=args.seconds,
            threads=args.threads,
            warmup=args.warmup,
            workers=args.workers,
            token_per_case=args.token_per_case,
            nodes=args.nodes,
            worker_class=args.worker_class,
            worker_threads=args.worker_threads,
        )
        print(describe(result))
        failed = failed or bool(result.failed_cases)
    return 1 if failed else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The HTTP benchmark's options (shared with run_all.py)."""
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql (default both)"
    )
    parser.add_argument("--cases", type=int, default=60, help="timed cases per database at most (default 60)")
    parser.add_argument("--seconds", type=float, default=30.0, help="no new case after this (default 30)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client threads (default 4)")
    parser.add_argument("--warmup", type=int, default=4, help="untimed cases first (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per node (default 2)")
    parser.add_argument("--nodes", type=int, default=1, help="API nodes, each a gunicorn group (default 1)")
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gunicorn worker class (default: sync)",
    )
    parser.add_argument(
        "--worker-threads", type=int, default=1, help="threads per gunicorn worker with gthread (default 1)"
    )
    parser.add_argument(
        "--token-per-case",
        action="store_true",
        help="log in for every case (Argon2 twice a case) instead of once per client thread",
    )


if __name__ == "__main__":
    sys.exit(main())

"""How long requests wait for SQLite's write lock, per case, with several clients.

SQLite has one writer at a time: a write transaction begins ``BEGIN IMMEDIATE`` and waits there (up
to the busy timeout) while another process holds the lock. The service counts that wait and how
long each transaction then keeps the lock (``workflow_sqlite_write_lock_wait_seconds`` and
``…_held_seconds`` on /metrics, by endpoint, summed over the gunicorn workers). This script runs
http_bench's case (a fresh SQLite file, ``gunicorn -w 2``, ``--threads`` clients, tokens once per
client), reads /metrics before and after the timed phase, and prints per case: the lock wait, the
time the lock was held, the requests' own time in the app, and the share of it spent waiting.

``--app-root`` runs another checkout's service (the same instruments must be in it); ``--before``
measures another checkout first and then this one, back to back, to compare a commit before a change
with the one after it in one run; ``--doc docs/benchmarks.md`` writes the ``sqlite_lock_wait`` section.
A commit older than the instruments is measured by exporting it (``git archive <commit> | tar -x -C
<folder>``), copying this checkout's ``workflow_service/instruments.py`` and ``database.py`` into it
(the instruments alone, where nothing else in the two files changed) and compiling its translations.

Run: ``python bench/sqlite_lock_wait.py [--cases 60 --threads 4] [--before ../base-checkout --doc …]``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import http_bench
import requests
from http_bench import CaseClient, _run_phase, gunicorn, prepare_database, sqlite_database
from prometheus_client.parser import text_string_to_metric_families

WAIT = "workflow_sqlite_write_lock_wait_seconds"
HELD = "workflow_sqlite_write_lock_held_seconds"
REQUEST = "workflow_http_request_duration_seconds"


def scrape(base_url: str) -> dict[tuple[str, str, str], float]:
    """(metric sample name, method, endpoint) → value, for the _sum and _count of the three histograms."""
    text = requests.get(f"{base_url}/metrics", timeout=30).text
    values: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(text):
        if family.name not in (WAIT, HELD, REQUEST):
            continue
        for sample in family.samples:
            if sample.name.endswith(("_sum", "_count")):
                key = (sample.name, sample.labels.get("method", ""), sample.labels.get("endpoint", ""))
                values[key] = values.get(key, 0.0) + sample.value
    return values


@dataclass
class LockFigures:
    cases: int
    failed: int
    seconds: float
    threads: int
    # Per case, in seconds: lock wait, lock held, request time in the app (all requests).
    wait: float
    held: float
    request: float
    write_transactions: float  # per case
    by_endpoint: list[tuple[str, float, float, float]]  # (method endpoint, wait, held, transactions) per case

    @property
    def wait_share(self) -> float:
        return self.wait / self.request if self.request else 0.0


def measure(cases: int, threads: int, warmup: int, workers: int, app_root: Path | None) -> LockFigures:
    # gunicorn and flask run in that checkout (http_bench reads its REPO_ROOT at each call)
    http_bench.REPO_ROOT = (app_root or Path(__file__).resolve().parent.parent).resolve()
    with sqlite_database() as (database_url, _), tempfile.TemporaryDirectory(prefix="ws-lock-") as logs:
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": secrets.token_hex(32)}
        if app_root is not None:
            env["PYTHONPATH"] = str(app_root.resolve())
        prepare_database(env)
        with gunicorn(env, workers, Path(logs)) as server:
            if warmup:
                _run_phase([CaseClient(server.base_url) for _ in range(threads)], warmup, 120.0)
            clients = [CaseClient(server.base_url) for _ in range(threads)]
            for client in clients:  # tokens before the timed phase: it measures the cases alone
                client._token("clerk")
                client._token("approver")
            before = scrape(server.base_url)
            phase, elapsed = _run_phase(clients, cases, 600.0)
            after = scrape(server.base_url)
    done = max(phase.completed, 1)

    def delta(name: str, method: str | None = None, endpoint: str | None = None) -> float:
        return sum(
            value - before.get(key, 0.0)
            for key, value in after.items()
            if key[0] == name
            and (method is None or key[1] == method)
            and (endpoint is None or key[2] == endpoint)
        )

    endpoints = sorted({(key[1], key[2]) for key in after if key[0] == f"{WAIT}_count"})
    rows = []
    for method, endpoint in endpoints:
        count = delta(f"{WAIT}_count", method, endpoint)
        if count:
            rows.append(
                (
                    f"{method} {endpoint}",
                    delta(f"{WAIT}_sum", method, endpoint) / done,
                    delta(f"{HELD}_sum", method, endpoint) / done,
                    count / done,
                )
            )
    return LockFigures(
        cases=phase.completed,
        failed=phase.failed,
        seconds=elapsed,
        threads=threads,
        wait=delta(f"{WAIT}_sum") / done,
        held=delta(f"{HELD}_sum") / done,
        request=delta(f"{REQUEST}_sum") / done,
        write_transactions=delta(f"{WAIT}_count") / done,
        by_endpoint=sorted(rows, key=lambda row: -row[1]),
    )


def describe(figures: LockFigures, label: str = "") -> str:
    lines = [
        f"sqlite lock wait{f' ({label})' if label else ''}: {figures.cases} cases, {figures.failed} failed, "
        f"{figures.seconds:.1f} s, {figures.threads} clients",
        f"  per case: lock wait {1000 * figures.wait:.0f} ms, lock held {1000 * figures.held:.0f} ms, "
        f"request time in the app {1000 * figures.request:.0f} ms "
        f"(waiting: {100 * figures.wait_share:.0f}%), {figures.write_transactions:.1f} write transactions",
        f"  {'request':<44}{'wait ms':>9}{'held ms':>9}{'writes':>8}   (per case)",
    ]
    for name, wait, held, count in figures.by_endpoint:
        lines.append(f"  {name:<44}{1000 * wait:>9.1f}{1000 * held:>9.1f}{count:>8.1f}")
    return "\n".join(lines)


SECTION = "sqlite_lock_wait"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _commit(root: Path) -> str:
    return (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        ).stdout.strip()
        or root.name
    )


def write_section(
    doc: Path,
    runs: list[tuple[str, LockFigures]],
    command: str,
    started: datetime,
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> None:
    body = [
        f"<!-- {SECTION}: written by bench/sqlite_lock_wait.py --doc; "
        "rerun it rather than editing by hand -->",
        "## SQLite: the wait for the write lock per case",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `{command}`: http_bench's case on a fresh SQLite file, "
        f"gunicorn -w 2 (sync), {runs[0][1].threads} client threads, tokens taken before the timed phase; "
        f"{os.cpu_count()} logical CPUs, load average {load[0][0]:.2f} before, {load[1][0]:.2f} after. "
        "The wait is the time a write transaction's `BEGIN IMMEDIATE` took (the busy handler queueing "
        "it behind another worker's transaction), the hold the time from then to its COMMIT or "
        "ROLLBACK; both from the service's own histograms on /metrics "
        "(`workflow_sqlite_write_lock_wait_seconds`, `…_held_seconds`), summed over the workers, per "
        "completed case. *Request time* is the app's own time for the case's requests "
        "(`workflow_http_request_duration_seconds`).",
        "",
        "| Run | Cases | Lock wait per case | Lock held per case | Write transactions per case "
        "| Request time per case | Share spent waiting |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, figures in runs:
        body.append(
            f"| {label} | {figures.cases} | {1000 * figures.wait:.0f} ms | {1000 * figures.held:.0f} ms "
            f"| {figures.write_transactions:.1f} | {1000 * figures.request:.0f} ms "
            f"| {100 * figures.wait_share:.0f}% |"
        )
    for label, figures in runs:
        body += ["", f"{label}, per case by request:", "", "| Request | Wait | Held | Write transactions |"]
        body.append("| --- | ---: | ---: | ---: |")
        for name, wait, held, count in figures.by_endpoint:
            body.append(f"| `{name}` | {1000 * wait:.1f} ms | {1000 * held:.1f} ms | {count:.1f} |")
    body += [
        "",
        "Before, every write request of the case flow ran two write transactions: its work, and then the "
        "answer, read back after the commit in a second `BEGIN IMMEDIATE` because the request is a POST. "
        "The answers are now read in a DEFERRED transaction (`database.reading_after_writes`), so a "
        "request takes the lock once. The token lookup was already read outside it. What remains is the "
        "work itself, which keeps the lock from its first statement through the engine step and the "
        "flush: a read-then-write transaction cannot wait for the lock in WAL mode (it fails at once when "
        "another writer committed in between), so reading the case outside the lock would need a retry "
        "on every conflict (docs/decisions.md).",
    ]
    body.append(f"<!-- /{SECTION} -->")
    text = doc.read_text(encoding="utf-8")
    section = "\n".join(body) + "\n"
    pattern = re.compile(rf"<!-- {SECTION}:.*?<!-- /{SECTION} -->\n", re.S)
    text = (
        pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    )
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=60, help="timed cases (default 60)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--warmup", type=int, default=4, help="untimed cases first (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--app-root", type=Path, help="run the service of this checkout instead")
    parser.add_argument(
        "--before", type=Path, help="measure this checkout first, then --app-root or this one"
    )
    parser.add_argument("--before-label", help="what --before is (a commit), when it is no git checkout")
    parser.add_argument("--doc", type=Path, help="write the sqlite_lock_wait section into this file")
    args = parser.parse_args(argv)
    started, load_before = datetime.now(UTC), os.getloadavg()
    runs: list[tuple[str, LockFigures]] = []
    for root in ([args.before] if args.before else []) + [args.app_root]:
        figures = measure(args.cases, args.threads, args.warmup, args.workers, root)
        label = (args.before_label if root is args.before else "") or _commit(root or REPO_ROOT)
        if args.before:
            label = f"{'before' if root is args.before else 'after'}: {label}"
        print(describe(figures, label), flush=True)
        runs.append((label, figures))
    if args.doc:
        command = "python bench/sqlite_lock_wait.py" + (f" --cases {args.cases}" if args.cases != 60 else "")
        before = f"<checkout of {args.before_label or 'the base commit'}>"
        command += f" --threads {args.threads}" + (f" --before {before}" if args.before else "")
        write_section(
            args.doc, runs, command + " --doc docs/benchmarks.md", started, (load_before, os.getloadavg())
        )
        print(f"wrote the {SECTION} section of {args.doc}")
    return 1 if any(figures.failed for _, figures in runs) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run both benchmarks in one go, print the figures and their ratio, and refresh docs/benchmarks.md.

(a) the engine alone, in-process (bench/engine_bench.py); (b) a full case over HTTP against gunicorn
on SQLite and on PostgreSQL (bench/http_bench.py). The ratio (b)/(a) from the same run is the figure
to compare between runs: the machines are shared and noisy, absolute figures are not.

Run with the project's Python: ``python bench/run_all.py`` (``make bench`` runs exactly that).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for folder in (REPO_ROOT, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import engine_bench  # noqa: E402
import http_bench  # noqa: E402

from workflow_service.services.directory.passwords import hash_password, password_matches  # noqa: E402

DOC_PATH = REPO_ROOT / "docs" / "benchmarks.md"
DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _cpuinfo() -> tuple[str, int]:
    """The CPU model and the number of logical processors, from /proc/cpuinfo."""
    model: str | None = None
    processors = 0
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == "model name" and model is None:
            model = value.strip()
        if name.strip() == "processor":
            processors += 1
    return model or platform.processor() or "unknown", processors or (os.cpu_count() or 0)


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the shared machine was."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine_description(
    results: list[http_bench.HttpResult], load_before: str, load_after: str
) -> list[tuple[str, str]]:
    """What ran the benchmark, read at run time."""
    model, processors = _cpuinfo()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else processors
    postgres = next((r.server_version for r in results if r.database == "postgresql"), "not measured")
    return [
        ("CPU", model),
        ("Logical processors", f"{processors} (usable by this process: {affinity})"),
        ("RAM", f"{_memory_gib():.1f} GiB"),
        ("OS kernel", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", postgres),
        (
            "Packages",
            f"SpiffWorkflow {_version('SpiffWorkflow')}, Flask {_version('flask')}, "
            f"gunicorn {_version('gunicorn')}, SQLAlchemy {_version('sqlalchemy')}, "
            f"psycopg {_version('psycopg')}, argon2-cffi {_version('argon2-cffi')}",
        ),
        ("Commit", _git_commit()),
        ("Load average (1/5/15 min)", f"{load_before} before the run, {load_after} after it"),
    ]


@dataclass(frozen=True)
class Argon2Cost:
    """One Argon2id password check with the service's hasher, best of a few: wall and CPU time."""

    wall_ms: float
    cpu_ms: float

    def cap_cases_per_second(self, processors: int, checks_per_case: int = 2) -> float:
        """The most cases/s the token checks alone leave room for on ``processors`` cores."""
        return processors / (checks_per_case * self.cpu_ms / 1000) if self.cpu_ms else float("inf")


def argon2_cost(repeats: int = 5) -> Argon2Cost:
    """Time the password check every token request makes, in this process."""
    stored = hash_password("demo")
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        password_matches(stored, "demo")
        wall = min(wall, time.perf_counter() - wall_start)
        cpu = min(cpu, time.process_time() - cpu_start)
    return Argon2Cost(wall_ms=1000 * wall, cpu_ms=1000 * cpu)


def _ratio(http: http_bench.HttpResult, engine: engine_bench.EngineResult) -> str:
    ratio = http.cases_per_second / engine.best_cases_per_second
    if ratio <= 0:
        return "0"
    return f"{ratio:.4f} (1/{1 / ratio:.0f})"


def _code(text: str, limit: int = 300) -> str:
    """Inline code for Markdown, on one line and without backticks."""
    flat = " ".join(text[:limit].split()).replace("`", "'")
    return f"`{flat}`"


def summary(
    engine: engine_bench.EngineResult, results: list[http_bench.HttpResult], argon2: Argon2Cost
) -> str:
    """The terminal report: both benchmarks and the ratios."""
    lines = [engine_bench.describe(engine), ""]
    for result in results:
        lines += [http_bench.describe(result), ""]
    processors = _cpuinfo()[1]
    lines.append(
        f"argon2: one password check takes {argon2.wall_ms:.0f} ms wall, {argon2.cpu_ms:.0f} ms CPU "
        f"in-process (best of 5); two per case cap {processors} cores at "
        f"{argon2.cap_cases_per_second(processors):.1f} cases/s"
    )
    for result in results:
        lines.append(
            f"ratio http/{result.database} ÷ engine: {_ratio(result, engine)} "
            f"({result.cases_per_second:.2f} ÷ {engine.best_cases_per_second:.1f} cases/s)"
        )
    return "\n".join(lines)


def render_doc(
    engine: engine_bench.EngineResult,
    results: list[http_bench.HttpResult],
    argon2: Argon2Cost,
    machine: list[tuple[str, str]],
    when: datetime,
) -> str:
    """docs/benchmarks.md, from one run's figures."""
    processors = _cpuinfo()[1]
    out: list[str] = [
        "# Benchmarks",
        "",
        "<!-- Written by bench/run_all.py; rerun it rather than editing the figures by hand. -->",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC by `python bench/run_all.py`.",
        "",
        "> **The machines are shared and noisy.** Absolute figures move from one run to the next, often",
        "> by tens of percent. Compare the **ratios** below, which come from one run on one machine, not",
        "> figures taken from different runs.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in machine),
        "",
        "## Figures",
        "",
        "| Benchmark | Cases/s | Ratio to the engine alone |",
        "| --- | ---: | ---: |",
        f"| (a) engine alone: in-process, no database, no HTTP (best of {engine.rounds} rounds) "
        f"| {engine.best_cases_per_second:.1f} | 1 |",
    ]
    for result in results:
        label = DATABASE_LABELS.get(result.database, result.database)
        out.append(
            f"| (b) HTTP, {result.server_settings}, {label}, {result.threads} client threads "
            f"| {result.cases_per_second:.2f} | {_ratio(result, engine)} |"
        )
    out += [
        "",
        f"- Engine: {engine.best_ms_per_case:.2f} ms per case, "
        f"{engine.best_ms_per_case / engine.engine_calls_per_case:.2f} ms per engine call; rounds of "
        f"{engine.cases_per_round} cases after {engine.warmup_cases} warm-up cases, in cases/s: "
        + ", ".join(f"{engine.cases_per_round / s:.1f}" for s in engine.round_seconds)
        + f" (median {engine.median_cases_per_second:.1f}).",
        f"- One Argon2id password check (the service's hasher parameters) takes {argon2.wall_ms:.0f} ms "
        f"wall, {argon2.cpu_ms:.0f} ms CPU, in-process on this machine (best of 5). Every token request "
        f"pays one and a case makes two, so the token checks alone cap {processors} cores at "
        f"{argon2.cap_cases_per_second(processors):.1f} cases/s.",
    ]
    for result in results:
        label = DATABASE_LABELS.get(result.database, result.database)
        out.append(
            f"- HTTP on {label}: {result.cases} cases completed, {result.failed_cases} failed, in "
            f"{result.seconds:.1f} s after {result.warmup_cases} warm-up cases; the client process "
            f"used {result.client_cpu_seconds:.1f} s of CPU meanwhile, on the same cores as gunicorn. "
            f"Server CPU per case: {result.server_cpu_ms_per_case:.1f} ms in the gunicorn workers "
            f"({result.server_cpu_ms_per_case / engine.best_ms_per_case:.1f}× the engine's "
            f"{engine.best_ms_per_case:.1f} ms; goal ≤ 10×), {result.database_cpu_ms_per_case:.1f} ms in the "
            f"database backends; tokens {'per case' if result.token_per_case else 'once per client'}."
        )
    for result in results:
        label = DATABASE_LABELS.get(result.database, result.database)
        times = result.server_cpu_ms_per_case / engine.best_ms_per_case
        ratio = result.cases_per_second / engine.best_cases_per_second
        out.append(
            f"- Goals on {label} ({result.server_settings}): server CPU per case {times:.1f}× the "
            f"engine's (≤ 10×: {'met' if times <= 10 else 'not met'}); H/E {ratio:.3f} "
            f"(≥ 0.25: {'met' if ratio >= 0.25 else 'not met'})."
        )
    out += [
        "",
        "## Latency per request",
        "",
        "Milliseconds as the client sees them, under the concurrency above. *Share* is the request",
        "kind's part of all request time in the run. A case makes 6 requests: 1 case creation, 1 inbox",
        "read (the approver's; the clerk goes on from each answer's `next_tasks`), 1 claim and 3",
        "completions; tokens are taken once per client and user (per case with `--token-per-case`).",
        "",
    ]
    for result in results:
        label = DATABASE_LABELS.get(result.database, result.database)
        out += [
            f"### {label} {result.server_version}",
            "",
            "| Request | n | p50 ms | p95 ms | Share |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for kind in http_bench.KINDS:
            out.append(
                f"| {kind} | {len(result.latencies[kind])} | {result.percentile_ms(kind, 0.5):.1f} "
                f"| {result.percentile_ms(kind, 0.95):.1f} "
                f"| {100 * result.share_of_request_time(kind):.0f}% |"
            )
        out.append("")
        unexpected = {k: n for k, n in result.status_counts.items() if not k.endswith(("200", "201"))}
        if unexpected or result.failures or result.server_log_problems:
            out += ["Problems seen in this run:", ""]
            out += [f"- unexpected status `{key}`: {n}×" for key, n in sorted(unexpected.items())]
            out += [f"- failed `{f.kind}` with HTTP {f.status}: {_code(f.body)}" for f in result.failures]
            out += [f"- gunicorn log: {_code(line)}" for line in result.server_log_problems[:20]]
            out.append("")
    out += [
        "## What is measured",
        "",
        "**(a) Engine alone** (`bench/engine_bench.py`), the upper limit: the BPMN",
        "`bpmn/individual_business_registration.bpmn` is parsed once and its forms loaded from `forms/`.",
        "Each case checks the applicant (`checked_applicant`) and validates the start form",
        "(`validate_form`), calls `ProcessRuntime.start`, then for each ready user task (受理, 审核, 出件)",
        "validates the task's form and calls `ProcessRuntime.complete_task`, which restores the workflow",
        "from its serialized state and serializes it again: one restore + serialize per wait state, as",
        "between two requests. One thread, no database, no HTTP.",
        "",
        "**(b) Over HTTP** (`bench/http_bench.py`): for each database a fresh one (SQLite: a temporary",
        "file; PostgreSQL: a `ws_bench` database beside the one `BENCH_DATABASE_URL` names, default",
        f"`{http_bench.DEFAULT_POSTGRES_URL}`, dropped afterwards), `flask --app wsgi db upgrade` and",
        "`flask --app wsgi seed-demo`, then `gunicorn -w 2 wsgi:app` on a free loopback port. Client",
        "threads (`requests`, keep-alive) each run whole cases: clerk token → `POST /api/v1/cases` →",
        "inbox → complete 受理 → approver token → inbox → claim 审核 → complete 审核 → clerk inbox →",
        "complete 出件. The timed phase stops starting cases at a case count or a time bound",
        "(default 60 cases or 30 s), after a few untimed warm-up cases. Client and server share the",
        "machine's cores, so the client's own CPU time is part of what limits the figure.",
        "",
        "## How to rerun",
        "",
        "With the project's virtualenv Python, from the repository root:",
        "",
        "```sh",
        "python bench/run_all.py              # or: make bench (runs exactly this)",
        "python bench/run_all.py --databases sqlite   # without PostgreSQL",
        "BENCH_DATABASE_URL=postgresql://127.0.0.1:5432/test python bench/run_all.py",
        "python bench/run_all.py --cases 200 --seconds 60 --threads 8   # a longer HTTP run",
        "python bench/engine_bench.py        # (a) alone",
        "python bench/http_bench.py          # (b) alone",
        "```",
        "",
        "`python bench/run_all.py --help` lists every option; `--no-doc` prints without rewriting this file.",
        "",
    ]
    return "\n".join(out)


# Sections other benchmarks write into the same file (bench/loop_bench.py --doc), kept on a rewrite.
KEPT_SECTIONS = (
    ("<!-- inbox_pages:", "<!-- /inbox_pages -->"),
    ("<!-- loop_bench:", "<!-- /loop_bench -->"),
    ("<!-- audit_chain:", "<!-- /audit_chain -->"),
    ("<!-- dashboard_bench:", "<!-- /dashboard_bench -->"),
    ("<!-- fault_runs:", "<!-- /fault_runs -->"),
    ("<!-- million_cases:", "<!-- /million_cases -->"),
    ("<!-- request_profile:", "<!-- /request_profile -->"),
    ("<!-- memory_soak:", "<!-- /memory_soak -->"),
    ("<!-- sqlite_lock_wait:", "<!-- /sqlite_lock_wait -->"),
    ("<!-- portal_applications:", "<!-- /portal_applications -->"),
)


def _kept_sections(doc: Path) -> str:
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    kept = []
    for begin, end in KEPT_SECTIONS:
        start, stop = text.find(begin), text.find(end)
        if start != -1 and stop > start:
            kept.append("\n" + text[start : stop + len(end)] + "\n")
    return "".join(kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine-cases", type=int, default=200, help="engine cases per round (default 200)")
    parser.add_argument("--engine-rounds", type=int, default=5, help="engine timed rounds (default 5)")
    parser.add_argument("--engine-warmup", type=int, default=50, help="engine warm-up cases (default 50)")
    http_bench.add_arguments(parser)
    parser.add_argument("--doc", type=Path, default=DOC_PATH, help="where to write the report")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave the report alone")
    args = parser.parse_args(argv)

    when = datetime.now(UTC)
    load_before = load_average()
    engine = engine_bench.run(args.engine_cases, args.engine_rounds, args.engine_warmup)
    print(engine_bench.describe(engine), flush=True)
    results: list[http_bench.HttpResult] = []
    for database in (name.strip() for name in args.databases.split(",") if name.strip()):
        result = http_bench.run(
            database,
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
        print(http_bench.describe(result), flush=True)
        results.append(result)
    argon2 = argon2_cost()

    print("\n" + "=" * 72 + "\n" + summary(engine, results, argon2))
    if not args.no_doc:
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        doc = render_doc(
            engine, results, argon2, machine_description(results, load_before, load_average()), when
        )
        args.doc.write_text(doc + _kept_sections(args.doc), encoding="utf-8")
        print(f"\nwrote {args.doc}")
    return 1 if any(result.failed_cases for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())

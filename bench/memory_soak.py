"""Worker memory over many cases and a soak: gunicorn's RSS after N cases and over M minutes at half of H.

A fresh database (SQLite: a temporary file; PostgreSQL: a throwaway cluster of its own, as
bench/fault_runs.py starts it, never the shared server), ``flask db upgrade`` and ``seed-demo``,
then ``gunicorn -w 2`` on a free loopback port. Two phases, driven by http_bench's client code
(tokens once per client, whole cases: registration, 受理, inbox, claim, 审核, 出件):

fill   ``--cases`` cases as fast as ``--threads`` clients go (or as many as ``--fill-minutes`` allow);
       their rate is H, the service's throughput on this machine now.
soak   ``--minutes`` minutes with cases started at half of H (or ``--rate``), evenly spaced.

Every worker's RSS (and PSS) is read from /proc every few seconds. Printed: RSS before the first
case, after the fill, at the soak's start and end, and the p95 latency of all requests in the
soak's first and last window, beside the goals (≤ 150 MiB per worker; flat over the soak).
``--doc docs/benchmarks.md`` writes the ``memory_soak`` section.

Run: ``python bench/memory_soak.py [--database sqlite --cases 10000 --minutes 10]``;
a short try: ``python bench/memory_soak.py --cases 200 --minutes 1``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from http_bench import (
    CaseClient,
    RequestFailed,
    children_of,
    gunicorn,
    percentile,
    prepare_database,
    sqlite_database,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SECTION = "memory_soak"
GOAL_MIB = 150.0
# "Flat": the soak's end may exceed its start by this much (allocator noise, a cache filling up).
FLAT_TOLERANCE_MIB = 5.0
SAMPLE_SECONDS = 5.0
LIBRARY_USES = {
    "pypinyin": "the catalogue's initials, worked out when a name is written",
    "pypdf": "binding several PDFs into one print",
    "openpyxl": "XLSX exports",
    "requests": "webhook delivery, in the background worker",
    "segno": "the QR code on printed pages",
    "reportlab": "printed pages; still loaded",
    "alembic": "migrations and /readyz's schema check; still loaded",
}


# --- memory, read from /proc -------------------------------------------------------------------


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Sample:
    at: float  # seconds since the sampler started
    cases: int  # cases completed so far (both phases)
    rss_mib: dict[int, float]  # per worker pid
    pss_mib: dict[int, float]

    @property
    def max_rss(self) -> float:
        return max(self.rss_mib.values(), default=0.0)


@dataclass
class Sampler:
    """Reads the workers' memory every few seconds in a thread of its own."""

    master_pid: int
    interval: float = SAMPLE_SECONDS
    samples: list[Sample] = field(default_factory=list)
    cases: int = 0
    started: float = field(default_factory=time.monotonic)
    _stop: threading.Event = field(default_factory=threading.Event)
    workers_seen: set[int] = field(default_factory=set)

    def sample(self) -> Sample:
        pids = children_of(self.master_pid)
        self.workers_seen.update(pids)
        sample = Sample(
            at=time.monotonic() - self.started,
            cases=self.cases,
            rss_mib={pid: _status_kib(pid, "VmRSS") / 1024 for pid in pids},
            pss_mib={pid: _pss_kib(pid) / 1024 for pid in pids},
        )
        self.samples.append(sample)
        return sample

    def __enter__(self) -> Sampler:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.sample()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the client, with time stamps -----------------------------------------------------------------


class TimedClient(CaseClient):
    """http_bench's client that also notes when each answer came: (monotonic time, seconds)."""

    def __init__(self, base_url: str, timeline: list[tuple[float, float]]) -> None:
        super().__init__(base_url)
        self.timeline = timeline

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        answer = super()._call(*args, **kwargs)
        self.timeline.append((time.monotonic(), time.perf_counter() - started))
        return answer


@dataclass
class PhaseResult:
    cases: int = 0
    failed: int = 0
    seconds: float = 0.0
    first_failure: str = ""
    timeline: list[tuple[float, float]] = field(default_factory=list)
    started: float = 0.0

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0

    def p95_ms(self, start: float, stop: float) -> tuple[float, int]:
        """p95 of the requests answered between ``start`` and ``stop`` seconds into the phase."""
        values = [s for at, s in self.timeline if start <= at - self.started < stop]
        return 1000 * percentile(values, 0.95), len(values)


def run_phase(
    base_url: str, threads: int, sampler: Sampler, *, cases: int | None, seconds: float | None, rate: float
) -> PhaseResult:
    """Cases from ``threads`` clients: ``cases`` of them as fast as they go (rate 0), or for
    ``seconds`` with one case starting every 1/``rate`` s."""
    result = PhaseResult(started=time.monotonic())
    lock = threading.Lock()
    tickets = {"next": 0}
    deadline = result.started + seconds if seconds else None

    def take() -> float | None:
        """When this thread's next case may start, or None when the phase is over."""
        with lock:
            index = tickets["next"]
            if cases is not None and index >= cases:
                return None
            at = result.started + index / rate if rate else time.monotonic()
            if deadline is not None and at >= deadline:
                return None
            tickets["next"] += 1
            return at

    def worker(client: CaseClient) -> None:
        while (at := take()) is not None:
            time.sleep(max(0.0, at - time.monotonic()))
            try:
                client.run_case()
            except (RequestFailed, Exception) as error:
                with lock:
                    result.failed += 1
                    result.first_failure = result.first_failure or f"{type(error).__name__}: {error}"[:500]
            else:
                with lock:
                    result.cases += 1
                    sampler.cases += 1

    clients = [TimedClient(base_url, result.timeline) for _ in range(threads)]
    pool = [threading.Thread(target=worker, args=(client,), daemon=True) for client in clients]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    result.seconds = time.monotonic() - result.started
    return result


# --- databases --------------------------------------------------------------------------------


@contextmanager
def database(kind: str) -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, version) of a fresh database only this run uses."""
    if kind == "sqlite":
        with sqlite_database() as answer:
            yield answer
        return
    from fault_runs import throwaway_cluster  # PostgreSQL only: initdb on a port of its own

    with throwaway_cluster() as cluster:
        database_url = cluster.create_database("soak")
        version = subprocess.run(
            [str(cluster.bin / "postgres"), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        yield database_url, version


# --- what importing the app costs ---------------------------------------------------------------

# Libraries a few requests need (name search keys, PDFs, QR codes, XLSX, webhooks, migrations) and
# what each costs a process on its own: they should not be loaded by importing the app.
HEAVY_LIBRARIES = {
    "pypinyin": "from pypinyin import lazy_pinyin; lazy_pinyin('调整')",
    "pypdf": "import pypdf",
    "openpyxl": "import openpyxl",
    "requests": "import requests",
    "segno": "import segno",
    "reportlab": "import reportlab.platypus, reportlab.pdfbase.cidfonts",
    "alembic": "import sqlalchemy.orm, flask_migrate",
}
_RSS_PROBE = (
    "import sys\n"
    "def rss():\n"
    "    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024\n"
    "before = rss()\n"
)


def _probe(code: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE + code], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode:
        raise RuntimeError(completed.stderr[-2000:])
    return completed.stdout.strip().splitlines()[-1]


def import_costs(database_url: str) -> tuple[float, list[tuple[str, float, bool]]]:
    """RSS of a process after ``import wsgi`` (MiB), and per heavy library: its own cost (the RSS
    it adds to a bare interpreter; they share dependencies, so the costs do not add up) and whether
    importing the app loads it."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": secrets.token_hex(32)}
    env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ws-soak-metrics-")
    names = list(HEAVY_LIBRARIES)
    loaded = _probe(f"import wsgi\nprint(rss(), *[n in sys.modules for n in {names!r}])", env).split()
    costs = [
        (name, float(_probe(f"{code}\nprint(rss() - before)", env)), loaded[index + 1] == "True")
        for index, (name, code) in enumerate(HEAVY_LIBRARIES.items())
    ]
    return float(loaded[0]), costs


# --- the run ----------------------------------------------------------------------------------


@dataclass
class SoakResult:
    database: str
    version: str
    workers: int
    threads: int
    fill: PhaseResult
    soak: PhaseResult
    rate: float
    window: float
    idle: Sample  # before the first case
    after_fill: Sample
    soak_start: Sample
    soak_end: Sample
    samples: list[Sample]
    restarted_workers: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    app_import_mib: float = 0.0
    libraries: list[tuple[str, float, bool]] = field(default_factory=list)

    @property
    def p95_start(self) -> tuple[float, int]:
        return self.soak.p95_ms(0.0, self.window)

    @property
    def p95_end(self) -> tuple[float, int]:
        return self.soak.p95_ms(self.soak.seconds - self.window, self.soak.seconds + 1)

    @property
    def worst_rss(self) -> float:
        return max(sample.max_rss for sample in self.samples)

    @property
    def growth(self) -> float:
        """The soak's growth in RSS, the largest over the workers (MiB)."""
        start, end = self.soak_start.rss_mib, self.soak_end.rss_mib
        return max((end[pid] - start[pid] for pid in end if pid in start), default=0.0)


def run(
    kind: str,
    *,
    cases: int,
    minutes: float,
    threads: int,
    workers: int,
    rate: float | None,
    fill_minutes: float | None = None,
) -> SoakResult:
    load_before = os.getloadavg()
    with database(kind) as (database_url, version), tempfile.TemporaryDirectory(prefix="ws-soak-") as logs:
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": secrets.token_hex(32)}
        prepare_database(env)
        app_import_mib, libraries = import_costs(database_url)
        with gunicorn(env, workers, Path(logs)) as server, Sampler(server.process.pid) as sampler:
            idle = sampler.sample()
            print(f"idle: {_rss_text(idle)}", flush=True)
            fill_seconds = 60 * fill_minutes if fill_minutes else None
            fill = run_phase(server.base_url, threads, sampler, cases=cases, seconds=fill_seconds, rate=0.0)
            after_fill = sampler.sample()
            print(
                f"fill: {fill.cases} cases ({fill.failed} failed) in {fill.seconds:.0f} s, "
                f"H = {fill.cases_per_second:.2f} cases/s; {_rss_text(after_fill)}",
                flush=True,
            )
            soak_rate = rate or fill.cases_per_second / 2
            soak_start = sampler.sample()
            soak = run_phase(
                server.base_url, threads, sampler, cases=None, seconds=60 * minutes, rate=soak_rate
            )
            soak_end = sampler.sample()
            restarted = len(sampler.workers_seen) - workers
            problems = server.log_problems()
    for line in problems[:10]:
        print(f"  gunicorn log: {line}")
    return SoakResult(
        database=kind,
        version=version,
        workers=workers,
        threads=threads,
        fill=fill,
        soak=soak,
        rate=soak_rate,
        window=min(60.0, 60 * minutes / 5),
        idle=idle,
        after_fill=after_fill,
        soak_start=soak_start,
        soak_end=soak_end,
        samples=sampler.samples,
        restarted_workers=restarted,
        load_before=load_before,
        load_after=os.getloadavg(),
        app_import_mib=app_import_mib,
        libraries=libraries,
    )


def _rss_text(sample: Sample) -> str:
    rss = ", ".join(f"{value:.1f}" for value in sample.rss_mib.values())
    pss = ", ".join(f"{value:.1f}" for value in sample.pss_mib.values())
    return f"worker RSS {rss} MiB (PSS {pss})"


def verdict(result: SoakResult) -> list[tuple[str, str, str]]:
    """(figure, value, goal and whether it is met) rows."""
    p95_start, n_start = result.p95_start
    p95_end, n_end = result.p95_end
    after = result.after_fill.max_rss
    return [
        ("worker RSS before the first case (largest)", f"{result.idle.max_rss:.1f} MiB", ""),
        (
            f"worker RSS after {result.fill.cases:,} cases (largest)",
            f"{after:.1f} MiB",
            f"≤ {GOAL_MIB:.0f} MiB: {'met' if after <= GOAL_MIB else 'NOT met'}",
        ),
        ("worker RSS at the soak's start (largest)", f"{result.soak_start.max_rss:.1f} MiB", ""),
        ("worker RSS at the soak's end (largest)", f"{result.soak_end.max_rss:.1f} MiB", ""),
        (
            "growth over the soak (largest worker)",
            f"{result.growth:+.1f} MiB",
            f"flat (≤ +{FLAT_TOLERANCE_MIB:.0f} MiB): "
            + ("met" if result.growth <= FLAT_TOLERANCE_MIB else "NOT met"),
        ),
        ("highest worker RSS seen", f"{result.worst_rss:.1f} MiB", f"≤ {GOAL_MIB:.0f} MiB"),
        (f"p95, soak's first {result.window:.0f} s", f"{p95_start:.1f} ms ({n_start} requests)", ""),
        (
            f"p95, soak's last {result.window:.0f} s",
            f"{p95_end:.1f} ms ({n_end} requests)",
            "flat: " + ("met" if p95_end <= 1.25 * p95_start else "NOT met (> 1.25× the start)"),
        ),
    ]


def describe(result: SoakResult) -> str:
    lines = [
        f"memory soak on {result.database} {result.version}: gunicorn -w {result.workers} (sync), "
        f"{result.threads} client threads",
        f"  fill: {result.fill.cases} cases, {result.fill.failed} failed, {result.fill.seconds:.0f} s "
        f"(H = {result.fill.cases_per_second:.2f} cases/s)",
        f"  soak: {result.soak.cases} cases, {result.soak.failed} failed, {result.soak.seconds:.0f} s at "
        f"{result.rate:.2f} cases/s (half of H)",
    ]
    for failure in (result.fill.first_failure, result.soak.first_failure):
        if failure:
            lines.append(f"  first failure: {failure}")
    if result.restarted_workers:
        lines.append(f"  WARNING: {result.restarted_workers} worker(s) restarted during the run")
    width = max(len(name) for name, _, _ in verdict(result))
    lines += [f"  {name:<{width}}  {value:>24}  {goal}" for name, value, goal in verdict(result)]
    return "\n".join(lines)


def _command(args: argparse.Namespace) -> str:
    parts = ["python bench/memory_soak.py", f"--database {args.database}", f"--cases {args.cases}"]
    if args.fill_minutes:
        parts.append(f"--fill-minutes {args.fill_minutes:g}")
    parts.append(f"--minutes {args.minutes:g}")
    if args.rate:
        parts.append(f"--rate {args.rate:g}")
    return " ".join([*parts, "--doc docs/benchmarks.md"])


def write_section(doc: Path, result: SoakResult, args: argparse.Namespace, started: datetime) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    trace = _trace(result)
    body = [
        f"<!-- {SECTION}: written by bench/memory_soak.py --doc; rerun it rather than editing by hand -->",
        "## Worker memory: after many cases and over a soak",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `{_command(args)}` on {result.database} "
        f"{result.version}, gunicorn -w {result.workers} (sync), {result.threads} client threads (tokens "
        f"once per client); commit {commit}; {os.cpu_count()} logical CPUs, {memory_gib:.1f} GiB; load "
        f"average {result.load_before[0]:.2f} before, {result.load_after[0]:.2f} after. Fill: "
        f"{result.fill.cases:,} cases as fast as the clients go, {result.fill.seconds:.0f} s, H = "
        f"{result.fill.cases_per_second:.2f} cases/s ({result.fill.failed} failed). Soak: "
        f"{result.soak.seconds / 60:.1f} min with a case started every {1 / result.rate:.2f} s "
        f"({result.rate:.2f} cases/s, half of H), {result.soak.cases} cases ({result.soak.failed} failed). "
        "RSS read from `/proc/<pid>/status` of each worker every "
        f"{SAMPLE_SECONDS:.0f} s; PSS from `smaps_rollup`."
        + (f" {result.restarted_workers} worker(s) restarted." if result.restarted_workers else "")
        + (
            f" **The fill stopped at its time bound ({args.fill_minutes:g} min) after {result.fill.cases:,} "
            f"cases, short of the {args.cases:,} asked**: on this shared machine at this load a run of "
            f"{args.cases:,} cases takes {args.cases / max(result.fill.cases_per_second, 0.01) / 60:.0f} min."
            if result.fill.cases + result.fill.failed < args.cases
            else ""
        ),
        "",
        "| Figure | Value | Goal |",
        "| --- | ---: | --- |",
        *(f"| {name} | {value} | {goal} |" for name, value, goal in verdict(result)),
        "",
        f"RSS over the run (largest worker; PSS of the same worker): {trace}.",
        "",
        f"A process that imports the app (`import wsgi`) holds {result.app_import_mib:.0f} MiB before "
        "serving anything. Libraries only a few requests need, each one's own cost in a bare interpreter "
        "(they share dependencies, so the costs do not add up), and whether importing the app loads them:",
        "",
        "| Library (what needs it) | Own cost | Loaded by importing the app |",
        "| --- | ---: | --- |",
        *(
            f"| {name} ({LIBRARY_USES.get(name, '')}) | {cost:.1f} MiB | {'yes' if loaded else 'no'} |"
            for name, cost, loaded in result.libraries
        ),
        "",
        "Argon2's password check allocates 19 MiB in one block; gunicorn.conf.py fixes malloc's mmap "
        "threshold in the master so that every worker hands the block back when the check ends (without "
        "it a worker keeps ~19 MiB from its first login on).",
        f"<!-- /{SECTION} -->",
    ]
    text = doc.read_text(encoding="utf-8")
    section = "\n".join(body) + "\n"
    pattern = re.compile(rf"<!-- {SECTION}:.*?<!-- /{SECTION} -->\n", re.S)
    text = (
        pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    )
    doc.write_text(text, encoding="utf-8")


def _trace(result: SoakResult, points: int = 8) -> str:
    samples = result.samples
    step = max(1, len(samples) // points)
    chosen = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    out = []
    for sample in chosen:
        pid = max(sample.rss_mib, key=lambda p: sample.rss_mib[p], default=None)
        if pid is None:
            continue
        out.append(
            f"{sample.at / 60:.1f} min / {sample.cases:,} cases: {sample.rss_mib[pid]:.1f} "
            f"({sample.pss_mib[pid]:.1f}) MiB"
        )
    return "; ".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cases", type=int, default=10_000, help="cases before the soak (default 10,000)")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the soak (default 10)")
    parser.add_argument(
        "--fill-minutes", type=float, help="end the fill after this long, whatever the count (default: none)"
    )
    parser.add_argument("--rate", type=float, help="soak cases/s (default: half the fill's rate)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--doc", type=Path, help="write the memory_soak section into this file")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    result = run(
        args.database,
        cases=args.cases,
        minutes=args.minutes,
        threads=args.threads,
        workers=args.workers,
        rate=args.rate,
        fill_minutes=args.fill_minutes,
    )
    print(describe(result))
    if args.doc:
        write_section(args.doc, result, args, started)
        print(f"wrote the {SECTION} section of {args.doc}")
    return 1 if result.fill.failed or result.soak.failed else 0


if __name__ == "__main__":
    sys.exit(main())

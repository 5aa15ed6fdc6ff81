"""The engine alone, the upper limit: run 个体工商户设立登记 cases in-process, no database, no HTTP.

Per case, as the service does it: validate the applicant and the start form, ``ProcessRuntime.start``,
then for each ready user task validate its form and ``ProcessRuntime.complete_task``. Every
``complete_task`` restores the workflow from its serialized state string and serializes it again,
so each wait state costs one restore + one serialize, as between two HTTP requests.

Run: ``python bench/engine_bench.py [--cases 200 --rounds 5 --warmup 50]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from workflow_service.engine.definitions import ParsedProcess, parse_process  # noqa: E402
from workflow_service.engine.runtime import ProcessRuntime, StepResult  # noqa: E402
from workflow_service.services.directory.routing import KNOWN_LANES  # noqa: E402
from workflow_service.services.intake.applicants import checked_applicant  # noqa: E402
from workflow_service.services.process.forms import validate_form  # noqa: E402

PROCESS_FILE = "individual_business_registration.bpmn"
SERVICE_CODE = "individual_business_registration"

# The same case as the smoke test: accepted, approved, delivered by mail.
APPLICANT: dict[str, Any] = {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"}
APPLICATION: dict[str, Any] = {
    "business_name": "东阳市吴宁张三小吃店",
    "operator_name": "张三",
    "operator_id_number": "11010519491231002X",
    "premises": "东阳市吴宁街道人民路1号",
    "business_scope": "小吃服务",
    "capital_wan_yuan": 5,
    "organisation_form": "individual",
}
TASK_DATA: dict[str, dict[str, Any]] = {
    "acceptance": {"acceptance_decision": "accept"},
    "review": {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"},
    "issuance": {"delivery_method": "mail", "tracking_number": "SF1234567890"},
}


@dataclass(frozen=True)
class LoadedProcess:
    """The parsed process, its forms by key and the runtime's spec cache key."""

    parsed: ParsedProcess
    forms: dict[str, dict[str, Any]]
    cache_key: str


@dataclass(frozen=True)
class EngineResult:
    cases_per_round: int
    rounds: int
    warmup_cases: int
    round_seconds: tuple[float, ...]
    engine_calls_per_case: int

    @property
    def best_cases_per_second(self) -> float:
        return self.cases_per_round / min(self.round_seconds)

    @property
    def median_cases_per_second(self) -> float:
        return self.cases_per_round / statistics.median(self.round_seconds)

    @property
    def best_ms_per_case(self) -> float:
        return 1000 * min(self.round_seconds) / self.cases_per_round


def load_process(root: Path = REPO_ROOT) -> LoadedProcess:
    """Parse the BPMN once and load every form it names from ``forms/``."""
    xml = (root / "bpmn" / PROCESS_FILE).read_text(encoding="utf-8")
    parsed = parse_process(xml, PROCESS_FILE, KNOWN_LANES)
    forms = {
        key: json.loads((root / "forms" / key).read_text(encoding="utf-8"))
        for key in sorted(parsed.form_keys)
    }
    cache_key = hashlib.sha256(xml.encode()).hexdigest()
    return LoadedProcess(parsed=parsed, forms=forms, cache_key=cache_key)


def run_case(runtime: ProcessRuntime, process: LoadedProcess) -> StepResult:
    """One case from submission to 出件; returns the final step (raises if the case goes astray)."""
    applicant = checked_applicant(APPLICANT)
    if process.parsed.start_form_key:
        validate_form(process.forms[process.parsed.start_form_key], APPLICATION, prefix="data")
    spec_json = process.parsed.spec_json
    result = runtime.start(
        process.cache_key,
        spec_json,
        {**APPLICATION, "applicant": applicant.as_data(), "service_code": SERVICE_CODE},
    )
    steps = 0
    while result.ready_tasks:
        task = result.ready_tasks[0]
        data = TASK_DATA[task.bpmn_id]
        if task.form_key:
            validate_form(process.forms[task.form_key], data, prefix="data")
        result = runtime.complete_task(process.cache_key, spec_json, result.state, task.id, data)
        steps += 1
        if steps > len(TASK_DATA):
            raise RuntimeError(f"case did not end after {steps} tasks")
    if not result.completed or result.incident:
        raise RuntimeError(f"case ended badly: completed={result.completed} incident={result.incident}")
    return result


def run(cases: int = 200, rounds: int = 5, warmup: int = 50) -> EngineResult:
    """Warm up, then time ``rounds`` rounds of ``cases`` cases each on one shared runtime."""
    process = load_process()
    runtime = ProcessRuntime()
    final = run_case(runtime, process)
    if "issued" not in final.statuses_reached:
        raise RuntimeError(f"case did not reach 已出件: {final.statuses_reached}")
    for _ in range(warmup):
        run_case(runtime, process)
    timings: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(cases):
            run_case(runtime, process)
        timings.append(time.perf_counter() - started)
    return EngineResult(
        cases_per_round=cases,
        rounds=rounds,
        warmup_cases=warmup,
        round_seconds=tuple(timings),
        engine_calls_per_case=1 + len(TASK_DATA),
    )


def describe(result: EngineResult) -> str:
    """A few lines for the terminal."""
    per_call_ms = result.best_ms_per_case / result.engine_calls_per_case
    rounds = ", ".join(f"{result.cases_per_round / s:.1f}" for s in result.round_seconds)
    return (
        f"engine: {result.best_cases_per_second:.1f} cases/s best of {result.rounds} rounds "
        f"({result.cases_per_round} cases each, after {result.warmup_cases} warm-up cases); "
        f"median {result.median_cases_per_second:.1f} cases/s\n"
        f"engine: {result.best_ms_per_case:.2f} ms per case, {per_call_ms:.2f} ms per engine call "
        f"(start + {result.engine_calls_per_case - 1} × restore/complete/serialize)\n"
        f"engine: rounds (cases/s): {rounds}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200, help="cases per timed round (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the best counts (default 5)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed cases first (default 50)")
    args = parser.parse_args(argv)
    print(describe(run(args.cases, args.rounds, args.warmup)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

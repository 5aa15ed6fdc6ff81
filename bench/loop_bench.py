"""Loops at engine level: the cost of one step and the stored state at round 1, 200 and 1,000 of a loop.

The process is bpmn/individual_business_registration.bpmn, run by ``ProcessRuntime`` in-process (no
database, no HTTP) as the service runs it: each step restores the workflow from its stored state
and serializes it again. Two loops: 补正 (受理 → 补正材料收取 → 受理 …) and 退回补正 (审核 →
退回补正材料收取 → 审核 …). At each measured round the same step (受理 sending the case to 补正,
or 审核 sending it back) is timed ``--repeats`` times from the same stored state, and the median
CPU time of the thread counts: the machine is shared, and CPU time is what other work disturbs
least. The goal: the step at round 1,000 costs at most 1.5× the step at round 1, and the stored
state does not grow with the rounds.

``--without-pruning`` also runs the loops on the engine as it was before (no pruning, every task
stored in full by SpiffWorkflow's serializer): the state grows by every round and the case stalls
near round 200.

Run: ``python bench/loop_bench.py [--rounds 1000 --repeats 30] [--doc]``; ``--doc`` writes the
figures into docs/benchmarks.md (the section between the loop-bench markers).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for folder in (REPO_ROOT, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import engine_bench  # noqa: E402
import run_all  # noqa: E402

from workflow_service.engine import runtime as runtime_module  # noqa: E402
from workflow_service.engine.definitions import parse_process  # noqa: E402
from workflow_service.engine.runtime import ProcessRuntime, StepResult  # noqa: E402
from workflow_service.services.directory.routing import KNOWN_LANES  # noqa: E402

PROCESS_FILE = "individual_business_registration.bpmn"
DOC_PATH = REPO_ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- loop_bench: written by bench/loop_bench.py --doc; rerun it rather than editing by hand -->"
END = "<!-- /loop_bench -->"
GOAL_RATIO = 1.5
# Round 2 is the first with a pruned round behind it: the state from there on must not grow.
MEASURED_ROUNDS = (1, 2, 200, 1000)


@dataclass(frozen=True)
class Loop:
    name: str
    # The bpmn_id of the task that sends the case round the loop, with the data that does, and the
    # task that brings it back. ``prepare`` takes a fresh case to the loop's first task.
    sends: str
    send_data: dict[str, Any]
    returns: str
    prepare: tuple[tuple[str, dict[str, Any]], ...] = ()


LOOPS = (
    Loop("补正", "acceptance", {"acceptance_decision": "supplement"}, "supplement"),
    Loop(
        "退回补正",
        "review",
        {"review_decision": "return_for_supplement", "review_opinion": "请补充经营场所证明"},
        "review_supplement",
        prepare=(("acceptance", {"acceptance_decision": "accept"}),),
    ),
)


@dataclass(frozen=True)
class Round:
    number: int
    step_cpu_ms: float
    state_bytes: int
    stored_tasks: int


@dataclass(frozen=True)
class LoopResult:
    loop: str
    pruned: bool
    rounds: tuple[Round, ...]
    stalled_at: int | None  # the round after which no task was ready, if any

    def ratio(self, number: int) -> float | None:
        first = self.rounds[0].step_cpu_ms
        found = [r for r in self.rounds if r.number == number]
        return found[0].step_cpu_ms / first if found and first else None


class Runner:
    def __init__(self) -> None:
        xml = (REPO_ROOT / "bpmn" / PROCESS_FILE).read_text(encoding="utf-8")
        self.spec_json = parse_process(xml, PROCESS_FILE, KNOWN_LANES).spec_json
        self.runtime = ProcessRuntime()

    def complete(self, step: StepResult, bpmn_id: str, data: dict[str, Any]) -> StepResult | None:
        task = next((t for t in step.ready_tasks if t.bpmn_id == bpmn_id), None)
        if task is None:
            return None
        return self.runtime.complete_task("bench", self.spec_json, step.state, task.id, data)

    def timed(self, step: StepResult, bpmn_id: str, data: dict[str, Any], repeats: int) -> float:
        """The median CPU milliseconds of the same step, taken ``repeats`` times from the same state."""
        times = []
        for _ in range(repeats):
            started = time.thread_time()
            self.complete(step, bpmn_id, data)
            times.append(time.thread_time() - started)
        return 1000 * statistics.median(times)


def run_loop(loop: Loop, rounds: int, repeats: int, measured: tuple[int, ...]) -> LoopResult:
    runner = Runner()
    step: StepResult | None = runner.runtime.start("bench", runner.spec_json, {"business_name": "测试店"})
    for bpmn_id, data in loop.prepare:
        assert step is not None
        step = runner.complete(step, bpmn_id, data)
    figures: list[Round] = []
    for number in range(1, rounds + 1):
        assert step is not None
        if number in measured:
            cpu_ms = runner.timed(step, loop.sends, loop.send_data, repeats)
            stored = len(json.loads(step.state)["tasks"])
            figures.append(Round(number, cpu_ms, len(step.state.encode()), stored))
        sent = runner.complete(step, loop.sends, loop.send_data)
        back = runner.complete(sent, loop.returns, {}) if sent is not None else None
        if back is None or not back.ready_tasks:
            return LoopResult(loop.name, True, tuple(figures), number)
        step = back
    return LoopResult(loop.name, True, tuple(figures), None)


def run(rounds: int, repeats: int, pruning: bool = True) -> list[LoopResult]:
    measured = tuple(r for r in MEASURED_ROUNDS if r <= rounds) or (1,)
    if pruning:
        return [run_loop(loop, rounds, repeats, measured) for loop in LOOPS]
    # Up to round 199: the engine before stalled after round 200.
    measured = tuple(sorted({1, min(199, rounds)}))
    with engine_as_before():
        return [_unpruned(run_loop(loop, min(rounds, 205), repeats, measured)) for loop in LOOPS]


@contextmanager
def engine_as_before() -> Iterator[None]:
    """The engine as it ran before: no pruning, every task stored in full by SpiffWorkflow's serializer."""
    saved = (runtime_module.prune, runtime_module.compact, runtime_module.dumps)
    runtime_module.prune = _no_pruning
    runtime_module.compact = _as_it_is
    runtime_module.dumps = _spiff_dumps
    try:
        yield
    finally:
        runtime_module.prune, runtime_module.compact, runtime_module.dumps = saved


def _no_pruning(workflow: Any) -> int:
    return 0


def _as_it_is(dct: dict[str, Any]) -> dict[str, Any]:
    return dct


def _spiff_dumps(dct: dict[str, Any], encoder: type[json.JSONEncoder]) -> str:
    return json.dumps(dct, cls=encoder)  # as BpmnWorkflowSerializer.serialize_json writes it


_UUID = re.compile(r'"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"')
PLAIN_CASE = (
    ("acceptance", {"acceptance_decision": "accept"}),
    ("review", {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}),
    ("issuance", {"delivery_method": "mail", "tracking_number": "SF1234567890"}),
)
# The engine benchmark's case, with the applicant and item the start form is given.
APPLICATION = {
    **engine_bench.APPLICATION,
    "applicant": {"kind": "person", **engine_bench.APPLICANT},
    "service_code": "individual_business_registration",
}


@dataclass(frozen=True)
class StoredState:
    """What one stored state holds, in UTF-8 bytes."""

    waiting_at: str
    total: int
    tasks: int
    predicted_tasks: int  # tasks SpiffWorkflow predicts may come (MAYBE, LIKELY)
    ids: int  # task ids: as keys, parents, children, the root and last task
    data: int  # the case's data: the root task's, each task's changes, the workflow's at the end
    timestamps: int


def _encoded(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def state_breakdown(waiting_at: str, state: str) -> StoredState:
    dct = json.loads(state)
    tasks = dct["tasks"]
    data = _encoded(dct.get("data", {})) + sum(
        _encoded(task.get("data", {})) + _encoded(task.get("delta", {})) for task in tasks.values()
    )
    stamps = sum(len(f'"last_state_change":{task["last_state_change"]},') for task in tasks.values())
    predicted = sum(1 for task in tasks.values() if task["state"] in (1, 2))
    ids = len(_UUID.findall(state)) * 38
    return StoredState(waiting_at, len(state.encode()), len(tasks), predicted, ids, data, stamps)


def plain_case_states() -> list[StoredState]:
    """The stored state of a plain registration case (受理, 审核, 出件) at each wait and at the end."""
    runner = Runner()
    step: StepResult | None = runner.runtime.start("bench", runner.spec_json, APPLICATION)
    found = []
    for bpmn_id, data in PLAIN_CASE:
        assert step is not None
        found.append(state_breakdown(bpmn_id, step.state))
        step = runner.complete(step, bpmn_id, data)
    assert step is not None and step.completed
    found.append(state_breakdown("(ended)", step.state))
    return found


def describe_states(states: list[StoredState], engine: str = "") -> list[str]:
    return [
        f"{engine}plain case, waiting at {s.waiting_at}: {s.total} bytes stored (goal ≤ 4096 while open), "
        f"{s.tasks} tasks ({s.predicted_tasks} predicted); ids {s.ids}, data {s.data}, "
        f"timestamps {s.timestamps} bytes"
        for s in states
    ]


def _unpruned(result: LoopResult) -> LoopResult:
    return LoopResult(result.loop, False, result.rounds, result.stalled_at)


def describe(results: list[LoopResult]) -> list[str]:
    lines = []
    for result in results:
        pruned = "now" if result.pruned else "the engine before: unpruned, stored in full"
        for r in result.rounds:
            ratio = result.ratio(r.number)
            lines.append(
                f"loop {result.loop} ({pruned}): round {r.number:>4}: step {r.step_cpu_ms:6.2f} ms CPU "
                f"({ratio:.2f}× round 1), stored state {r.state_bytes:>7} bytes, {r.stored_tasks} tasks"
            )
        last = result.rounds[-1]
        ratio = result.ratio(last.number) or 0.0
        sizes = _sizes_after_a_round(result)
        bounded = max(sizes) - min(sizes) <= 64
        stalled = f"STALLED after round {result.stalled_at}" if result.stalled_at else "no stall"
        lines.append(
            f"loop {result.loop} ({pruned}): round {last.number} / round 1 = {ratio:.2f}× "
            f"(goal ≤ {GOAL_RATIO}×: {'met' if ratio <= GOAL_RATIO else 'NOT met'}); stored state "
            f"{'bounded' if bounded else 'GROWS'} ({min(sizes)}–{max(sizes)} bytes; goal: bounded); {stalled}"
        )
    return lines


def _sizes_after_a_round(result: LoopResult) -> list[int]:
    """The stored sizes from round 2 on (round 1 has no round behind it), or all if that leaves one."""
    sizes = [r.state_bytes for r in result.rounds if r.number > 1]
    return sizes if len(sizes) > 1 else [r.state_bytes for r in result.rounds]


def render_section(
    results: list[LoopResult],
    states: list[StoredState],
    states_before: list[StoredState],
    command: str,
    machine: list[tuple[str, str]],
    when: datetime,
) -> str:
    out = [
        BEGIN,
        "## Loops (补正, 退回补正): the step at round 1, 200 and 1,000",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC by `{command}`: the engine alone, in-process.",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in machine),
        "",
        "| Loop | Engine | Round | Step (CPU ms, median) | × round 1 | Stored state (bytes) | Tasks |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for r in result.rounds:
            out.append(
                f"| {result.loop} | {'now' if result.pruned else 'before'} | {r.number:,} "
                f"| {r.step_cpu_ms:.2f} | {result.ratio(r.number):.2f} | {r.state_bytes:,} "
                f"| {r.stored_tasks} |"
            )
    out += [""]
    for result in results:
        last = result.rounds[-1]
        ratio = result.ratio(last.number) or 0.0
        sizes = _sizes_after_a_round(result)
        if result.pruned:
            out.append(
                f"- {result.loop}: round {last.number:,} costs {ratio:.2f}× round 1 (goal ≤ {GOAL_RATIO}×); "
                f"from round 2 on, the stored state is {min(sizes):,}–{max(sizes):,} bytes (goal: bounded)"
                + (f"; stalled after round {result.stalled_at}." if result.stalled_at else "; no stall.")
            )
        else:
            out.append(
                f"- {result.loop} without pruning (the engine before): round {last.number} costs "
                f"{ratio:.2f}× round 1, the state grew to {max(sizes):,} bytes"
                + (f" and the case stalled after round {result.stalled_at}." if result.stalled_at else ".")
            )
    out += [
        "",
        "### What a case's stored state holds",
        "",
        "A plain 个体工商户设立登记 case (受理, 审核, 出件), UTF-8 bytes of `case.workflow_state`; the goal",
        "is ≤ 4,096 bytes while the case is open. The process definition is not in it (stored once per",
        "version, `process_definition.spec_json`).",
        "",
        "| Engine | Waiting at | Stored | Tasks (predicted) | Task ids | Case data | Timestamps |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {engine} | {s.waiting_at} | {s.total:,} | {s.tasks} ({s.predicted_tasks}) | {s.ids:,} "
            f"| {s.data:,} | {s.timestamps:,} |"
            for engine, listed in (("now", states), ("before", states_before))
            for s in listed
        ),
        "",
        "Each task is a UUID (as its key, in its parent's children and as its children's parent), its",
        "element, state and timestamp; the case's data sits on the first task and each task holds only",
        "what it changed. The state grows with the tasks still open or predicted (a gateway's possible",
        "paths), with the data the forms add and, at the end, with the whole data copied to the",
        "workflow; the rounds of a loop no longer add to it.",
        "",
        "Each measured step is the same step (受理 sending the case to 补正; 审核 sending it back) taken",
        "`--repeats` times from the same stored state (a restore, the step, a serialize), timed by the",
        "thread's CPU clock. `make bench` runs `python bench/loop_bench.py --doc`; `--without-pruning`",
        "adds the engine as it was (no pruning, SpiffWorkflow's full serialization) up to round 199.",
        END,
    ]
    return "\n".join(out)


def write_section(doc: Path, section: str) -> None:
    """Replace the loop section of ``doc`` (or append it), leaving the rest as it is."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        _, after = rest.split(END, 1)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")


def machine(load_before: str, load_after: str) -> list[tuple[str, str]]:
    model, processors = run_all._cpuinfo()
    return [
        ("CPU", f"{model}, {processors} logical processors ({len(os.sched_getaffinity(0))} usable: nproc)"),
        ("RAM", f"{run_all._memory_gib():.1f} GiB"),
        ("Python", sys.version.split()[0]),
        ("SpiffWorkflow", run_all._version("SpiffWorkflow")),
        ("Commit", run_all._git_commit()),
        ("Load average (1/5/15 min)", f"{load_before} before, {load_after} after"),
    ]


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=1000, help="rounds of each loop (default 1000)")
    parser.add_argument("--repeats", type=int, default=30, help="timed repeats of each measured step")
    parser.add_argument("--without-pruning", action="store_true", help="also run the engine unpruned")
    parser.add_argument("--doc", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args(argv)
    when = datetime.now(UTC)
    load_before = run_all.load_average()
    results = run(args.rounds, args.repeats)
    if args.without_pruning:
        results += run(args.rounds, args.repeats, pruning=False)
    states = plain_case_states()
    states_before: list[StoredState] = []
    if args.without_pruning:
        with engine_as_before():
            states_before = plain_case_states()
    load_after = run_all.load_average()
    for line in describe(results) + describe_states(states) + describe_states(states_before, "before: "):
        out(line)
    if args.doc:
        command = "python bench/loop_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
        section = render_section(
            results, states, states_before, command.strip(), machine(load_before, load_after), when
        )
        write_section(DOC_PATH, section)
        out(f"wrote {DOC_PATH}")
    met = all(
        (r.ratio(r.rounds[-1].number) or 0.0) <= GOAL_RATIO and r.stalled_at is None
        for r in results
        if r.pruned
    ) and all(s.total <= 4096 for s in states if s.waiting_at != "(ended)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

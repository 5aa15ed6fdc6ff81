"""The budgets an engine step runs under: CPU time and memory for its scripts, and how many tasks it runs.

One :class:`StepBudget` covers one call into the runtime (start a case, complete a task, fire
timers). Every script and condition evaluated in it shares the step's CPU time: a trace function
checks the thread's CPU clock while compiled script code runs (so a generator or comprehension
bomb is stopped between two of its lines, in any thread), and in the main thread — gunicorn's
sync workers and ``flask worker`` run requests and jobs there — the process's address space is
capped at its current size plus the memory budget while the script runs, so a single C-level
allocation beyond it fails with MemoryError instead of growing the worker. The cap is
process-wide, which is why other threads never set it. Operations that would explode inside one
C call (huge powers, repetitions) are refused before they run by the guards of engine.guards.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import FrameType
from typing import Any

# The file name every BPMN script and expression is compiled under: only their frames are timed.
SCRIPT_FILENAME = "<bpmn>"
# The CPU clock is read every this many traced events (reading it costs a system call).
_CHECK_EVERY = 64


class ScriptRefused(Exception):
    """A script or expression tried something the evaluator does not allow."""


class BudgetExceeded(ScriptRefused):
    """A script, condition or engine step went beyond one of its budgets."""


@dataclass(frozen=True)
class EngineLimits:
    """What one engine step may use; the app sets them from its ``SCRIPT_*``/``ENGINE_*`` settings."""

    cpu_seconds: float = 1.0
    memory_bytes: int = 256 * 1024 * 1024
    max_step_tasks: int = 300
    max_instances: int = 1000
    max_data_bytes: int = 2_000_000


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class StepBudget:
    """The CPU time left to the scripts of one engine step, and the tasks it has run."""

    def __init__(self, limits: EngineLimits) -> None:
        self.limits = limits
        self.cpu_left = limits.cpu_seconds
        self.tasks_run = 0
        self._deadline = 0.0
        self._events = 0
        self._exhausted = False

    def count_task(self, element: str) -> None:
        """Called before the engine runs a task; a step that runs too many is stopped."""
        self.tasks_run += 1
        if self.tasks_run > self.limits.max_step_tasks:
            raise BudgetExceeded(
                f"{element}: 一次推进执行的任务超过 {self.limits.max_step_tasks} 个，流程可能陷入无终止的循环"
            )

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None  # the evaluator's own helpers are bounded; only script code is timed
        self._events += 1
        if self._exhausted or (self._events % _CHECK_EVERY == 0 and time.thread_time() > self._deadline):
            self._exhausted = True
            raise BudgetExceeded(f"脚本或条件超出 CPU 时间预算（{self.limits.cpu_seconds:g} 秒）")
        return self._trace

    @contextmanager
    def evaluation(self) -> Iterator[None]:
        """Run one script or expression within what is left of the step's budgets."""
        if self._exhausted or self.cpu_left <= 0:
            raise BudgetExceeded(f"脚本或条件超出 CPU 时间预算（{self.limits.cpu_seconds:g} 秒）")
        started = time.thread_time()
        self._deadline = started + self.cpu_left
        previous_trace = sys.gettrace()
        restore_limit = self._cap_memory()
        sys.settrace(self._trace)
        try:
            yield
        except MemoryError:
            raise BudgetExceeded(
                f"脚本或条件超出内存预算（{self.limits.memory_bytes // 2**20} MB）"
            ) from None
        finally:
            sys.settrace(previous_trace)
            if restore_limit is not None:
                resource.setrlimit(resource.RLIMIT_AS, restore_limit)
            self.cpu_left -= time.thread_time() - started

    def _cap_memory(self) -> tuple[int, int] | None:
        """Cap the address space for the evaluation; the limits to restore, or None if not capped."""
        if threading.current_thread() is not threading.main_thread():
            return None
        in_use = _address_space()
        if in_use is None:
            return None
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = in_use + self.limits.memory_bytes
        if hard != resource.RLIM_INFINITY and cap > hard:
            cap = hard
        if soft != resource.RLIM_INFINITY and soft <= cap:
            return None  # already capped as tightly by whoever runs the process
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        return soft, hard


_current: ContextVar[StepBudget | None] = ContextVar("engine_step_budget", default=None)


@contextmanager
def engine_step(limits: EngineLimits) -> Iterator[StepBudget]:
    """The budget of one engine step, found by the evaluator through :func:`current_budget`."""
    budget = StepBudget(limits)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget(limits: EngineLimits) -> StepBudget:
    """The running step's budget, or a fresh one for an evaluation outside any step."""
    return _current.get() or StepBudget(limits)

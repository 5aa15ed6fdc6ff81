"""What completing a workflow task does besides advancing the process: the shape of the table.

The table itself — which service function runs when a step reaches which ``caseStatus`` mark —
is ``STEP_EFFECTS`` in services.work.step_effects: work/ sits above intake/ and closing/, whose
functions the rows name, and process/ may not import them. The app factory installs the table
(:func:`install`) so that deploy, here in process/, checks every process's forms against the
fields its rows read (services.process.step_forms).

A row's trigger is read twice: on a completed step (:meth:`Trigger.applies`, by
services.work.tasks.complete_task) and on the diagram at deploy (:meth:`Trigger.may_apply`, from
the marks a task's completion can reach before the process next waits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

from workflow_service.models import Case, CaseStatus, Task, User
from workflow_service.services.process.case_status import STATUS_LABELS
from workflow_service.services.process.form_fields import FieldRead

EXTENSION = "step_effects"


@dataclass(frozen=True)
class CompletedStep:
    """A workflow task just completed, before the engine's step is applied to the case."""

    case: Case
    task: Task
    actor: User
    data: Mapping[str, Any]
    # The marks the step reached, in order, and the status the case waited in when the task was completed.
    reached: tuple[CaseStatus, ...]
    waiting_in: CaseStatus
    # The outcome labels the process declared on the marks reached (``resultLabel``: 已处置, 同意 …).
    result_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskReach:
    """What completing one user task can lead to, read from the diagram (services.process.step_forms)."""

    bpmn_id: str
    name: str
    form_key: str | None
    own_status: CaseStatus | None  # the task's own mark: the status the case waits in at it
    reachable: frozenset[CaseStatus]  # the marks its step can reach before the process next waits
    after_acceptance: bool  # the task can come after the case was accepted


class Trigger(Protocol):
    def applies(self, step: CompletedStep) -> bool: ...

    def may_apply(self, reach: TaskReach) -> bool: ...


@dataclass(frozen=True)
class EveryStep:
    """Every completed workflow task."""

    def applies(self, step: CompletedStep) -> bool:
        return True

    def may_apply(self, reach: TaskReach) -> bool:
        return True

    def __str__(self) -> str:
        return "完成"


@dataclass(frozen=True, init=False)
class Reaching:
    """A step that reaches any of these marks."""

    statuses: frozenset[CaseStatus]

    def __init__(self, *statuses: CaseStatus) -> None:
        object.__setattr__(self, "statuses", frozenset(statuses))

    def applies(self, step: CompletedStep) -> bool:
        return not self.statuses.isdisjoint(step.reached)

    def may_apply(self, reach: TaskReach) -> bool:
        return not self.statuses.isdisjoint(reach.reachable)

    def __str__(self) -> str:
        return "进入 " + " / ".join(sorted(STATUS_LABELS[status] for status in self.statuses))


@dataclass(frozen=True)
class WaitingIn:
    """A task completed while the case waits in this status (补正材料收取 in 补正)."""

    status: CaseStatus

    def applies(self, step: CompletedStep) -> bool:
        return step.waiting_in == self.status

    def may_apply(self, reach: TaskReach) -> bool:
        return reach.own_status == self.status

    def __str__(self) -> str:
        return f"在 {STATUS_LABELS[self.status]} 中完成"


@dataclass(frozen=True)
class StepEffect:
    """One row: when it applies, the service function that runs, and the form fields it reads."""

    when: Trigger
    run: Callable[[CompletedStep], None]
    reads: tuple[FieldRead, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.run.__module__.removeprefix('workflow_service.')}.{self.run.__name__}"


def run_step_effects(effects: Iterable[StepEffect], step: CompletedStep) -> None:
    """Run, in the table's order, every effect that applies to the step; the first refusal stops them."""
    for effect in effects:
        if effect.when.applies(step):
            effect.run(step)


def install(app: Flask, effects: Iterable[StepEffect]) -> None:
    """The app factory hands deploy the table (services.work.step_effects.STEP_EFFECTS)."""
    app.extensions[EXTENSION] = tuple(effects)


def installed() -> tuple[StepEffect, ...]:
    effects: tuple[StepEffect, ...] = current_app.extensions[EXTENSION]
    return effects

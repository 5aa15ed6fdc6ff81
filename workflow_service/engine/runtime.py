"""Run a case's workflow: start it, complete a ready user task, fire its due timers; serialize and restore.

The parsed spec of a process version is stored once (``ProcessDefinition.spec_json``) and cached
here as objects; a case's state holds only its task tree and data. Every call restores the state,
advances the workflow to its next wait state and hands back a plain :class:`StepResult`, including
the timers the workflow now waits on. Steps run on the injected clock (engine.timers); only
:meth:`ProcessRuntime.fire_due_timers`, which the worker calls, lets a due timer fire.

Each call is one engine step under :class:`EngineLimits` (engine.limits): its scripts share a CPU
and memory budget, it runs at most ``max_step_tasks`` tasks (a cycle of sequence flows or a loop
whose condition stays true is stopped there) and a multi-instance task has at most
``max_instances`` instances. Going beyond any of them is an incident, like a refused script.

Before a state is stored, the finished tasks above the open work are pruned (engine.pruning), so
a loop that goes round a thousand times stores and restores what one round does. A step after
which the workflow has neither ended nor anything to do or wait for (a ready task, a timer or
another event) is an incident too: the case would otherwise sit still without anyone knowing.

A stored workflow can also be moved onto another version of its process (engine.migration), when
SpiffWorkflow's workflow diff says its current tasks are still there.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import (
    ParallelMultiInstanceTask as SpiffParallelMultiInstanceTask,
)
from SpiffWorkflow.spiff.specs.defaults import (
    SequentialMultiInstanceTask as SpiffSequentialMultiInstanceTask,
)
from SpiffWorkflow.util.task import TaskState

from workflow_service.engine import migration
from workflow_service.engine.compact import compact, dumps, expand
from workflow_service.engine.definitions import (
    DEPARTMENT_TYPE_FIELD_PROPERTY,
    DEPARTMENT_TYPE_PROPERTY,
    FORM_PROPERTY,
    RESPONSIBILITY_PROPERTY,
    RESULT_LABEL_PROPERTY,
    STATUS_PROPERTY,
    pauses_clock,
)
from workflow_service.engine.limits import BudgetExceeded, EngineLimits, StepBudget, engine_step
from workflow_service.engine.pruning import passed_elements, prune
from workflow_service.engine.scripting import ScriptRefused, make_script_engine
from workflow_service.engine.timers import configure_clocked_timers, pending_timer_tasks, step_clock

STALLED = "流程停滞：没有可办理或等待中的任务，流程也未结束"


class MigrationRefused(Exception):
    """The workflow may not move to the other version: the reasons of its MigrationCheck."""


class TaskNotReady(Exception):
    """The task id names no task, or a task that is not a READY user task."""


@dataclass(frozen=True)
class ReadyTask:
    id: str
    bpmn_id: str
    name: str
    lane: str | None
    form_key: str | None
    responsibility_item: str | None = None
    # A department task for another department type than the item's (``departmentType``), or the
    # type a form filled in earlier chose (the value of ``departmentTypeField``; None if left empty).
    department_type: str | None = None
    department_type_field: str | None = None


@dataclass(frozen=True)
class PendingTimer:
    """A timer event the workflow waits on: its task id, BPMN element and when it fires (UTC)."""

    task_id: str
    bpmn_id: str
    name: str
    fires_at: datetime
    # Marked ``pausesClock``: the case's deadline clock stands still while it runs (a 公示).
    pauses_clock: bool = False


@dataclass(frozen=True)
class StepResult:
    state: str
    ready_tasks: tuple[ReadyTask, ...]
    # The statuses marked on the elements reached in this step, in the order they were reached.
    statuses_reached: tuple[str, ...]
    completed: bool
    incident: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # The timers the workflow waits on after the step, and those that fired in it.
    timers: tuple[PendingTimer, ...] = ()
    fired_timers: tuple[PendingTimer, ...] = ()
    # The outcome labels (``resultLabel``) declared on the marked elements reached, in order.
    result_labels_reached: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkflowSnapshot:
    """What a stored workflow says, for comparing it with the rows kept beside it (check-consistency)."""

    ready_task_ids: frozenset[str]  # READY user tasks: each should have an open task row
    finished_task_ids: frozenset[str]  # user tasks COMPLETED or CANCELLED (those still in the tree)
    waiting_timers: tuple[PendingTimer, ...]  # each should have a scheduled timer job
    completed: bool


@dataclass(frozen=True)
class MigrationCheck:
    """Whether a workflow may move to another version: its current elements and why it may not."""

    current_elements: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def movable(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class MigrationResult:
    state: str
    ready_tasks: tuple[ReadyTask, ...]


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec, which is stored once per process version."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _check_instance_count(task_spec: Any, my_task: Any) -> None:
    """Refuse a multi-instance task with more instances than the limit, before any is created."""
    limits: EngineLimits = my_task.workflow.script_engine.environment.limits
    if task_spec.data_input is not None:
        if not task_spec.data_input.exists(my_task):
            return  # SpiffWorkflow reports the missing collection itself
        collection = task_spec.data_input.get(my_task)
        count = len(collection) if hasattr(collection, "__len__") else None
    else:
        count = my_task.workflow.script_engine.evaluate(my_task, task_spec.cardinality)
    if not isinstance(count, int):
        return
    if count > limits.max_instances:
        # SpiffWorkflow keeps the element's name on the spec of its instances.
        instance = my_task.workflow.spec.task_specs.get(task_spec.task_spec)
        name = task_spec.bpmn_name or getattr(instance, "bpmn_name", None) or task_spec.bpmn_id
        raise BudgetExceeded(f"{name}: 多实例数量 {count} 超过上限 {limits.max_instances}")


# Same class names as SpiffWorkflow's, so stored specs restore as these.
class ParallelMultiInstanceTask(SpiffParallelMultiInstanceTask):
    """A parallel multi-instance task whose instance count is checked before it creates them."""

    def _update_hook(self, my_task: Any) -> Any:
        _check_instance_count(self, my_task)
        return super()._update_hook(my_task)


class SequentialMultiInstanceTask(SpiffSequentialMultiInstanceTask):
    """A sequential multi-instance task whose instance count is checked before the first runs."""

    def _update_hook(self, my_task: Any) -> Any:
        _check_instance_count(self, my_task)
        return super()._update_hook(my_task)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    for spiff_class, capped in (
        (SpiffParallelMultiInstanceTask, ParallelMultiInstanceTask),
        (SpiffSequentialMultiInstanceTask, SequentialMultiInstanceTask),
    ):
        config[capped] = config.pop(spiff_class)
    configure_clocked_timers(config)
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def _marked_task_ids(workflow: BpmnWorkflow) -> set[UUID]:
    return {task.id for task in _marked_tasks(workflow)}


def _marked_tasks(workflow: BpmnWorkflow) -> list:
    reached = TaskState.READY | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR
    return [
        task
        for task in workflow.get_tasks(state=reached)
        if STATUS_PROPERTY in (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
    ]


class ProcessRuntime:
    """Runs workflows of deployed process versions; safe to share between requests of one process."""

    def __init__(
        self,
        spec_cache_size: int = 64,
        clock: Callable[[], datetime] | None = None,
        limits: EngineLimits | None = None,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self.limits = limits or EngineLimits()
        self._serializer = _make_serializer()
        self._script_engine = make_script_engine(self.limits)
        self._specs: OrderedDict[str, tuple[Any, dict]] = OrderedDict()
        self._spec_cache_size = spec_cache_size
        self._lock = Lock()

    def _specs_for(self, cache_key: str, spec_json: str) -> tuple[Any, dict]:
        with self._lock:
            if cache_key in self._specs:
                self._specs.move_to_end(cache_key)
                return self._specs[cache_key]
        stored = json.loads(spec_json)
        registry = self._serializer.registry
        specs = (
            registry.restore(stored["spec"]),
            {name: registry.restore(s) for name, s in stored["subprocess_specs"].items()},
        )
        with self._lock:
            self._specs[cache_key] = specs
            while len(self._specs) > self._spec_cache_size:
                self._specs.popitem(last=False)
        return specs

    def _restore(self, cache_key: str, spec_json: str, state: str) -> BpmnWorkflow:
        spec, subprocess_specs = self._specs_for(cache_key, spec_json)
        dct = expand(json.loads(state))
        self._serializer.migrate(dct)
        dct["spec"] = spec
        dct["subprocess_specs"] = dict(subprocess_specs)
        workflow = self._serializer.from_dict(dct)
        workflow.script_engine = self._script_engine
        # A state stored before pruning existed may be too deep for SpiffWorkflow to find its next task.
        prune(workflow)
        return workflow

    def _serialize(self, workflow: BpmnWorkflow) -> str:
        prune(workflow)
        serializer = self._serializer
        # As BpmnWorkflowSerializer.serialize_json, but compact (engine.compact).
        serializer.registry._encoder_mode = True
        try:
            dct = serializer.to_dict(workflow)
            dct[serializer.VERSION_KEY] = serializer.VERSION
            return dumps(compact(dct), serializer._encoder_cls)
        finally:
            serializer.registry._encoder_mode = False

    def _advance(
        self,
        workflow: BpmnWorkflow,
        marked_before: set[UUID],
        budget: StepBudget,
        completing: Any = None,
        waiting_before: tuple[PendingTimer, ...] = (),
    ) -> StepResult:
        """Run the workflow on to its next wait state, after completing the user task ``completing``.

        ``waiting_before``: the timers waiting before the step, to tell which of them fired.
        """
        incident = None
        try:
            if completing is not None:
                completing.run()
            # Timers first: one that fires may make tasks ready for the engine steps.
            workflow.refresh_timers()
            workflow.do_engine_steps(will_complete_task=lambda task: budget.count_task(_element_name(task)))
        except SpiffWorkflowException as error:
            incident = _describe_failure(error)
        except ScriptRefused as error:
            # Raised outside a task's script (the step or instance limits), so not wrapped by SpiffWorkflow.
            incident = str(error)
        reached = sorted(
            (task for task in _marked_tasks(workflow) if task.id not in marked_before),
            key=lambda task: task.last_state_change,
        )
        ready = tuple(_ready_task(task) for task in workflow.get_tasks(state=TaskState.READY, manual=True))
        if incident is None and _stalled(workflow, ready):
            incident = _describe_stall(workflow)
        timers = _pending_timers(workflow)
        waiting_after = {(timer.task_id, timer.fires_at) for timer in timers}
        # Before serializing, which prunes the tasks of the timers that fired.
        fired = tuple(
            timer
            for timer in waiting_before
            if (timer.task_id, timer.fires_at) not in waiting_after and _timer_ran(workflow, timer)
        )
        return StepResult(
            state=self._serialize(workflow),
            ready_tasks=ready,
            statuses_reached=tuple(
                task.task_spec.extensions["properties"][STATUS_PROPERTY] for task in reached
            ),
            completed=workflow.completed,
            incident=incident,
            data=dict(workflow.data),
            timers=timers,
            fired_timers=fired,
            result_labels_reached=tuple(
                label
                for task in reached
                if (label := task.task_spec.extensions["properties"].get(RESULT_LABEL_PROPERTY, "").strip())
            ),
        )

    def start(self, cache_key: str, spec_json: str, data: Mapping[str, Any]) -> StepResult:
        """Start a new workflow with ``data`` and run it to its first wait state."""
        spec, subprocess_specs = self._specs_for(cache_key, spec_json)
        with step_clock(self._clock(), fire_due_timers=False), engine_step(self.limits) as budget:
            workflow = BpmnWorkflow(spec, dict(subprocess_specs), script_engine=self._script_engine)
            workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
            return self._advance(workflow, set(), budget)

    def start_lane(self, cache_key: str, spec_json: str) -> str | None:
        """The lane of the process's start event, which says whose staff register its cases."""
        spec, _ = self._specs_for(cache_key, spec_json)
        starts = spec.start.outputs
        return starts[0].lane if starts else None

    def ready_tasks(self, cache_key: str, spec_json: str, state: str) -> tuple[ReadyTask, ...]:
        workflow = self._restore(cache_key, spec_json, state)
        return tuple(_ready_task(task) for task in workflow.get_tasks(state=TaskState.READY, manual=True))

    def snapshot(self, cache_key: str, spec_json: str, state: str) -> WorkflowSnapshot:
        """The stored workflow's user tasks, waiting timers and whether it ended; runs nothing."""
        workflow = self._restore(cache_key, spec_json, state)
        ready, finished = set(), set()
        for task in workflow.get_tasks(manual=True):
            if task.state == TaskState.READY:
                ready.add(str(task.id))
            elif task.state in (TaskState.COMPLETED, TaskState.CANCELLED):
                finished.add(str(task.id))
        return WorkflowSnapshot(
            ready_task_ids=frozenset(ready),
            finished_task_ids=frozenset(finished),
            waiting_timers=_pending_timers(workflow),
            completed=workflow.completed,
        )

    def completed_elements(self, cache_key: str, spec_json: str, state: str) -> tuple[str, ...]:
        """The BPMN ids of the elements this workflow has passed, in the order they completed."""
        workflow = self._restore(cache_key, spec_json, state)
        done = sorted(workflow.get_tasks(state=TaskState.COMPLETED), key=lambda task: task.last_state_change)
        # Those recorded when the tree was last pruned first: their tasks may be gone from it.
        seen: dict[str, None] = dict.fromkeys(passed_elements(workflow))
        for task in done:
            # SpiffWorkflow's own bookkeeping tasks (Start, End, ...) have no BPMN id.
            if getattr(task.task_spec, "bpmn_id", None):
                seen.setdefault(task.task_spec.bpmn_id, None)
        return tuple(seen)

    def complete_task(
        self, cache_key: str, spec_json: str, state: str, task_id: str, data: Mapping[str, Any]
    ) -> StepResult:
        """Complete one READY user task with ``data`` and run on; raises TaskNotReady otherwise."""
        workflow = self._restore(cache_key, spec_json, state)
        task = _ready_user_task(workflow, task_id)
        marked_before = _marked_task_ids(workflow)
        with step_clock(self._clock(), fire_due_timers=False), engine_step(self.limits) as budget:
            task.data.update(data)
            return self._advance(workflow, marked_before, budget, completing=task)

    def fire_due_timers(self, cache_key: str, spec_json: str, state: str) -> StepResult:
        """Fire every timer that is due on the clock and run on (the worker's step)."""
        workflow = self._restore(cache_key, spec_json, state)
        marked_before = _marked_task_ids(workflow)
        waiting_before = _pending_timers(workflow)
        with step_clock(self._clock(), fire_due_timers=True), engine_step(self.limits) as budget:
            return self._advance(workflow, marked_before, budget, waiting_before=waiting_before)

    def cancel(self, cache_key: str, spec_json: str, state: str) -> StepResult:
        """End the workflow where it stands (withdrawal): every unfinished task is cancelled, no step runs."""
        workflow = self._restore(cache_key, spec_json, state)
        workflow.cancel()
        return StepResult(
            state=self._serialize(workflow),
            ready_tasks=(),
            statuses_reached=(),
            completed=workflow.completed,
            data=dict(workflow.data),
        )

    def _check_migration(
        self, workflow: BpmnWorkflow, new_key: str, new_spec_json: str, new_version: int
    ) -> tuple[MigrationCheck, Any, dict, Any, dict]:
        new_spec, new_dependencies = self._specs_for(new_key, new_spec_json)
        reasons, top_diff, sp_diffs = migration.blocking_reasons(
            self._serializer.registry, workflow, new_spec, dict(new_dependencies), new_version
        )
        check = MigrationCheck(migration.current_elements(workflow), reasons)
        return check, top_diff, sp_diffs, new_spec, dict(new_dependencies)

    def migration_check(
        self, cache_key: str, spec_json: str, state: str, new_key: str, new_spec_json: str, new_version: int
    ) -> MigrationCheck:
        """Whether the stored workflow may move to the other version (engine.migration); runs nothing."""
        workflow = self._restore(cache_key, spec_json, state)
        return self._check_migration(workflow, new_key, new_spec_json, new_version)[0]

    def migrate(
        self, cache_key: str, spec_json: str, state: str, new_key: str, new_spec_json: str, new_version: int
    ) -> MigrationResult:
        """Move the stored workflow to the other version; raises MigrationRefused when it may not."""
        workflow = self._restore(cache_key, spec_json, state)
        check, top_diff, sp_diffs, new_spec, new_dependencies = self._check_migration(
            workflow, new_key, new_spec_json, new_version
        )
        if not check.movable:
            raise MigrationRefused("；".join(check.reasons))
        migration.move(workflow, top_diff, sp_diffs, new_spec, new_dependencies)
        ready = tuple(_ready_task(task) for task in workflow.get_tasks(state=TaskState.READY, manual=True))
        return MigrationResult(self._serialize(workflow), ready)


def _stalled(workflow: BpmnWorkflow, ready: tuple[ReadyTask, ...]) -> bool:
    """Not ended, no task to work and nothing to wait for: no step will ever move the workflow again."""
    # Every waiting timer, message or signal event is in the event manager, sub-workflows' too.
    return not workflow.completed and not ready and not workflow.event_manager.tasks


def _describe_stall(workflow: BpmnWorkflow) -> str:
    """``<the element passed last>: 流程停滞…``, where the analyst starts looking."""
    last = workflow.last_task
    where = _element_name(last) if last is not None and getattr(last.task_spec, "bpmn_id", None) else None
    return f"{where}: {STALLED}" if where else STALLED


def _ready_user_task(workflow: BpmnWorkflow, task_id: str) -> Any:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, TypeError, TaskNotFoundException):
        raise TaskNotReady(task_id) from None
    # SpiffWorkflow would happily run a FUTURE task; only a READY manual one may be completed.
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(task_id)
    return task


def _pending_timers(workflow: BpmnWorkflow) -> tuple[PendingTimer, ...]:
    timers = []
    for task in pending_timer_tasks(workflow):
        fires_at = task.task_spec.event_definition.fires_at(task)
        if fires_at is not None:
            spec = task.task_spec
            timers.append(
                PendingTimer(
                    str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, fires_at, pauses_clock(spec)
                )
            )
    return tuple(sorted(timers, key=lambda timer: (timer.fires_at, timer.task_id)))


def _timer_ran(workflow: BpmnWorkflow, timer: PendingTimer) -> bool:
    """Whether a timer that stopped waiting (or waits for its next repetition) ran, not was cancelled."""
    try:
        task = workflow.get_task_from_id(UUID(timer.task_id))
    except TaskNotFoundException:
        return False
    return task is not None and task.state != TaskState.CANCELLED


def _ready_task(task: Any) -> ReadyTask:
    spec = task.task_spec
    properties = (getattr(spec, "extensions", None) or {}).get("properties", {})
    department_type = properties.get(DEPARTMENT_TYPE_PROPERTY)
    department_type_field = properties.get(DEPARTMENT_TYPE_FIELD_PROPERTY)
    if department_type_field:
        chosen = task.data.get(department_type_field)
        department_type = chosen if isinstance(chosen, str) and chosen else None
    return ReadyTask(
        id=str(task.id),
        bpmn_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        form_key=properties.get(FORM_PROPERTY),
        responsibility_item=properties.get(RESPONSIBILITY_PROPERTY),
        department_type=department_type,
        department_type_field=department_type_field,
    )


def _element_name(task: Any) -> str:
    spec = task.task_spec
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _describe_failure(error: SpiffWorkflowException) -> str:
    """``<element>: <cause>`` in words an analyst can act on, e.g. ``计算: 脚本不允许 import``."""
    task_spec = getattr(getattr(error, "task", None), "task_spec", None)
    where = (
        (getattr(task_spec, "bpmn_name", None) or getattr(task_spec, "bpmn_id", None)) if task_spec else None
    )
    # SpiffWorkflow wraps the original exception while handling it, so it is the context.
    cause = error.__context__
    if isinstance(cause, ScriptRefused):
        message = str(cause)
    elif cause is not None and not isinstance(cause, SpiffWorkflowException):
        message = f"{getattr(error, 'error_msg', error)} ({type(cause).__name__}: {cause})"
    else:
        message = str(getattr(error, "error_msg", None) or error)
    return f"{where}: {message}" if where else message

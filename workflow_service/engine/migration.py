"""Move a running workflow onto another version of its process, where SpiffWorkflow's workflow diff
says it is safe: every current task (READY or WAITING) still exists in the new version by its BPMN id,
in the same lane, and no timer is running (moving resets the current branches, which restarts them).

Used by ProcessRuntime.migration_check / migrate; the rest of the service sees only the reasons.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

CURRENT = TaskState.READY | TaskState.WAITING


def _label(spec: Any) -> str:
    name = getattr(spec, "bpmn_name", None)
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    return f"「{name}」（{bpmn_id}）" if name else f"（{bpmn_id}）"


def _workflows(workflow: BpmnWorkflow) -> list[tuple[Any, Any]]:
    """The top workflow and each subprocess, keyed as diff_workflow keys their diffs (None: the top)."""
    return [(None, workflow), *workflow.subprocesses.items()]


def current_elements(workflow: BpmnWorkflow) -> tuple[str, ...]:
    """The BPMN ids of the workflow's current tasks (READY or WAITING), in tree order."""
    found: dict[str, None] = {}
    for _key, flow in _workflows(workflow):
        for task in flow.get_tasks(state=CURRENT, skip_subprocesses=True):
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id:
                found.setdefault(bpmn_id, None)
    return tuple(found)


def blocking_reasons(
    registry: Any, workflow: BpmnWorkflow, new_spec: Any, new_dependencies: dict, new_version: int
) -> tuple[tuple[str, ...], Any, dict]:
    """Why the workflow cannot move to ``new_spec`` (empty: it can), and the diffs that move it."""
    top_diff, sp_diffs = diff_workflow(registry, workflow, new_spec, new_dependencies)
    diffs = {None: top_diff, **sp_diffs}
    reasons: list[str] = []
    for key, flow in _workflows(workflow):
        diff = diffs.get(key)
        for task in flow.get_tasks(state=CURRENT, skip_subprocesses=True):
            spec = task.task_spec
            if getattr(spec, "bpmn_id", None) is None:
                continue  # SpiffWorkflow's own bookkeeping (joins of boundary events …) moves with its task
            if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
                reasons.append(f"正在等待定时器{_label(spec)}，迁移会使其重新计时")
                continue
            aligned = diff.alignment.get(task) if diff is not None else None
            if aligned is None or getattr(aligned, "bpmn_id", None) != spec.bpmn_id:
                reasons.append(f"当前任务{_label(spec)}在第 {new_version} 版中已不存在")
            elif aligned.lane != spec.lane:
                reasons.append(f"当前任务{_label(spec)}的泳道由 {spec.lane} 变为 {aligned.lane}")
    return tuple(dict.fromkeys(reasons)), top_diff, sp_diffs


def move(
    workflow: BpmnWorkflow, top_diff: Any, sp_diffs: dict, new_spec: Any, new_dependencies: dict
) -> None:
    """Put the workflow on the new spec; its current branches are reset and predicted anew
    (their tasks keep their ids, so the open task rows stay those of the case)."""
    migrate_workflow(top_diff, workflow, new_spec)
    for sp_id, subprocess in workflow.subprocesses.items():
        migrate_workflow(sp_diffs[sp_id], subprocess, new_dependencies.get(subprocess.spec.name))
    workflow.subprocess_specs = dict(new_dependencies)

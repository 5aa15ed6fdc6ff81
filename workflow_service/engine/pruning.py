"""Keep a workflow's task tree as deep as the work still open, however often a loop has gone round.

SpiffWorkflow grows the task tree at every element a token passes and never removes finished
tasks, so each round of a loop (补正, 退回补正, a repeated review) hangs a few more tasks below
the last. The stored state grows with the rounds, every step restores and serializes all of it,
and SpiffWorkflow's task iterator stops descending at depth 1,000: beyond it the next task is
never found and the case stalls.

:func:`prune` cuts the finished part of the tree above the open work. From the root's child it
follows the single path of finished tasks that leads to everything still open; the last task on
that path (the *anchor*) is kept, since the open task below it takes its data from it, and is
hung directly below the root's child. The finished tasks above the anchor, the finished side
branches off them (the not-taken or cancelled paths, a cancelled boundary timer) and the
sub-workflows of their call activities are dropped. The path stops early:

- where it divides (a parallel split with two open branches): the join needs both;
- at a split whose structured join is still to come (a boundary event's split, the split of
  several start events): the join finds it among its ancestors.

The root and its children stay: SpiffWorkflow restarts start events and conditional start paths
from there. What the diagram shows as passed is kept on the root (``passed_elements``), so pruning
takes nothing the case's history needs: the service keeps its own task rows and audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# Where the BPMN ids of the elements passed in pruned tasks are kept (on the root task).
PASSED_ELEMENTS = "passed_elements"
# Done with for good. A task in ERROR (a failed script: an incident) is not: it stays where it failed.
_DONE = TaskState.COMPLETED | TaskState.CANCELLED


def prune(workflow: BpmnWorkflow) -> int:
    """Drop the finished tasks above the open work of the workflow and its sub-workflows; how many."""
    if workflow.completed:
        return 0
    removed = sum(
        _prune_tree(workflow, subprocess)
        for subprocess in list(workflow.subprocesses.values())
        if not subprocess.completed
    )
    # The top workflow last: dropping a finished call activity drops its sub-workflow too.
    return removed + _prune_tree(workflow, workflow)


def passed_elements(workflow: BpmnWorkflow) -> list[str]:
    """The BPMN ids of the elements passed up to the last pruning, in the order they first completed."""
    return list(workflow.task_tree.internal_data.get(PASSED_ELEMENTS, []))


def _prune_tree(top: BpmnWorkflow, workflow: Any) -> int:
    tasks: dict[UUID, Any] = workflow.tasks
    if workflow.task_tree is None or workflow.task_tree.id not in tasks:
        return 0
    # Every element passed so far, before any of its tasks goes: the diagram shows them.
    _record_passed(top, tasks.values())
    open_below = _open_below(workflow)
    awaiting = _splits_awaiting_their_join(workflow)
    removed = 0
    for first in list(workflow.task_tree.children):
        anchor = _anchor(first, open_below, awaiting)
        if anchor is not None and anchor is not first and anchor.parent is not first:
            removed += _hang_below(top, workflow, anchor, first, open_below, awaiting)
    return removed


def _open_below(workflow: Any) -> set[UUID]:
    """The ids of the unfinished tasks and of every task with an unfinished task below it."""
    tasks = workflow.tasks
    marked: set[UUID] = set()
    for task in tasks.values():
        if task.has_state(_DONE):
            continue
        task_id: UUID | None = task.id
        while task_id is not None and task_id not in marked:
            marked.add(task_id)
            parent = tasks.get(task_id)
            task_id = parent._parent if parent is not None else None
    return marked


def _splits_awaiting_their_join(workflow: Any) -> set[UUID]:
    """The split tasks a structured join (a boundary event's, several start events') has yet to find.

    Such a join looks for its split among its ancestors; once it has completed, the split is history.
    """
    tasks = workflow.tasks
    split_names = {getattr(spec, "split_task", None) for spec in workflow.spec.task_specs.values()}
    split_names.discard(None)
    splits = {task.id for task in tasks.values() if task.task_spec.name in split_names}
    for task in tasks.values():
        split_name = getattr(task.task_spec, "split_task", None)
        if split_name is None or task.state != TaskState.COMPLETED:
            continue
        ancestor = task.parent
        while ancestor is not None and ancestor.task_spec.name != split_name:
            ancestor = ancestor.parent
        if ancestor is not None:
            splits.discard(ancestor.id)
    return splits


def _anchor(first: Any, open_below: set[UUID], awaiting: set[UUID]) -> Any:
    """The last finished task on the single path from ``first`` to the open work.

    None when there is nothing to cut: no open work below ``first``, or ``first`` itself is open.
    """
    if first.id not in open_below or not first.has_state(_DONE):
        return None
    node = first
    while node.id not in awaiting:
        open_children = [child for child in node.children if child.id in open_below]
        if len(open_children) != 1:
            break
        if not open_children[0].has_state(_DONE):
            break
        node = open_children[0]
    return node


def _hang_below(
    top: BpmnWorkflow, workflow: Any, anchor: Any, first: Any, open_below: set[UUID], awaiting: set[UUID]
) -> int:
    """Make ``anchor`` a child of ``first``, dropping what lay between them; the number dropped."""
    tasks: dict[UUID, Any] = workflow.tasks
    dropped: list[Any] = []
    # Everything below ``first`` but outside the anchor's subtree, found without recursion: a tree
    # stored before pruning existed may be a thousand tasks deep.
    pending = list(first.children)
    while pending:
        task = pending.pop()
        if task.id != anchor.id:
            dropped.append(task)
            pending.extend(task.children)
    # The anchor's finished side branches go too, unless it is a split its join is still to look at.
    if anchor.id not in awaiting:
        for child in anchor.children:
            if child.id not in open_below:
                dropped.extend(_subtree(child))
    for task in dropped:
        if task.id in top.subprocesses:
            for sub_task in top.delete_subprocess(task):
                _record_passed(top, [sub_task])
    dropped_ids = {task.id for task in dropped}
    for task in dropped:
        tasks.pop(task.id, None)
        top.event_manager.remove_task(task)
    anchor._children = [child for child in anchor._children if child not in dropped_ids]
    position = next(
        (i for i, child in enumerate(first._children) if child in dropped_ids), len(first._children)
    )
    first._children = [child for child in first._children if child not in dropped_ids]
    first._children.insert(position, anchor.id)
    anchor._parent = first.id
    if workflow.last_task is not None and workflow.last_task.id in dropped_ids:
        workflow.last_task = anchor
    return len(dropped)


def _subtree(task: Any) -> list[Any]:
    found, pending = [], [task]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(current.children)
    return found


def _record_passed(top: BpmnWorkflow, tasks: Iterable[Any]) -> None:
    completed = sorted(
        (task for task in tasks if task.state == TaskState.COMPLETED), key=lambda task: task.last_state_change
    )
    root = top.task_tree
    passed: list[str] = root.internal_data.setdefault(PASSED_ELEMENTS, [])
    for task in completed:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and bpmn_id not in passed:
            passed.append(bpmn_id)

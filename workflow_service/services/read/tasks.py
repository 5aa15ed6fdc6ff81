"""The task read model: a task with its due colour and what the caller may do with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workflow_service.models import Task, TaskState, User
from workflow_service.services.calendar.case_clock import task_due_state
from workflow_service.services.directory import delegations
from workflow_service.services.directory.scope import get_visible_task
from workflow_service.services.work.tasks import delegated_from, may_work, task_form


@dataclass(frozen=True)
class TaskView:
    """A task as ``caller`` sees it.

    ``delegated_from``: the claimant the caller may work this task for as their delegate;
    ``may_work``: routed to the caller's organisation and one of their roles;
    ``form``: the form that completes it (``view_task`` only; lists leave it out).
    """

    task: Task
    due_state: str | None
    delegated_from: User | None
    may_work: bool
    form: dict[str, Any] | None = None


def view_tasks(caller: User, tasks: Iterable[Task]) -> list[TaskView]:
    """The tasks as ``caller`` sees them: no statement of its own, plus one (the caller's delegators
    in force) when an open task the caller may work is claimed by someone else, and the working
    calendar's two once per request.

    The tasks' cases, service items, organisations and assignees are the caller's to load (the
    inbox and ``view_case`` load them with the tasks)."""
    delegators: dict[int, User] | None = None
    views = []
    for task in tasks:
        workable = may_work(caller, task)
        claimant = None
        # Only an open task the caller may work, claimed by someone else, can be a delegator's.
        if workable and task.state == TaskState.OPEN and task.assignee_id not in (None, caller.id):
            if delegators is None:
                delegators = delegations.delegators_in_force(caller)
            claimant = delegated_from(caller, task, delegators)
        views.append(TaskView(task, task_due_state(task), claimant, workable))
    return views


def task_view(caller: User, task: Task) -> TaskView:
    """One task with its form, as the task answer and the task page show it."""
    (view,) = view_tasks(caller, [task])
    return TaskView(view.task, view.due_state, view.delegated_from, view.may_work, task_form(task))


def view_task(caller: User, task_id: str) -> TaskView:
    """The task if the caller may see it (404 otherwise), with its form."""
    return task_view(caller, get_visible_task(caller, task_id))

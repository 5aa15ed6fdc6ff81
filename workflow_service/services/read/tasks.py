"""The task read model: a task with its due colour and what the caller may do with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import contains_eager, joinedload

from workflow_service.errors import NotFound
from workflow_service.extensions import db
from workflow_service.models import Case, Task, TaskState, User
from workflow_service.services.calendar.case_clock import task_due_state
from workflow_service.services.directory import delegations
from workflow_service.services.directory.scope import ScopeKey, scope_clause, scope_key
from workflow_service.services.work.tasks import delegated_from, may_work, task_form

# The statements ``view_task`` sends (the task with all it shows); the working calendar adds its
# ``CALENDAR_STATEMENTS`` once per request (services.calendar.deadlines).
TASK_VIEW_STATEMENTS = 1
# The statements ``next_tasks`` sends: the case's open tasks with their organisations.
NEXT_TASKS_STATEMENTS = 1


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


@dataclass(frozen=True)
class NextTask:
    """An open task of a case as the answer to a step names it, so the client goes on without an
    inbox read: ``may_work`` as in ``TaskView``."""

    task: Task
    may_work: bool


@dataclass(frozen=True)
class CompletedTaskView(TaskView):
    """A task just completed, with the case's open tasks after the step (none once the case ended)."""

    next_tasks: list[NextTask] = field(default_factory=list)


def next_tasks(caller: User, case_id: int) -> list[NextTask]:
    """The case's open tasks, first-created first, with whether the caller may work each, in
    ``NEXT_TASKS_STATEMENTS`` (1) statement however many there are."""
    tasks = db.session.execute(_OPEN_TASKS_OF_CASE, {"case_id": case_id}).scalars()
    return [NextTask(task, may_work(caller, task)) for task in tasks]


# Built once (statements are immutable): building one costs more than running it again.
_OPEN_TASKS_OF_CASE = (
    select(Task)
    .where(Task.case_id == bindparam("case_id"), Task.state == TaskState.OPEN)
    .order_by(Task.created_at, Task.id)
    .options(joinedload(Task.organisation))
)


def view_tasks(caller: User, tasks: Iterable[Task]) -> list[TaskView]:
    """The tasks as ``caller`` sees them: no statement of its own, plus one (the caller's delegators
    in force) when an open task the caller may work is claimed by someone else, and the working
    calendar's ``CALENDAR_STATEMENTS`` once per request.

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


def _task(*where: ColumnElement[bool]) -> Select[Task]:
    """A task with everything its answer shows: its case (item, version, process), organisation,
    people and responsibility-list item, in one statement."""
    return (
        select(Task)
        .join(Case, Case.id == Task.case_id)
        .options(
            contains_eager(Task.case).options(
                joinedload(Case.service_item),
                joinedload(Case.service_item_version),
                joinedload(Case.process_definition),
            ),
            joinedload(Task.organisation),
            joinedload(Task.assignee),
            joinedload(Task.completed_on_behalf_of),
            joinedload(Task.responsibility_item),
        )
        .where(*where)
    )


_TASK_BY_ID = _task(Task.id == bindparam("task_id"))


@lru_cache(maxsize=4096)
def _visible_task(key: ScopeKey) -> Select[Task]:
    return _task(Task.id == bindparam("task_id"), scope_clause(key))


def describe_task(caller: User, task: Task) -> TaskView:
    """One task with its form, from what the session holds: the task page's, whose case
    ``view_case`` has just loaded with its tasks."""
    (view,) = view_tasks(caller, [task])
    return TaskView(view.task, view.due_state, view.delegated_from, view.may_work, task_form(task))


def view_task(caller: User, task_id: str) -> TaskView:
    """The task if the caller may see it (404 otherwise), with its form, in ``TASK_VIEW_STATEMENTS``
    (1) statement, plus the calendar's ``CALENDAR_STATEMENTS`` per request and one more (the caller's
    delegators in force) when the caller may work it and someone else has claimed it."""
    task = db.session.execute(_visible_task(scope_key(caller)), {"task_id": task_id}).scalar_one_or_none()
    if task is None:
        raise NotFound("任务不存在")
    return describe_task(caller, task)


def reread_task(caller: User, task: Task) -> TaskView:
    """A task the caller has just acted on (claimed, completed, reassigned), read back as ``view_task``
    reads it, whether or not the case is still within the caller's scope."""
    return describe_task(caller, db.session.execute(_TASK_BY_ID, {"task_id": task.id}).scalar_one())


def view_completed_task(caller: User, task: Task) -> CompletedTaskView:
    """A task the caller has just completed, with the case's next open tasks, in one statement (the
    next tasks). The rest is what the completion holds, as ``reread_task`` would find it: the session
    keeps what the step wrote (no expiry at commit), the completion loaded the case with its item,
    item version and process version, and the people and organisation it names are the caller's
    or are read by their key once."""
    view = describe_task(caller, task)
    following = next_tasks(caller, task.case_id)
    return CompletedTaskView(
        view.task, view.due_state, view.delegated_from, view.may_work, view.form, following
    )

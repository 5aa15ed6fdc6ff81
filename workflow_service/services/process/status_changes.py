"""A case's status changes and applied steps, told in their transaction to the listeners installed.

The portal's outbox (services.portal.outbox) writes an event row for each change; it sits above
process/ in the package order, so process/ cannot call it by name. The app factory installs it
(:func:`install`), as it installs the step effects, and every change made through
``progress._enter_status`` is told to it before the transaction commits, so the change and its
event commit or roll back together. The supervision feed (services.supervision.step_records)
listens the same way to every step ``progress.apply_step`` applies (:class:`AppliedStep`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app

from workflow_service.models import Case, CaseStatus, Task, User


@dataclass(frozen=True)
class StatusChange:
    """One status change of a case: from (None at registration), to, when, and its place in the
    case's history (1 for the first status)."""

    case: Case
    before: CaseStatus | None
    after: CaseStatus
    at: datetime
    sequence: int
    actor: User | None = None


@dataclass(frozen=True)
class AppliedStep:
    """One step of the engine applied to a case: the task completed (None at registration, a timer,
    a withdrawal), the statuses entered in order, the tasks it opened and whether the process ended."""

    case: Case
    actor: User | None
    completed: Task | None
    entered: tuple[CaseStatus, ...]
    opened: tuple[Task, ...]
    ended: bool


StatusListener = Callable[[StatusChange], object]
StepListener = Callable[[AppliedStep], object]

EXTENSION = "status_listeners"
STEP_EXTENSION = "step_listeners"


def install(app: Flask, listeners: Iterable[StatusListener], steps: Iterable[StepListener] = ()) -> None:
    """Tell every status change of this app to ``listeners`` and every applied step to ``steps``
    (called once, by the app factory)."""
    app.extensions[EXTENSION] = tuple(listeners)
    app.extensions[STEP_EXTENSION] = tuple(steps)


def announce(change: StatusChange) -> None:
    """Tell the installed listeners of a change, in the current transaction."""
    for listener in current_app.extensions.get(EXTENSION, ()):
        listener(change)


def announce_step(step: AppliedStep) -> None:
    """Tell the installed step listeners of an applied step, in the current transaction."""
    for listener in current_app.extensions.get(STEP_EXTENSION, ()):
        listener(step)

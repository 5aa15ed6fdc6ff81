"""A case's status changes, told in their own transaction to the listeners the app factory installs.

The portal's outbox (services.portal.outbox) writes an event row for each change; it sits above
process/ in the package order, so process/ cannot call it by name. The app factory installs it
(:func:`install`), as it installs the step effects, and every change made through
``progress._enter_status`` is told to it before the transaction commits, so the change and its
event commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app

from workflow_service.models import Case, CaseStatus


@dataclass(frozen=True)
class StatusChange:
    """One status change of a case: from (None at registration), to, when, and its place in the
    case's history (1 for the first status)."""

    case: Case
    before: CaseStatus | None
    after: CaseStatus
    at: datetime
    sequence: int


StatusListener = Callable[[StatusChange], object]

EXTENSION = "status_listeners"


def install(app: Flask, listeners: Iterable[StatusListener]) -> None:
    """Tell every status change of this app to ``listeners`` (called once, by the app factory)."""
    app.extensions[EXTENSION] = tuple(listeners)


def announce(change: StatusChange) -> None:
    """Tell the installed listeners of a change, in the current transaction."""
    for listener in current_app.extensions.get(EXTENSION, ()):
        listener(change)

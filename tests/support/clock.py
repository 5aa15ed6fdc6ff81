"""The one controllable clock: a time the test sets, read by the service through ``app.config["CLOCK"]``.

The ``clock`` fixture (offered by tests/conftest.py) is that clock standing at Monday 09:00; a test
moves it with ``clock.set`` or ``clock.at += …``. The ``app`` fixture puts ``CLOCK`` back to None after
each test (the PostgreSQL app is shared), so a test only sets it. Bearer tokens live 12 hours on that
clock, so ``ClockedApi`` logs in again on every move.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from tests.support.api import ApiClient

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9AM = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 23 November 2026, 09:00 in Shanghai


def in_shanghai(day: date | str, hour: int = 10) -> datetime:
    """``hour`` o'clock in Shanghai on ``day`` (a date or YYYY-MM-DD), in UTC."""
    on = day if isinstance(day, date) else date.fromisoformat(day)
    return datetime.combine(on, time(hour), tzinfo=SHANGHAI).astimezone(UTC)


class Clock:
    """A clock that stands where the test puts it; called, it says the time."""

    def __init__(self, at: datetime = MONDAY_9AM) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


def service_clock(app: Flask, at: datetime = MONDAY_9AM) -> Clock:
    """Make a clock standing at ``at`` the service's clock."""
    clock = Clock(at)
    app.config["CLOCK"] = clock
    return clock


@pytest.fixture
def clock(app: Flask) -> Clock:
    """The service's clock, standing at Monday 23 November 2026, 09:00 in Shanghai."""
    return service_clock(app)


class ClockedApi:
    """The API on the service clock, moved by the test: each move starts a client that logs in again."""

    def __init__(self, app: Flask, at: datetime | str, hour: int = 10) -> None:
        self.app = app
        self.clock = service_clock(app, at if isinstance(at, datetime) else in_shanghai(at, hour))
        self.api = ApiClient(app.test_client())

    @property
    def at(self) -> datetime:
        return self.clock.at

    def move_to(self, at: datetime | str, hour: int = 10) -> ApiClient:
        """Set the clock to ``at``, or to ``hour`` o'clock in Shanghai on the day ``at`` names."""
        self.clock.set(at if isinstance(at, datetime) else in_shanghai(at, hour))
        self.api = ApiClient(self.app.test_client())
        return self.api

    def put(self, path: str, user: str, body: dict[str, Any]) -> Any:
        return self.api.http.put(path, headers=self.api.headers(user), json=body)

    def patch(self, path: str, user: str, body: dict[str, Any]) -> Any:
        return self.api.http.patch(path, headers=self.api.headers(user), json=body)

    def review_task(self, number: str) -> dict[str, Any]:
        (task,) = [t for t in self.api.case(number)["current_tasks"] if t["lane"] == "department"]
        return task

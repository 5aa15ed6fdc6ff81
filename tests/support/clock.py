"""The API on a controllable clock: set the service clock to a day and hour in Shanghai.

Bearer tokens live 12 hours on that clock, so each move starts a fresh client that logs in again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from tests.support.api import ApiClient

SHANGHAI = ZoneInfo("Asia/Shanghai")


class ClockedApi:
    def __init__(self, app: Flask, day: str, hour: int = 10) -> None:
        self.app = app
        self.at = datetime.now(UTC)
        app.config["CLOCK"] = lambda: self.at
        self.api = ApiClient(app.test_client())
        self.move_to(day, hour)

    def move_to(self, day: str, hour: int = 10) -> None:
        """Set the clock to ``hour`` o'clock in Shanghai on ``day`` (YYYY-MM-DD)."""
        local = datetime.combine(date.fromisoformat(day), time(hour), tzinfo=SHANGHAI)
        self.at = local.astimezone(UTC)
        self.api = ApiClient(self.app.test_client())

    def put(self, path: str, user: str, body: dict[str, Any]) -> Any:
        return self.api.http.put(path, headers=self.api.headers(user), json=body)

    def patch(self, path: str, user: str, body: dict[str, Any]) -> Any:
        return self.api.http.patch(path, headers=self.api.headers(user), json=body)

    def accept(self, number: str) -> None:
        task = self.api.open_task(number)
        assert task["name"] == "受理"
        response = self.api.complete(task["id"], "clerk", {"acceptance_decision": "accept"})
        assert response.status_code == 200, response.json

    def register_and_accept(self) -> str:
        number = self.api.start_case()
        self.accept(number)
        return number

    def review_task(self, number: str) -> dict[str, Any]:
        (task,) = [t for t in self.api.case(number)["current_tasks"] if t["lane"] == "department"]
        return task

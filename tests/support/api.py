"""Small helpers the tests act through: log in as a demo user, start a case, work a task.

``ApiClient`` wraps Flask's test client, or ``HttpClient`` for a server running over real HTTP
(``Server.api()``), so the same steps (tests/support/steps.py) drive both.
"""

from __future__ import annotations

import copy
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import AuditEvent

WUNING = "330783001"
HENGDIAN = "330783111"
SERVICE = "individual_business_registration"
APPLICANT = {"kind": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"}
APPLICATION = {
    "business_name": "东阳市吴宁张三小吃店",
    "operator_name": "张三",
    "operator_id_number": "11010519491231002X",
    "premises": "东阳市吴宁街道人民路1号",
    "business_scope": "小吃服务",
    "capital_wan_yuan": 5,
    "organisation_form": "individual",
}


# Tests register many cases for the one demo applicant, so the body confirms the duplicate warning
# (409 without it, tests/test_duplicates.py); ``case_body(confirm_duplicate=None)`` leaves it out.
CONFIRMED_DUPLICATE = {"reason": "测试：同一申请人登记多件"}


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_code": SERVICE,
        "applicant": copy.deepcopy(APPLICANT),
        "data": copy.deepcopy(APPLICATION),
        "confirm_duplicate": dict(CONFIRMED_DUPLICATE),
    }
    body.update(overrides)
    return body


class HttpResponse:
    """An answer over HTTP, read as Flask's test client answers: ``json`` is the parsed body or None."""

    def __init__(self, response: requests.Response) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self.content_type = response.headers.get("Content-Type")
        self.data = response.content
        self.text = response.text
        try:
            self.json: Any = response.json()
        except ValueError:
            self.json = None

    def get_data(self, as_text: bool = False) -> str | bytes:
        return self.text if as_text else self.data


class HttpClient:
    """A running server over HTTP, with the calls of Flask's test client that ``ApiClient`` makes."""

    def __init__(self, base: str, timeout: float = 10) -> None:
        self.base = base
        self.timeout = timeout

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> HttpResponse:
        kwargs.setdefault("timeout", self.timeout)
        return HttpResponse(requests.request(method, self.base + path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open(path, "POST", **kwargs)

    def patch(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open(path, "PATCH", **kwargs)

    def put(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.open(path, "PUT", **kwargs)


class ApiClient:
    """The Flask test client (or an ``HttpClient``) plus the few moves every API test makes."""

    def __init__(self, client: FlaskClient | HttpClient, password: str = "demo") -> None:
        self.http = client
        self.password = password  # the test templates' demo accounts share this one
        self._tokens: dict[str, str] = {}

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            response = self.http.post(
                "/api/v1/auth/token", json={"username": username, "password": self.password}
            )
            assert response.status_code == 200, response.json
            self._tokens[username] = response.json["access_token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def get(self, path: str, user: str, **kwargs: Any) -> Any:
        return self.http.get(path, headers=self.headers(user), **kwargs)

    def post(self, path: str, user: str, **kwargs: Any) -> Any:
        return self.http.post(path, headers=self.headers(user), **kwargs)

    def register(self, body: dict[str, Any], user: str = "clerk") -> dict[str, Any]:
        """Register the case ``body`` describes (it must be accepted for registration): the answer."""
        response = self.post("/api/v1/cases", user, json=body)
        assert response.status_code == 201, response.json
        return response.json

    def start_case(self, user: str = "clerk", **overrides: Any) -> str:
        """Register a 个体工商户设立登记 case (``case_body`` with ``overrides``): its number."""
        return self.register(case_body(**overrides), user)["number"]

    def case(self, number: str, user: str = "clerk") -> dict[str, Any]:
        response = self.get(f"/api/v1/cases/{number}", user)
        assert response.status_code == 200, response.json
        return response.json

    def open_task(self, number: str, user: str = "clerk") -> dict[str, Any]:
        tasks = self.case(number, user)["current_tasks"]
        assert len(tasks) == 1, tasks
        return tasks[0]

    def complete(self, task_id: str, user: str, data: dict[str, Any]) -> Any:
        return self.post(f"/api/v1/tasks/{task_id}/complete", user, json={"data": data})

    def inbox(self, user: str) -> list[dict[str, Any]]:
        response = self.get("/api/v1/tasks", user)
        assert response.status_code == 200, response.json
        return response.json


def audit(app: Flask, action: str) -> list[dict[str, Any]]:
    """The summaries (plus actor) of the audit rows with ``action``, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars()
        return [{"actor": row.actor_username, **row.summary} for row in rows]


def problem_body(document: dict[str, Any]) -> dict[str, Any]:
    """A problem document without its ``request_id``, which differs on every request: what two
    answers must share to be the same answer."""
    return {key: value for key, value in document.items() if key != "request_id"}

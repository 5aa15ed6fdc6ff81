"""The whole case over real HTTP through gunicorn, restarting the server between every step."""

from __future__ import annotations

import pytest
import requests

from tests.support.api import case_body
from tests.support.live import Server

pytestmark = pytest.mark.live


def login(server: Server, username: str) -> dict[str, str]:
    response = requests.post(
        f"{server.base}/api/v1/auth/token", json={"username": username, "password": "demo"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def only_task(server: Server, headers: dict[str, str]) -> dict:
    response = requests.get(f"{server.base}/api/v1/tasks", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    tasks = response.json()
    assert len(tasks) == 1, tasks
    return tasks[0]


def complete(server: Server, headers: dict[str, str], task_id: str, data: dict) -> None:
    response = requests.post(
        f"{server.base}/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text


def test_registration_case_over_http_survives_restarts(server: Server) -> None:
    """同城通办 over real HTTP: accepted at 横店镇, reviewed by the station covering 吴宁街道, issued at 横店镇."""
    clerk, approver = login(server, "clerk-hengdian"), login(server, "approver")
    body = case_body(matter_township="330783001")
    created = requests.post(f"{server.base}/api/v1/cases", json=body, headers=clerk, timeout=10)
    assert created.status_code == 201, created.text
    number = created.json()["number"]

    server.restart()
    complete(server, clerk, only_task(server, clerk)["id"], {"acceptance_decision": "accept"})

    server.restart()
    review = only_task(server, approver)
    assert (review["name"], review["organisation"]["name"]) == ("审核", "东阳市市场监督管理局吴宁市场监管所")
    claimed = requests.post(f"{server.base}/api/v1/tasks/{review['id']}/claim", headers=approver, timeout=10)
    assert claimed.status_code == 200

    server.restart()
    complete(server, approver, review["id"], {"review_decision": "approve", "review_opinion": "准予登记"})

    server.restart()
    issuance = only_task(server, clerk)
    assert (issuance["name"], issuance["organisation"]["name"]) == ("出件", "横店镇便民服务中心")
    complete(server, clerk, issuance["id"], {"delivery_method": "mail", "tracking_number": "EMS1234567890"})

    case = requests.get(f"{server.base}/api/v1/cases/{number}", headers=clerk, timeout=10).json()
    assert case["status"] == {"code": "issued", "label": "已出件"}
    assert [step["name"] for step in case["history"]] == ["受理", "审核", "出件"]
    assert "Traceback" not in server.log.read_text(errors="replace")

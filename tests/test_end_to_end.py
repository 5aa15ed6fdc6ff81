"""The whole case over real HTTP through gunicorn, restarting the server between every step."""

from __future__ import annotations

import pytest

from tests.support.api import case_body
from tests.support.live import Server
from tests.support.steps import ACCEPT, inbox_task

pytestmark = pytest.mark.live


def test_registration_case_over_http_survives_restarts(server: Server) -> None:
    """同城通办 over real HTTP: accepted at 横店镇, reviewed by the station covering 吴宁街道, issued at 横店镇."""
    api = server.api()
    # Both log in before the first restart: their tokens outlive it.
    api.headers("clerk-hengdian")
    api.headers("approver")
    number = api.register(case_body(matter_township="330783001"), "clerk-hengdian")["number"]

    server.restart()
    acceptance = inbox_task(api, "clerk-hengdian")
    assert api.complete(acceptance["id"], "clerk-hengdian", ACCEPT).status_code == 200

    server.restart()
    review = inbox_task(api, "approver")
    assert (review["name"], review["organisation"]["name"]) == ("审核", "东阳市市场监督管理局吴宁市场监管所")
    assert api.post(f"/api/v1/tasks/{review['id']}/claim", "approver").status_code == 200

    server.restart()
    decision = {"review_decision": "approve", "review_opinion": "准予登记"}
    assert api.complete(review["id"], "approver", decision).status_code == 200

    server.restart()
    issuance = inbox_task(api, "clerk-hengdian")
    assert (issuance["name"], issuance["organisation"]["name"]) == ("出件", "横店镇便民服务中心")
    delivery = {"delivery_method": "mail", "tracking_number": "EMS1234567890"}
    assert api.complete(issuance["id"], "clerk-hengdian", delivery).status_code == 200

    case = api.case(number, "clerk-hengdian")
    assert case["status"] == {"code": "issued", "label": "已出件"}
    assert [step["name"] for step in case["history"]] == ["受理", "审核", "出件"]
    assert "Traceback" not in server.log.read_text(errors="replace")

"""老年人优待证 end to end: an instant item (即办件) accepted and issued in one window step."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from tests.support.api import ApiClient
from tests.support.clock import service_clock
from tests.support.steps import status_path

SERVICE = "senior_citizen_card"
SENIOR = {"kind": "person", "name": "王德华", "id_number": "330783195808070035", "phone": "13857901234"}
APPLICATION = {
    "holder_name": "王德华",
    "holder_id_number": "330783195808070035",
    "residence_type": "local",
    "residence_address": "东阳市吴宁街道艺海路12号",
}


def register(client: ApiClient, user: str = "clerk", **data: str) -> str:
    body = {"service_code": SERVICE, "applicant": SENIOR, "data": {**APPLICATION, **data}}
    response = client.post("/api/v1/cases", user, json=body)
    assert response.status_code == 201, response.json
    return response.json["number"]


def test_accepted_approved_and_issued_in_one_window_step(app: Flask, client: ApiClient) -> None:
    # Friday 2026-03-13, 10:00 in Shanghai: an instant item is due the same day.
    service_clock(app, datetime(2026, 3, 13, 2, 0, tzinfo=UTC))
    number = register(client)
    assert number.startswith("330783-LRYD-20260313-")
    [task] = client.inbox("clerk")
    assert (task["case_number"], task["name"], task["lane"]) == (number, "受理并发证", "window")

    handed_over = {
        "handling_decision": "issue",
        "card_number": "3307830012345",
        "recipient_name": "王德华",
        "recipient_id_number": "330783195808070035",
    }
    assert client.complete(task["id"], "clerk", handed_over).status_code == 200

    case = client.case(number)
    assert case["status"] == {"code": "issued", "label": "已出件"}
    assert status_path(case) == ["submitted", "accepted", "approved", "issued"]
    assert case["due_date"] == "2026-03-13"
    assert case["ended_at"] is not None
    assert case["current_tasks"] == []
    # No back office: the window's one step is the whole case.
    assert [(step["name"], step["organisation"]["name"]) for step in case["history"]] == [
        ("受理并发证", "吴宁街道便民服务中心")
    ]


def test_refused_at_the_window_with_a_reason(client: ApiClient) -> None:
    number = register(client)
    task = client.open_task(number)
    missing_reason = client.complete(task["id"], "clerk", {"handling_decision": "refuse"})
    assert missing_reason.status_code == 422
    assert missing_reason.json["errors"] == {"data.refusal_reason": ["必填"]}
    refusal = {"handling_decision": "refuse", "refusal_reason": "未满60周岁，不符合申领条件"}
    assert client.complete(task["id"], "clerk", refusal).status_code == 200
    case = client.case(number)
    assert case["status"]["code"] == "not_accepted"
    assert case["ended_at"] is not None


def test_issuing_needs_the_card_and_the_recipient(client: ApiClient) -> None:
    number = register(client)
    task = client.open_task(number)
    response = client.complete(
        task["id"], "clerk", {"handling_decision": "issue", "card_number": "3307830012345"}
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"data.recipient_name", "data.recipient_id_number"}


def test_any_window_in_the_city_and_a_residence_permit_when_not_local(client: ApiClient) -> None:
    body = {
        "service_code": SERVICE,
        "applicant": SENIOR,
        "data": {**APPLICATION, "residence_type": "resident_permit"},
    }
    response = client.post("/api/v1/cases", "clerk-hengdian", json=body)
    assert response.status_code == 422
    assert response.json["errors"] == {"data.residence_permit_number": ["必填"]}
    number = register(
        client, "clerk-hengdian", residence_type="resident_permit", residence_permit_number="330783A1234"
    )
    assert client.open_task(number, "clerk-hengdian")["organisation"]["name"] == "横店镇便民服务中心"

"""Every refused request answers problem+json with the status DESIGN.md §6 names, and changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tests.support.api import ApiClient, case_body
from tests.support.clock import service_clock

PROBLEM = "application/problem+json"


def audit_count(client: ApiClient, number: str) -> int:
    return len(client.case(number)["audit"])


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "缺少 Authorization: Bearer 令牌"),
        ({"Authorization": "Bearer not-a-token"}, "令牌无效或已过期"),
        ({"Authorization": "Basic Y2xlcms6ZGVtbw=="}, "缺少 Authorization: Bearer 令牌"),
    ],
)
def test_staff_endpoints_need_a_valid_bearer_token(client: ApiClient, headers: dict, detail: str) -> None:
    for path in ("/api/v1/tasks", "/api/v1/cases/330783-GTDJ-20261125-0001", "/api/v1/services"):
        response = client.http.get(path, headers=headers)
        assert response.status_code == 401
        assert response.content_type == PROBLEM
        assert response.json["detail"] == detail
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_password_and_unknown_user_are_refused_alike(client: ApiClient) -> None:
    wrong = client.http.post("/api/v1/auth/token", json={"username": "clerk", "password": "nope"})
    unknown = client.http.post("/api/v1/auth/token", json={"username": "nobody", "password": "demo"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["detail"] == unknown.json["detail"] == "用户名或密码错误"


def test_token_expires(client: ApiClient, app: Flask) -> None:
    headers = client.headers("clerk")
    later = datetime.now(UTC) + timedelta(seconds=app.config["API_TOKEN_TTL_SECONDS"] + 1)
    service_clock(app, later)
    assert client.http.get("/api/v1/tasks", headers=headers).status_code == 401


def test_token_request_needs_both_fields(client: ApiClient) -> None:
    response = client.http.post("/api/v1/auth/token", json={"username": "clerk"})
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert response.json["errors"] == {"password": ["Missing data for required field."]}


def test_bad_resident_id_is_a_field_error_and_creates_nothing(client: ApiClient) -> None:
    body = case_body()
    body["applicant"]["id_number"] = "110105194912310021"  # last digit should be X
    body["data"]["operator_id_number"] = "110105194912310021"
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert response.json["errors"] == {
        "applicant.id_number": ["校验位（第 18 位）与前 17 位不符，请逐位核对号码"]
    }
    assert client.inbox("clerk") == []


def test_form_errors_name_every_bad_field(client: ApiClient) -> None:
    body = case_body()
    body["data"]["operator_id_number"] = "110105194912310021"
    body["data"]["capital_wan_yuan"] = -1
    del body["data"]["premises"]
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 422
    assert response.json["errors"] == {
        "data.operator_id_number": ["校验位（第 18 位）与前 17 位不符，请逐位核对号码"],
        "data.capital_wan_yuan": ["须大于 0"],
        "data.premises": ["必填"],
    }
    assert client.inbox("clerk") == []


def test_unknown_service_is_a_field_error(client: ApiClient) -> None:
    response = client.post("/api/v1/cases", "clerk", json=case_body(service_code="no_such_item"))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["service_code"]


def test_malformed_body_is_refused(client: ApiClient) -> None:
    response = client.post("/api/v1/cases", "clerk", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == PROBLEM
    missing = client.post("/api/v1/cases", "clerk", json={"applicant": {}})
    assert missing.status_code == 422
    assert set(missing.json["errors"]) >= {"service_code", "data", "applicant.name", "applicant.id_number"}


def test_only_window_clerks_start_cases(client: ApiClient) -> None:
    response = client.post("/api/v1/cases", "approver", json=case_body())
    assert response.status_code == 403
    assert response.content_type == PROBLEM


def test_cases_and_tasks_outside_the_callers_scope_do_not_exist(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    for outsider in ("clerk-hengdian", "analyst"):
        assert client.get(f"/api/v1/cases/{number}", outsider).status_code == 404
        assert client.get(f"/api/v1/tasks/{task['id']}", outsider).status_code == 404
        for action in ("claim", "unclaim", "complete"):
            response = client.post(f"/api/v1/tasks/{task['id']}/{action}", outsider, json={"data": {}})
            assert response.status_code == 404, (outsider, action)
            assert response.content_type == PROBLEM
    # The approver's department has not been routed anything yet.
    assert client.get(f"/api/v1/cases/{number}", "approver").status_code == 404
    # Unknown is indistinguishable from out of scope.
    unknown = client.get(f"/api/v1/tasks/{uuid.uuid4()}", "clerk")
    assert unknown.status_code == 404
    assert client.get("/api/v1/cases/330783-GTDJ-20000101-9999", "clerk").status_code == 404
    # The supervisor and the admin see it.
    assert client.get(f"/api/v1/cases/{number}", "supervisor").status_code == 200
    assert client.get(f"/api/v1/cases/{number}", "admin").status_code == 200


def test_task_of_another_lane_is_forbidden_to_the_window(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    assert client.complete(task["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    review = client.open_task(number)
    # The accepting clerk may see the department's task on their case but not work it.
    assert client.get(f"/api/v1/tasks/{review['id']}", "clerk").status_code == 200
    response = client.complete(
        review["id"], "clerk", {"review_decision": "approve", "review_opinion": "同意"}
    )
    assert response.status_code == 403
    assert client.case(number)["status"]["code"] == "under_review"


def test_task_claimed_by_a_colleague_is_forbidden_and_leaves_their_inbox(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk-wuning").status_code == 200
    assert client.inbox("clerk") == []
    before = audit_count(client, number)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 403
    response = client.complete(task["id"], "clerk", {"acceptance_decision": "accept"})
    assert response.status_code == 403
    assert response.json["title"] == "任务已被他人签收"
    assert client.post(f"/api/v1/tasks/{task['id']}/unclaim", "clerk").status_code == 403
    assert audit_count(client, number) == before
    assert client.post(f"/api/v1/tasks/{task['id']}/unclaim", "clerk-wuning").status_code == 200
    assert [t["id"] for t in client.inbox("clerk")] == [task["id"]]


def test_finished_task_is_a_conflict(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    assert client.complete(task["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    again = client.complete(task["id"], "clerk", {"acceptance_decision": "accept"})
    assert again.status_code == 409
    assert again.content_type == PROBLEM
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 409


def test_invalid_task_data_changes_nothing(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    before = client.case(number)
    response = client.complete(task["id"], "clerk", {"acceptance_decision": "maybe", "extra": 1})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"data.acceptance_decision", "data.extra"}
    after = client.case(number)
    assert after["current_tasks"] == before["current_tasks"]
    assert after["audit"] == before["audit"]
    assert after["status"] == before["status"]


def test_unknown_routes_and_methods_answer_problem_json(client: ApiClient) -> None:
    missing = client.http.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.content_type == PROBLEM
    wrong_method = client.http.delete("/api/v1/auth/token")
    assert wrong_method.status_code == 405
    assert wrong_method.content_type == PROBLEM
    assert "POST" in wrong_method.headers["Allow"]


@pytest.mark.parametrize(
    "action",
    [
        "/api/v1/admin/users/clerk-wuning/disable",
        "/api/v1/admin/users/clerk-wuning/enable",
        "/api/v1/admin/users/clerk-wuning/unlock",
        "/api/v1/admin/users/clerk-wuning/reset-password",
        "/api/v1/cases/{number}/query-password",
    ],
)
def test_actions_without_input_refuse_any_field_and_change_nothing(client: ApiClient, action: str) -> None:
    number = client.start_case()
    path = action.format(number=number)
    user = "admin" if "/admin/" in path else "clerk"
    refused = client.post(path, user, json={"reason": "离职"})
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert list(refused.json["errors"]) == ["reason"]
    assert client.get("/api/v1/admin/users/clerk-wuning", "admin").json["active"] is True
    assert client.case(number)["audit"][-1]["action"] != "case.query_password_reissued"
    # Without a body, or with an empty one, each does what it says.
    assert client.post(path, user, json={}).status_code in (200, 201)


def test_the_api_inbox_takes_the_pages_filters_and_refuses_unknown_ones(client: ApiClient) -> None:
    number = client.start_case()
    mine = {"service": "individual_business_registration", "township": "330783001", "status": "submitted"}
    assert [t["case_number"] for t in client.get("/api/v1/tasks", "clerk", query_string=mine).json] == [
        number
    ]
    for narrower in (
        {"service": "minimum_living_allowance"},
        {"status": "under_review"},
        {"claimed": "mine"},
    ):
        assert client.get("/api/v1/tasks", "clerk", query_string=narrower).json == []
    refused = client.get(
        "/api/v1/tasks", "clerk", query_string={"servce": "individual_business_registration"}
    )
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["servce"]
    wrong_status = client.get("/api/v1/tasks", "clerk", query_string={"status": "pending"})
    assert wrong_status.status_code == 422

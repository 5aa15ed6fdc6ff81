"""The registration case end to end through the JSON API: window → county → window."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from tests.support.api import HENGDIAN, ApiClient, case_body
from tests.support.clock import service_clock
from tests.support.steps import ACCEPT, APPROVE, PICKUP, accept, status_path


def test_case_goes_window_department_window_and_ends_issued(client: ApiClient) -> None:
    response = client.post("/api/v1/cases", "clerk", json=case_body())
    assert response.status_code == 201
    number = response.json["number"]
    assert response.json["status"]["label"] == "申请/预审"
    assert number.startswith("330783-GTDJ-")

    # 受理 waits in the inbox of the accepting window.
    acceptance = client.inbox("clerk")
    assert [(t["case_number"], t["name"]) for t in acceptance] == [(number, "受理")]
    assert acceptance[0]["organisation"]["name"] == "吴宁街道便民服务中心"
    accept(client, number)

    # 审核 lands with the market regulation station covering 吴宁街道, not with the window.
    assert client.inbox("clerk") == []
    review = client.inbox("approver")
    assert [(t["case_number"], t["name"]) for t in review] == [(number, "审核")]
    assert review[0]["organisation"]["name"] == "东阳市市场监督管理局吴宁市场监管所"
    assert client.case(number)["status"]["code"] == "under_review"
    claimed = client.post(f"/api/v1/tasks/{review[0]['id']}/claim", "approver")
    assert claimed.status_code == 200
    assert claimed.json["assignee"]["username"] == "approver"
    decision = {"review_decision": "approve", "review_opinion": "材料齐全，符合登记条件，准予登记"}
    assert client.complete(review[0]["id"], "approver", decision).status_code == 200

    # The result comes back to the window that accepted it.
    issuance = client.inbox("clerk")
    assert [(t["case_number"], t["name"]) for t in issuance] == [(number, "出件")]
    pickup = {
        "delivery_method": "pickup",
        "recipient_name": "张三",
        "recipient_id_number": "11010519491231002X",
    }
    assert client.complete(issuance[0]["id"], "clerk", pickup).status_code == 200

    case = client.case(number)
    assert case["status"] == {"code": "issued", "label": "已出件"}
    assert case["ended_at"] is not None
    assert case["current_tasks"] == []
    assert [step["name"] for step in case["history"]] == ["受理", "审核", "出件"]
    assert case["history"][1]["completed_by"]["username"] == "approver"
    assert case["history"][1]["data"] == decision
    assert status_path(case) == ["submitted", "accepted", "under_review", "approved", "issued"]
    actions = [event["action"] for event in case["audit"]]
    assert actions.count("task.completed") == 3
    assert "task.claimed" in actions
    assert actions[0] == "case.started"
    assert actions[-1] == "case.ended"


def test_refusal_at_acceptance_ends_the_case_not_accepted(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    refusal = {"acceptance_decision": "refuse", "refusal_reason": "经营场所不在本辖区内，且材料不全"}
    assert client.complete(task["id"], "clerk", refusal).status_code == 200
    case = client.case(number)
    assert case["status"]["code"] == "not_accepted"
    assert case["ended_at"] is not None
    assert client.inbox("approver") == []


def test_refusal_reason_is_required_when_refusing(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    response = client.complete(task["id"], "clerk", {"acceptance_decision": "refuse"})
    assert response.status_code == 422
    assert response.json["errors"] == {"data.refusal_reason": ["必填"]}


def test_refused_registration_is_still_delivered_at_the_window(client: ApiClient) -> None:
    number = client.start_case()
    accept(client, number)
    review = client.inbox("approver")[0]
    refusal = {"review_decision": "refuse", "review_opinion": "经营范围属于禁止类项目"}
    assert client.complete(review["id"], "approver", refusal).status_code == 200
    assert client.case(number)["status"]["code"] == "refused"
    issuance = client.inbox("clerk")[0]
    assert issuance["name"] == "出件"
    mail = {"delivery_method": "mail", "tracking_number": "SF1234567890"}
    assert client.complete(issuance["id"], "clerk", mail).status_code == 200
    case = client.case(number)
    assert status_path(case)[-2:] == ["refused", "issued"]


def test_case_numbers_count_up_per_day_and_item(client: ApiClient) -> None:
    first, second = client.start_case(), client.start_case()
    assert first[:-4] == second[:-4]
    assert int(second[-4:]) == int(first[-4:]) + 1


def test_acceptance_day_is_not_counted_in_the_due_date(client: ApiClient, app: Flask) -> None:
    # Friday 2026-11-27, 10:00 in Shanghai: 3 working days later is Wednesday 2026-12-02.
    service_clock(app, datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    number = client.start_case()
    assert "-20261127-" in number
    accept(client, number)
    case = client.case(number)
    assert case["due_date"] == "2026-12-02"
    assert client.inbox("approver")[0]["due_date"] == "2026-12-02"


def test_city_wide_item_is_accepted_at_another_township_window(client: ApiClient) -> None:
    number = client.start_case("clerk-hengdian", matter_township="330783001")
    case = client.case(number, "clerk-hengdian")
    assert case["accepting_organisation"]["name"] == "横店镇便民服务中心"
    assert case["matter_township"]["name"] == "吴宁街道"
    accept_task = client.open_task(number, "clerk-hengdian")
    assert accept_task["organisation"]["name"] == "横店镇便民服务中心"
    assert HENGDIAN in accept_task["organisation"]["code"]


def province_style_number(county_code: str, item_short_code: str, day: object) -> str:
    return f"ZJ{county_code}{item_short_code}-fixed"


def test_case_number_generator_is_pluggable(client: ApiClient, app: Flask) -> None:
    app.config["CASE_NUMBER_GENERATOR"] = "tests.test_case_flow.province_style_number"
    try:
        assert client.start_case() == "ZJ330783GTDJ-fixed"
    finally:
        app.config["CASE_NUMBER_GENERATOR"] = None


def test_each_answer_names_the_next_tasks_and_whether_the_caller_may_work_them(client: ApiClient) -> None:
    """A client walks the case by the answers' task ids alone: registration names 受理, each
    completion the case's open tasks after the step, and the last one none."""
    created = client.post("/api/v1/cases", "clerk", json=case_body())
    assert created.status_code == 201
    (acceptance,) = created.json["next_tasks"]
    assert (acceptance["name"], acceptance["may_work"]) == ("受理", True)
    assert acceptance["organisation"]["name"] == "吴宁街道便民服务中心"
    assert acceptance["id"] == client.inbox("clerk")[0]["id"]

    accepted = client.complete(acceptance["id"], "clerk", ACCEPT)
    assert accepted.status_code == 200
    assert accepted.json["state"] == "completed"
    (review,) = accepted.json["next_tasks"]
    # 审核 is the station's: the clerk who accepted may not work it.
    assert (review["name"], review["may_work"]) == ("审核", False)
    in_inbox = client.inbox("approver")[0]
    assert (review["id"], review["organisation"]) == (in_inbox["id"], in_inbox["organisation"])
    assert review["organisation"]["name"] == "东阳市市场监督管理局吴宁市场监管所"

    reviewed = client.complete(review["id"], "approver", APPROVE)
    assert reviewed.status_code == 200
    (issuance,) = reviewed.json["next_tasks"]
    # 出件 goes back to the window: the approver may not work it.
    assert (issuance["name"], issuance["may_work"]) == ("出件", False)
    assert issuance["organisation"]["name"] == "吴宁街道便民服务中心"

    issued = client.complete(issuance["id"], "clerk", PICKUP)
    assert issued.status_code == 200, issued.json
    assert issued.json["next_tasks"] == []

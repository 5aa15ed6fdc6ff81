"""退回补正 in 最低生活保障申请 (at 民政局's 审核确认) and 农村村民住房建设审批 (at the township's 审批决定):
the decider sends the accepted case back to the accepting window with the missing materials and a
reason; the clock pauses, the window prints the one notice and takes the materials in, and the case
returns to the same decision at the same organisation — not to the household visit and publicity,
not to the parallel reviews, not to 受理 — with the clock resumed; then it is decided as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.support.allowance import DECISION, REGISTERED_AT, VISITED_AT, publicity_jobs, register_and_visit
from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.housing import accept_and_survey, department_review, register
from tests.support.pdf import document
from tests.support.steps import status_path
from workflow_service.config import PROJECT_ROOT
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.models import JobState
from workflow_service.services.process.deployment import deploy_process
from workflow_service.worker import Worker

WINDOW = "吴宁街道便民服务中心"
ALLOWANCE_MATERIALS = [
    "最低生活保障申请书",
    "家庭成员居民身份证和户口簿",
    "家庭经济状况核对授权书",
    "家庭成员收入证明",
    "残疾证或疾病诊断证明",
]
HOUSING_MATERIALS = [
    "农村宅基地和建房（规划许可）申请表",
    "户口簿和家庭成员居民身份证",
    "村民委员会审查意见和公示材料",
    "建房设计图或选用的通用图集",
    "原宅基地退回协议",
]
ALLOWANCE_REASON = "配偶收入证明未加盖用工单位公章；核对授权书缺少子女签字"
HOUSING_REASON = "设计图未标注层高，村民委员会公示材料缺少公示期满证明"
ALLOWANCE_SEND_BACK = {
    "allowance_decision": "return_for_supplement",
    "missing_materials": ["家庭成员收入证明", "家庭经济状况核对授权书"],
    "supplement_note": ALLOWANCE_REASON,
}
HOUSING_SEND_BACK = {
    "housing_decision": "return_for_supplement",
    "missing_materials": ["建房设计图或选用的通用图集", "村民委员会审查意见和公示材料"],
    "supplement_note": HOUSING_REASON,
}
HOUSING_APPROVE = {"housing_decision": "approve", "licence_number": "乡字第330783202600031号"}
# Sent back from the decision for a material, reviewed again, decided and issued.
SENT_BACK_THEN_ISSUED = [
    "submitted",
    "accepted",
    "under_review",
    "supplement",
    "under_review",
    "approved",
    "issued",
]


def offered_materials(api: ApiClient, task_id: str, user: str) -> list[str]:
    response = api.get(f"/api/v1/tasks/{task_id}", user)
    assert response.status_code == 200, response.json
    return response.json["form"]["properties"]["missing_materials"]["items"]["enum"]


def assert_waits_at_the_window(api: ApiClient, number: str, since: str, by: str, send_back: dict) -> str:
    """The case is in 补正 with its clock paused, one notice listing the materials; returns the task id."""
    case = api.case(number)
    assert case["status"] == {"code": "supplement", "label": "补正"}
    assert (case["due_state"], case["clock"]["paused_since"]) == ("paused", since)
    assert case["supplement_count"] == 1
    (notice,) = case["supplement_notices"]
    assert [m["name"] for m in notice["materials"]] == send_back["missing_materials"]
    assert (notice["note"], notice["issued_by"]["username"], notice["received_at"]) == (
        send_back["supplement_note"],
        by,
        None,
    )
    waiting = api.open_task(number)
    assert (waiting["name"], waiting["lane"], waiting["due_state"]) == (
        "退回补正材料收取",
        "window",
        "paused",
    )
    assert waiting["organisation"]["name"] == WINDOW
    text = document(api, number, "supplement")[0]
    assert "补正材料通知书" in text and "经审核" in text and "共2项" in text
    assert all(name in text for name in send_back["missing_materials"])
    assert "退回理由：" + "".join(send_back["supplement_note"].split()) in text
    assert "补正后继续审核" in text
    return waiting["id"]


def test_an_allowance_sent_back_at_the_bureau_returns_to_its_decision_without_a_second_publicity(
    app: Flask,
) -> None:
    # Accepted Tuesday 2026-12-01 with 15 working days promised: due Tuesday 12-22, and five working
    # days later once the 公示 (12-03 to 12-10, which stops the clock) is over: Tuesday 12-29.
    clock = ClockedApi(app, REGISTERED_AT)
    worker = Worker(app)
    number = register_and_visit(clock)
    worker.run_once()
    api = clock.move_to(VISITED_AT + timedelta(days=7, minutes=1))  # the 7-day publicity is over
    worker.run_once()
    first = api.open_task(number)
    assert (first["name"], first["organisation"]["name"]) == ("审核确认", "东阳市民政局")
    assert api.case(number)["due_date"] == "2026-12-29"
    assert offered_materials(api, first["id"], "approver-minzheng") == ALLOWANCE_MATERIALS

    api = clock.move_to(VISITED_AT + timedelta(days=8))  # Friday 12-11
    response = api.complete(first["id"], "approver-minzheng", ALLOWANCE_SEND_BACK)
    assert response.status_code == 200, response.json
    waiting = assert_waits_at_the_window(api, number, "2026-12-11", "approver-minzheng", ALLOWANCE_SEND_BACK)
    assert [t for t in api.inbox("approver-minzheng") if t["case_number"] == number] == []
    requested = [e for e in api.case(number)["audit"] if e["action"] == "case.supplement_requested"]
    assert [e["summary"]["task"] for e in requested] == ["审核确认"]

    # The materials come on Wednesday 12-16: 12-14, 12-15 and 12-16 are the applicant's days.
    api = clock.move_to(VISITED_AT + timedelta(days=13))
    receipt = api.complete(
        waiting, "clerk", {"supplement_receipt_note": "申请人已送来盖章的收入证明和授权书"}
    )
    assert receipt.status_code == 200, receipt.json
    case = api.case(number)
    assert case["status"]["code"] == "under_review"
    assert (case["due_date"], case["due_state"]) == ("2027-01-01", "normal")
    assert (case["clock"]["paused_since"], case["clock"]["paused_days"]) == (None, 5 + 3)
    # Straight back to the bureau: no second household visit, no second publicity.
    second = api.open_task(number)
    assert (second["name"], second["lane"]) == ("审核确认", "department")
    assert second["id"] != first["id"]
    assert second["organisation"]["name"] == "东阳市民政局"
    assert [timer["name"] for timer in case["waiting_timers"]] == ["审核确认超期（10天）"]  # the new task's
    assert [job.state for job in publicity_jobs(app)] == [JobState.DONE]
    assert [t["id"] for t in api.inbox("approver-minzheng") if t["case_number"] == number] == [second["id"]]
    assert case["supplement_notices"][0]["received_by"]["username"] == "clerk"

    api = clock.move_to(VISITED_AT + timedelta(days=14))
    assert api.complete(second["id"], "approver-minzheng", DECISION).status_code == 200
    mail = {"delivery_method": "mail", "tracking_number": "SF1234567890"}
    issuance = api.open_task(number)
    assert issuance["name"] == "出件"
    assert api.complete(issuance["id"], "clerk", mail).status_code == 200
    case = api.case(number)
    assert case["status"]["code"] == "issued"
    # The decision's own opinion, after what the review found before; the send-back's notes are left out.
    assert case["result"]["reason"].endswith(DECISION["review_opinion"])
    assert ALLOWANCE_SEND_BACK["supplement_note"] not in case["result"]["reason"]
    assert [step["name"] for step in case["history"]] == [
        "受理",
        "入户调查",
        "审核确认",
        "退回补正材料收取",
        "审核确认",
        "出件",
    ]
    assert status_path(case) == SENT_BACK_THEN_ISSUED


def test_a_housing_case_sent_back_at_the_township_decision_returns_there_not_to_the_reviews(
    app: Flask,
) -> None:
    # Accepted Wednesday 2026-11-25 with 10 working days promised: due Wednesday 12-09.
    desk = ClockedApi(app, "2026-11-25", 9)
    number = register(desk.api)
    desk.move_to("2026-11-25", 10)
    accept_and_survey(desk.api, number)
    desk.move_to("2026-11-27")
    for which in ("planning", "homestead", "construction"):
        department_review(desk.api, number, which)
    first = desk.api.open_task(number)
    assert (first["name"], first["lane"]) == ("审批决定", "township")
    assert first["organisation"]["name"] == "吴宁街道党政综合办公室"
    assert desk.api.case(number)["due_date"] == "2026-12-09"
    assert offered_materials(desk.api, first["id"], "cooperator") == HOUSING_MATERIALS

    desk.move_to("2026-11-30")
    response = desk.api.complete(first["id"], "cooperator", HOUSING_SEND_BACK)
    assert response.status_code == 200, response.json
    waiting = assert_waits_at_the_window(desk.api, number, "2026-11-30", "cooperator", HOUSING_SEND_BACK)
    assert desk.api.inbox("cooperator") == []

    # Materials on Thursday 12-03: 12-01 to 12-03 are added to the limit.
    desk.move_to("2026-12-03")
    assert desk.api.complete(waiting, "clerk", {}).status_code == 200
    case = desk.api.case(number)
    assert case["status"]["code"] == "under_review"
    assert (case["due_date"], case["clock"]["paused_days"]) == ("2026-12-14", 3)
    # The three departments agreed already: the case is back at the township's decision only.
    second = desk.api.open_task(number)
    assert (second["name"], second["organisation"]["name"]) == ("审批决定", "吴宁街道党政综合办公室")
    assert second["id"] != first["id"]
    for user in ("approver-zrzy", "approver-nongye", "approver-zhujian"):
        assert [t for t in desk.api.inbox(user) if t["case_number"] == number] == []
    assert [t["id"] for t in desk.api.inbox("cooperator")] == [second["id"]]

    desk.move_to("2026-12-04")
    assert desk.api.complete(second["id"], "cooperator", HOUSING_APPROVE).status_code == 200
    issuance = desk.api.open_task(number)
    assert issuance["name"] == "出件"
    pickup = {
        "delivery_method": "pickup",
        "recipient_name": "陈丽芳",
        "recipient_id_number": "330783199006200043",
    }
    assert desk.api.complete(issuance["id"], "clerk", pickup).status_code == 200
    case = desk.api.case(number)
    assert case["status"]["code"] == "issued"
    names = [step["name"] for step in case["history"]]
    assert names.count("规划和用地审查") == names.count("宅基地审查") == names.count("建设审查") == 1
    assert names[-4:] == ["审批决定", "退回补正材料收取", "审批决定", "出件"]
    assert case["history"][-2]["data"]["licence_number"] == HOUSING_APPROVE["licence_number"]
    # The approval still states the three reviews' opinions, not the send-back's notes.
    reason = case["result"]["reason"]
    assert all(name in reason for name in ("规划和用地审查", "宅基地审查", "建设审查")), reason
    assert HOUSING_SEND_BACK["supplement_note"] not in reason
    assert status_path(case) == SENT_BACK_THEN_ISSUED


def allowance_decision(app: Flask) -> tuple[ApiClient, str, str, str]:
    """An allowance case at 审核确认 (found ineligible, so no publicity to wait for)."""
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock, finding="ineligible")
    return clock.api, number, clock.api.open_task(number)["id"], "approver-minzheng"


def housing_decision(app: Flask) -> tuple[ApiClient, str, str, str]:
    """A housing case at 审批决定, the three reviews agreed."""
    api = ApiClient(app.test_client())
    number = register(api)
    accept_and_survey(api, number)
    for which in ("planning", "homestead", "construction"):
        department_review(api, number, which)
    return api, number, api.open_task(number)["id"], "cooperator"


# The decision field of each service, how to get a case to it, and one of its own materials.
SERVICES = {
    "allowance": (allowance_decision, "allowance_decision", ALLOWANCE_MATERIALS[1]),
    "housing": (housing_decision, "housing_decision", HOUSING_MATERIALS[1]),
}
OWN = "<one of the case's materials>"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"data.missing_materials": ["必填"], "data.supplement_note": ["必填"]}),
        ({"supplement_note": "材料不齐，须补正"}, {"data.missing_materials": ["必填"]}),
        ({"missing_materials": [OWN]}, {"data.supplement_note": ["必填"]}),
        (
            {"missing_materials": [], "supplement_note": "材料不齐，须补正"},
            {"data.missing_materials": ["至少列出 1 项"]},
        ),
        (
            {"missing_materials": ["营业执照"], "supplement_note": "材料不齐，须补正"},
            {"data.missing_materials": ["不是本事项的申请材料：营业执照"]},
        ),
        (
            {"missing_materials": [OWN], "supplement_note": "    "},
            {"data.supplement_note": ["退回补正须写明理由"]},
        ),
    ],
    ids=["nothing", "no-materials", "no-reason", "empty-list", "unknown-material", "blank-reason"],
)
def test_a_send_back_needs_the_cases_materials_and_a_reason(
    app: Flask, service: str, data: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    at_decision, field, own = SERVICES[service]
    api, number, task_id, user = at_decision(app)
    if data.get("missing_materials") == [OWN]:
        data = {**data, "missing_materials": [own]}
    response = api.complete(task_id, user, {field: "return_for_supplement", **data})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == errors
    case = api.case(number)
    assert (case["status"]["code"], case["supplement_count"], case["supplement_notices"]) == (
        "under_review",
        0,
        [],
    )
    assert api.open_task(number)["id"] == task_id


def test_the_bureau_still_gives_its_opinion_when_it_decides(app: Flask) -> None:
    api, number, task_id, user = allowance_decision(app)
    without_opinion = {key: value for key, value in DECISION.items() if key != "review_opinion"}
    response = api.complete(task_id, user, without_opinion)
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"data.review_opinion": ["必填"]}
    assert (api.case(number)["status"]["code"], api.open_task(number)["id"]) == ("under_review", task_id)


@pytest.mark.parametrize("key", ["minimum_living_allowance", "rural_housing_construction"])
def test_deploy_refuses_a_send_back_loop_that_does_not_mark_the_return_to_review(
    app: Flask, key: str
) -> None:
    path = PROJECT_ROOT / "bpmn" / f"{key}.bpmn"
    xml = path.read_text(encoding="utf-8")
    # The decision task carries no mark of its own: without the event's, the case would be decided
    # straight out of 补正 with its clock still paused.
    start = xml.index('<bpmn:intermediateThrowEvent id="review_resumed"')
    end = xml.index("</bpmn:intermediateThrowEvent>", start)
    mark = '<spiffworkflow:property name="caseStatus" value="under_review" />'
    assert mark in xml[start:end]
    unmarked = xml[:start] + xml[start:end].replace(mark, "") + xml[end:]
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(unmarked, path.name, PROJECT_ROOT / "forms")
    assert "补正（已受理） → 办结-准予 不是允许的状态变更" in refused.value.errors["approved"]

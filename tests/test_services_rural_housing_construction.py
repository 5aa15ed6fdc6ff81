"""农村村民住房建设审批 end to end: window → township survey → three parallel department reviews →
township decision → licence issued at the window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.bpmn import Process
from tests.support.housing import (
    APPLICATION,
    accept_and_survey,
    application,
    department_review,
    register,
)
from tests.support.pdf import document
from tests.support.steps import status_path
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.services.process.deployment import deploy_process


def test_parallel_reviews_then_township_licence_issued_at_the_window(client: ApiClient) -> None:
    number = register(client)
    assert number.startswith("330783-NCJF-")
    accept_and_survey(client, number)

    # The survey forks into three reviews at once, each with its own department.
    current = client.case(number)["current_tasks"]
    assert sorted(t["name"] for t in current) == ["宅基地审查", "建设审查", "规划和用地审查"]
    assert client.case(number)["status"]["code"] == "under_review"
    department_review(client, number, "homestead")
    department_review(client, number, "planning")
    # The township decides only when all three have answered.
    assert client.inbox("cooperator") == []
    department_review(client, number, "construction")

    [decision] = client.inbox("cooperator")
    assert (decision["case_number"], decision["name"]) == (number, "审批决定")
    incomplete = client.complete(decision["id"], "cooperator", {"housing_decision": "approve"})
    assert incomplete.status_code == 422
    assert incomplete.json["errors"] == {"data.licence_number": ["必填"]}
    approve = {"housing_decision": "approve", "licence_number": "乡字第330783202600012号"}
    assert client.complete(decision["id"], "cooperator", approve).status_code == 200

    [issuance] = client.inbox("clerk")
    assert (issuance["case_number"], issuance["name"]) == (number, "出件")
    pickup = {
        "delivery_method": "pickup",
        "recipient_name": "陈丽芳",
        "recipient_id_number": "330783199006200043",
    }
    assert client.complete(issuance["id"], "clerk", pickup).status_code == 200

    case = client.case(number)
    assert case["status"] == {"code": "issued", "label": "已出件"}
    assert case["ended_at"] is not None
    assert status_path(case) == ["submitted", "accepted", "under_review", "approved", "issued"]
    steps = {step["name"]: step for step in case["history"]}
    assert set(steps) == {
        "受理",
        "初审及选址踏勘",
        "规划和用地审查",
        "宅基地审查",
        "建设审查",
        "审批决定",
        "出件",
    }
    assert steps["宅基地审查"]["organisation"]["name"] == "东阳市农业农村局"
    assert steps["审批决定"]["data"]["licence_number"] == "乡字第330783202600012号"


def test_a_disagreeing_review_goes_to_the_township_which_refuses_and_signs(client: ApiClient) -> None:
    number = register(client)
    accept_and_survey(client, number)
    department_review(client, number, "planning")
    department_review(client, number, "homestead")
    objection = "设计图层高超过规定，需按通用图集调整"
    department_review(
        client,
        number,
        "construction",
        construction_review_decision="disagree",
        construction_review_opinion=objection,
    )

    # The disagreement does not end the case: the township decides, with every review before it.
    assert client.inbox("clerk") == []
    [decision] = client.inbox("cooperator")
    assert (decision["case_number"], decision["name"]) == (number, "审批决定")
    case = client.case(number)
    assert case["status"]["code"] == "under_review"
    reviews = {step["name"]: step["data"] for step in case["history"]}
    assert reviews["建设审查"]["construction_review_decision"] == "disagree"
    assert reviews["建设审查"]["construction_review_opinion"] == objection
    assert reviews["规划和用地审查"]["planning_review_decision"] == "agree"
    assert reviews["宅基地审查"]["homestead_review_decision"] == "agree"

    reason = "住建部门审查不同意：设计图层高超过规定，请按通用图集调整后重新申请"
    refuse = {"housing_decision": "refuse", "housing_refusal_reason": reason}
    assert client.complete(decision["id"], "cooperator", refuse).status_code == 200

    case = client.case(number)
    assert case["status"]["code"] == "refused"
    assert case["result"]["reason"] == reason
    assert case["result"]["organisation"]["name"] == "吴宁街道党政综合办公室"
    text, _ = document(client, number, "completion")
    assert "不予办理" in text
    assert reason in text.replace("\n", "")
    assert "办理意见 —" not in text
    assert "吴宁街道党政综合办公室" in text
    assert "东阳市住房和城乡建设局" not in text

    [issuance] = client.inbox("clerk")
    mail = {"delivery_method": "mail", "tracking_number": "SF1234567890"}
    assert client.complete(issuance["id"], "clerk", mail).status_code == 200
    codes = status_path(client.case(number))
    assert codes == ["submitted", "accepted", "under_review", "refused", "issued"]


def test_another_homestead_needs_its_disposal(client: ApiClient) -> None:
    body = application(data={**APPLICATION, "has_other_homestead": True})
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 422
    assert response.json["errors"] == {"data.old_homestead_disposal": ["必填"]}


def test_accepted_only_at_the_villages_own_township(client: ApiClient) -> None:
    body = application(matter_township="330783001")
    response = client.post("/api/v1/cases", "clerk-hengdian", json=body)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["matter_township"]


@pytest.mark.parametrize(
    ("lane", "properties", "message"),
    [
        ("window", {"departmentType": "housing"}, "只能用于 department 泳道"),
        ("department", {"departmentType": "housing", "departmentTypeField": "chosen"}, "只能指定其一"),
    ],
)
def test_department_type_properties_are_checked_at_deploy(
    app: Flask, tmp_path: Path, lane: str, properties: dict[str, str], message: str
) -> None:
    (tmp_path / "note.json").write_text(json.dumps({"type": "object"}), encoding="utf-8")
    xml = (
        Process("misplaced", lane=lane)
        .start()
        .user_task("check", "核对", form="note.json", properties=properties)
        .end()
        .xml()
    )
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(xml, "misplaced.bpmn", tmp_path)
    assert any(message in problem for problem in refused.value.errors["check"])

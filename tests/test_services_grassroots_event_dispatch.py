"""基层治理事件分拨处置 end to end: the 综合信息指挥室 registers an event from any channel, triages it,
dispatches it to a department (chosen at triage) or handles it in the township, checks the result
and closes it ("一个口子进、一个口子出")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient, case_body
from tests.support.bpmn import Process
from tests.support.pdf import document
from tests.support.steps import inbox_task, status_path
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.extensions import db
from workflow_service.models import ServiceItem
from workflow_service.services.process.deployment import deploy_process

SERVICE = "grassroots_event_dispatch"
REPORTER = {"kind": "person", "name": "楼小红", "id_number": "330783199205110067", "phone": "13967901234"}
REPORT = {
    "event_channel": "hotline_12345",
    "hotline_ticket_number": "ZJ20260310-0457",
    "event_category": "illegal_construction",
    "event_location": "吴宁街道西街村后塘自然村12号旁",
    "event_description": "有人在村道旁搭建彩钢棚，占用消防通道",
}
HANDLED = {"handling_outcome": "resolved", "handling_report": "已责令当事人当日自行拆除，现场已恢复通行"}
CLOSE = {
    "verification_decision": "close",
    "feedback_to_reporter": "彩钢棚已拆除，消防通道已恢复",
    "reporter_satisfaction": "satisfied",
}


def event(**data: Any) -> dict[str, Any]:
    """The body that registers the event ``REPORT`` describes, with ``data`` changed."""
    return {"service_code": SERVICE, "applicant": REPORTER, "data": {**REPORT, **data}}


def report(client: ApiClient, user: str = "command", **data: Any) -> Any:
    return client.post("/api/v1/cases", user, json=event(**data))


def registered(client: ApiClient) -> str:
    return client.register(event(), "command")["number"]


def triage(client: ApiClient, number: str, decision: dict[str, Any]) -> Any:
    task = inbox_task(client, "command")
    assert (task["case_number"], task["name"], task["lane"]) == (number, "研判分拨", "command")
    return client.complete(task["id"], "command", decision)


def test_dispatched_to_the_law_enforcement_squad_sent_back_once_then_closed(client: ApiClient) -> None:
    number = registered(client)
    case = client.case(number, "command")
    assert (case["channel"], case["status"]["code"]) == ("command", "submitted")
    assert case["accepting_organisation"]["name"] == "吴宁街道综合信息指挥室"

    dispatch = {
        "triage_decision": "dispatch",
        "dispatch_target": "department",
        "dispatch_department_type": "law_enforcement",
        "dispatch_instructions": "请综合执法中队核查处置",
    }
    assert triage(client, number, dispatch).status_code == 200
    # The department type chosen at triage decides: the squad covering 吴宁街道, not the item's type.
    handling = inbox_task(client, "approver-zhifa", number)
    assert (handling["name"], handling["lane"]) == ("部门处置", "department")
    assert handling["organisation"]["name"] == "东阳市综合行政执法局吴宁综合执法中队"
    assert client.case(number, "command")["status"]["code"] == "under_review"
    partial = {"handling_outcome": "resolved", "handling_report": "已口头劝导"}
    assert client.complete(handling["id"], "approver-zhifa", partial).status_code == 200

    # Fed back to the command room, which sends it back to the same squad once.
    verification = inbox_task(client, "command", number)
    assert verification["name"] == "核查反馈"
    redo = {"verification_decision": "redo", "redo_reason": "回访发现彩钢棚仍未拆除"}
    assert client.complete(verification["id"], "command", redo).status_code == 200
    again = inbox_task(client, "approver-zhifa", number)
    assert again["id"] != handling["id"]
    assert client.complete(again["id"], "approver-zhifa", HANDLED).status_code == 200

    verification = inbox_task(client, "command", number)
    assert client.complete(verification["id"], "command", CLOSE).status_code == 200
    case = client.case(number, "command")
    assert case["ended_at"] is not None
    assert status_path(case) == ["submitted", "accepted", "under_review", "approved"]
    assert [step["name"] for step in case["history"]] == [
        "研判分拨",
        "部门处置",
        "核查反馈",
        "部门处置",
        "核查反馈",
    ]


def test_handled_by_the_township_itself(client: ApiClient) -> None:
    number = registered(client)
    dispatch = {
        "triage_decision": "dispatch",
        "dispatch_target": "township",
        "dispatch_instructions": "请网格员上门劝导",
    }
    assert triage(client, number, dispatch).status_code == 200
    # SH-001 names the command room's office: its cooperating staff, not the supervisors, handle it.
    assert [t["name"] for t in client.inbox("command")] == []
    handling = inbox_task(client, "command-cooperator", number)
    assert (handling["name"], handling["lane"], handling["role"]) == ("乡镇处置", "township", "cooperator")
    assert handling["organisation"]["name"] == "吴宁街道综合信息指挥室"
    detail = client.get(f"/api/v1/tasks/{handling['id']}", "command-cooperator").json
    assert detail["responsibility"]["code"] == "SH-001"
    assert client.complete(handling["id"], "command-cooperator", HANDLED).status_code == 200
    verification = inbox_task(client, "command", number)
    assert client.complete(verification["id"], "command", CLOSE).status_code == 200
    assert client.case(number, "command")["status"]["code"] == "approved"


def test_a_closed_event_ends_disposed_as_its_process_declares_not_granted(client: ApiClient) -> None:
    number = registered(client)
    dispatch = {
        "triage_decision": "dispatch",
        "dispatch_target": "township",
        "dispatch_instructions": "请上门劝导",
    }
    assert triage(client, number, dispatch).status_code == 200
    handling = inbox_task(client, "command-cooperator", number)
    assert client.complete(handling["id"], "command-cooperator", HANDLED).status_code == 200
    verification = inbox_task(client, "command", number)
    assert client.complete(verification["id"], "command", CLOSE).status_code == 200

    case = client.case(number, "command")
    # 已办结 carries resultLabel 已处置: recorded under the supervision code disposed.
    assert case["status"] == {"code": "approved", "label": "办结-已处置"}
    assert (case["result"]["code"], case["result"]["label"]) == ("disposed", "已处置")
    assert case["result"]["organisation"]["name"] == "吴宁街道综合信息指挥室"
    text, _ = document(client, number, "completion", user="command")
    assert "已处置" in text
    assert "准予" not in text


@pytest.mark.parametrize(
    ("status", "label", "message"),
    [
        ("approved", "搞定", "未知的办结结果 '搞定'"),
        ("approved", "不同意", "须与 caseStatus refused 标在同一元素上"),
    ],
)
def test_deploy_checks_the_declared_outcome(
    app: Flask, tmp_path: Path, status: str, label: str, message: str
) -> None:
    (tmp_path / "note.json").write_text(json.dumps({"type": "object"}), encoding="utf-8")
    xml = (
        Process("outcome", lane="command")
        .start(status="submitted")
        .user_task("check", "核对", form="note.json")
        .mark("taken", "accepted")
        .end(status=status)
        .xml()
        .replace(
            f'<spiffworkflow:property name="caseStatus" value="{status}" />',
            f'<spiffworkflow:property name="caseStatus" value="{status}" />'
            f'<spiffworkflow:property name="resultLabel" value="{label}" />',
        )
    )
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(xml, "outcome.bpmn", tmp_path)
    assert message in refused.value.errors["end"][0]


def test_rejected_at_triage_with_a_reason(client: ApiClient) -> None:
    number = registered(client)
    missing = triage(client, number, {"triage_decision": "dispatch", "dispatch_target": "department"})
    assert missing.status_code == 422
    assert set(missing.json["errors"]) == {"data.dispatch_department_type", "data.dispatch_instructions"}
    rejected = {"triage_decision": "reject", "triage_reason": "与工单 ZJ20260309-0311 重复"}
    assert triage(client, number, rejected).status_code == 200
    case = client.case(number, "command")
    assert case["status"]["code"] == "not_accepted"
    assert case["ended_at"] is not None


def test_only_a_command_room_registers_events(client: ApiClient) -> None:
    assert report(client, "clerk").status_code == 403
    assert report(client, "supervisor").status_code == 403  # a county supervisor, not a command room
    assert report(client, "command-cooperator").status_code == 403


def test_each_channel_brings_its_own_reference(client: ApiClient) -> None:
    without_ticket = {key: value for key, value in REPORT.items() if key != "hotline_ticket_number"}
    for channel, missing in (
        ("hotline_12345", "data.hotline_ticket_number"),
        ("grid_member", "data.grid_name"),
    ):
        body = {
            "service_code": SERVICE,
            "applicant": REPORTER,
            "data": {**without_ticket, "event_channel": channel},
        }
        response = client.post("/api/v1/cases", "command", json=body)
        assert response.status_code == 422
        assert response.json["errors"] == {missing: ["必填"]}
    assert report(client, event_channel="phone").status_code == 201


TOWNSHIP_START = (
    Process("township_start", lane="township")
    .start()
    .user_task("visit", "走访", form="note.json", properties={"responsibilityItem": "SH-001"})
    .end()
    .xml()
)


def test_a_process_cannot_start_in_the_township_lane(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "note.json").write_text(json.dumps({"type": "object"}), encoding="utf-8")
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(TOWNSHIP_START, "township_start.bpmn", tmp_path)
    assert refused.value.errors == {"start": ["开始事件须位于泳道 command / department / window 之一"]}


# 选择部门 at the window fills ``chosen``, the department type 办理 goes to.
CHOSEN_LATER = (
    Process("chosen_later", lane="window")
    .start()
    .user_task("choose", "选择部门", form="choose.json")
    .user_task(
        "handle", "办理", lane="department", form="choose.json", properties={"departmentTypeField": "chosen"}
    )
    .end()
    .xml()
)


def test_an_empty_department_choice_stops_the_step_instead_of_routing_by_the_item(
    app: Flask, client: ApiClient, tmp_path: Path
) -> None:
    form = {"type": "object", "properties": {"chosen": {"type": "string"}}}
    (tmp_path / "choose.json").write_text(json.dumps(form), encoding="utf-8")
    with app.app_context():
        deploy_process(CHOSEN_LATER, "chosen_later.bpmn", tmp_path)
        db.session.add(
            ServiceItem(
                code="chosen_later",
                short_code="XZBM",
                name="测试：办理部门由表单选择",
                department_type="market_regulation",
                process_key="chosen_later",
                legal_limit_days=5,
                promised_limit_days=3,
            )
        )
        db.session.commit()
        db.session.remove()
    body = {"service_code": "chosen_later", "applicant": REPORTER, "data": {}}
    number = client.post("/api/v1/cases", "clerk", json=body).json["number"]
    choose = client.open_task(number)

    refused = client.complete(choose["id"], "clerk", {})
    assert refused.status_code == 422
    assert refused.json["title"] == "无法确定办理机构"
    assert client.open_task(number)["id"] == choose["id"]  # nothing moved

    assert client.complete(choose["id"], "clerk", {"chosen": "housing"}).status_code == 200
    handle = client.open_task(number)
    assert (handle["name"], handle["organisation"]["name"]) == ("办理", "东阳市住房和城乡建设局")


def test_a_12345_call_and_an_anonymous_report_need_no_id_number(client: ApiClient) -> None:
    caller = {"kind": "reporter", "channel": "hotline_12345", "name": "楼先生", "phone": "13967905678"}
    created = client.post("/api/v1/cases", "command", json={**event(), "applicant": caller})
    assert created.status_code == 201, created.json
    applicant = client.case(created.json["number"], "command")["applicant"]
    assert applicant == {
        "kind": "reporter",
        "name": "楼先生",
        "id_number": "",
        "phone": "13967905678",
        "channel": "hotline_12345",
    }
    anonymous = {"kind": "reporter", "channel": "anonymous"}
    created = client.post("/api/v1/cases", "command", json={**event(), "applicant": anonymous})
    assert created.status_code == 201, created.json
    applicant = client.case(created.json["number"], "command")["applicant"]
    assert (applicant["name"], applicant["phone"], applicant["channel"]) == ("匿名", None, "anonymous")


@pytest.mark.parametrize(
    ("applicant", "errors"),
    [
        ({"kind": "reporter", "channel": "grid_member"}, {"applicant.name"}),
        ({"kind": "reporter", "channel": "carrier_pigeon", "name": "楼小红"}, {"applicant.channel"}),
        ({"kind": "reporter", "channel": "anonymous", "phone": "13967905678"}, {"applicant.phone"}),
        (
            {"kind": "legal_entity", "name": "东阳市某某建材有限公司", "id_number": "91330783MA2DXXXX0X"},
            {"applicant.kind", "applicant.id_number"},
        ),
    ],
)
def test_reporters_are_checked_and_an_event_takes_no_legal_entity(
    client: ApiClient, applicant: dict[str, str], errors: set[str]
) -> None:
    response = client.post("/api/v1/cases", "command", json={**event(), "applicant": applicant})
    assert response.status_code == 422
    assert errors <= set(response.json["errors"])
    if "applicant.kind" in errors:
        assert "本事项不受理法人的申请" in response.json["errors"]["applicant.kind"][0]


def test_a_licence_item_takes_no_reporter(client: ApiClient) -> None:
    body = case_body()
    body["applicant"] = {"kind": "reporter", "channel": "hotline_12345", "name": "楼先生"}
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 422
    assert response.json["errors"]["applicant.kind"] == [
        "本事项不受理事件反映人的申请，申请人须为 person（自然人）、legal_entity（法人）"
    ]

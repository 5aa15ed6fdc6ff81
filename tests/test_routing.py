"""Routing (条抓块统): where a case may be accepted, and which organisation each lane lands on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import ApiClient
from tests.support.bpmn import Process
from workflow_service.extensions import db
from workflow_service.models import AcceptanceMode, Region, ServiceItem
from workflow_service.services.directory.routing import competent_back_office
from workflow_service.services.process.deployment import deploy_process

WUNING, HENGDIAN, MAZHAI, WEISHAN = "330783001", "330783111", "330783107", "330783101"
CIWU = "330681102"  # 绍兴市诸暨市次坞镇


def add_service_item(
    app: Flask, code: str, mode: AcceptanceMode, process_key: str = "individual_business_registration"
) -> None:
    with app.app_context():
        db.session.add(
            ServiceItem(
                code=code,
                short_code=code[:4].upper(),
                name=f"测试事项 {code}",
                department_type="market_regulation",
                process_key=process_key,
                acceptance_mode=mode,
                legal_limit_days=20,
                promised_limit_days=5,
            )
        )
        db.session.commit()
        db.session.remove()


# (window clerk, matter township) for each relation between where the citizen stands and the matter
RELATIONS = {
    "same township": ("clerk", WUNING),
    "other township, same county": ("clerk", HENGDIAN),
    "other county, same city": ("clerk-keqiao", CIWU),  # 柯桥区 and 诸暨市 are both in 绍兴市
    "other city": ("clerk", CIWU),  # 金华市 window, 绍兴市 matter
}
ALLOWED = {
    AcceptanceMode.LOCAL: {"same township"},
    AcceptanceMode.CITY: {"same township", "other township, same county", "other county, same city"},
    AcceptanceMode.CROSS_REGION: set(RELATIONS),
}
BACK_OFFICE = {
    WUNING: "东阳市市场监督管理局吴宁市场监管所",
    HENGDIAN: "东阳市市场监督管理局横店市场监管所",
    CIWU: "诸暨市市场监督管理局",  # no dispatched station there: the county bureau itself
}


@pytest.mark.parametrize("mode", list(AcceptanceMode))
@pytest.mark.parametrize("relation", list(RELATIONS))
def test_acceptance_range_and_lanes(
    app: Flask, client: ApiClient, mode: AcceptanceMode, relation: str
) -> None:
    add_service_item(app, f"range_{mode.value}", mode)
    clerk, matter = RELATIONS[relation]
    response = client.post(
        "/api/v1/cases",
        clerk,
        json={
            "service_code": f"range_{mode.value}",
            "matter_township": matter,
            "applicant": {"name": "李四", "id_number": "11010519491231002X"},
            "data": {
                "business_name": "测试小店",
                "operator_name": "李四",
                "operator_id_number": "11010519491231002X",
                "premises": "测试路1号",
                "business_scope": "日用百货零售",
                "capital_wan_yuan": 1,
                "organisation_form": "individual",
            },
        },
    )
    if relation not in ALLOWED[mode]:
        assert response.status_code == 422
        assert list(response.json["errors"]) == ["matter_township"]
        return
    assert response.status_code == 201, response.json
    number = response.json["number"]
    acceptance = client.open_task(number, clerk)
    window = client.case(number, clerk)["accepting_organisation"]["name"]
    assert acceptance["organisation"]["name"] == window
    assert client.complete(acceptance["id"], clerk, {"acceptance_decision": "accept"}).status_code == 200
    review = client.open_task(number, clerk)
    assert (review["lane"], review["role"]) == ("department", "approver")
    assert review["organisation"]["name"] == BACK_OFFICE[matter]


@pytest.mark.parametrize(
    ("department_type", "township", "expected"),
    [
        ("market_regulation", WUNING, "东阳市市场监督管理局吴宁市场监管所"),  # 一镇一所
        ("market_regulation", MAZHAI, "东阳市市场监督管理局六石市场监管所"),  # one station, several towns
        ("natural_resources", HENGDIAN, "东阳市自然资源和规划局横店自然资源和规划所"),
        ("natural_resources", WEISHAN, "东阳市自然资源和规划局"),  # not covered: the bureau itself
        ("civil_affairs", WUNING, "东阳市民政局"),
    ],
)
def test_competent_back_office(app: Flask, department_type: str, township: str, expected: str) -> None:
    with app.app_context():
        region = db.session.execute(select(Region).where(Region.code == township)).scalar_one()
        assert competent_back_office(department_type, region).name == expected


def cooperation(responsibility_item: str | None = "SP-002") -> str:
    """Registered at a window, 入户调查 at the township (naming ``responsibility_item``), 分拨 at the command room."""
    return (
        Process("cooperation", "配合测试", lane="window")
        .start()
        .user_task(
            "visit",
            "入户调查",
            lane="township",
            form="note.json",
            properties={"responsibilityItem": responsibility_item} if responsibility_item else None,
        )
        .user_task("dispatch", "分拨", lane="command", form="note.json")
        .end()
        .xml()
    )


NOTE_FORM = {
    "type": "object",
    "required": ["note"],
    "properties": {"note": {"type": "string", "title": "情况"}},
}


def test_township_and_command_lanes_follow_the_matter(app: Flask, client: ApiClient, tmp_path: Path) -> None:
    (tmp_path / "note.json").write_text(json.dumps(NOTE_FORM), encoding="utf-8")
    with app.app_context():
        deploy_process(cooperation(), "cooperation.bpmn", tmp_path)
        db.session.remove()
    add_service_item(app, "cooperation", AcceptanceMode.CITY, process_key="cooperation")
    # Accepted at 横店镇 for a matter in 吴宁街道: cooperation goes to 吴宁街道, not to the window.
    response = client.post(
        "/api/v1/cases",
        "clerk-hengdian",
        json={
            "service_code": "cooperation",
            "matter_township": WUNING,
            "applicant": {"name": "王五", "id_number": "11010519491231002X"},
            "data": {},
        },
    )
    assert response.status_code == 201, response.json
    number = response.json["number"]
    visit = client.inbox("cooperator")
    assert [(t["case_number"], t["name"]) for t in visit] == [(number, "入户调查")]
    assert visit[0]["organisation"]["name"] == "吴宁街道党政综合办公室"
    detail = client.get(f"/api/v1/tasks/{visit[0]['id']}", "cooperator").json
    assert detail["responsibility"]["code"] == "SP-002"
    assert detail["responsibility"]["township_duty"].startswith("受理申请，开展入户调查")
    assert client.complete(visit[0]["id"], "cooperator", {"note": "已入户核实"}).status_code == 200
    dispatch = client.inbox("command")
    assert [(t["case_number"], t["organisation"]["name"]) for t in dispatch] == [
        (number, "吴宁街道综合信息指挥室")
    ]
    assert client.complete(dispatch[0]["id"], "command", {"note": "已分拨"}).status_code == 200
    assert client.case(number, "clerk-hengdian")["ended_at"] is not None


def test_township_task_without_responsibility_item_is_refused_at_deploy(app: Flask, tmp_path: Path) -> None:
    from workflow_service.errors import InvalidProcessDefinition

    (tmp_path / "note.json").write_text(json.dumps(NOTE_FORM), encoding="utf-8")
    for xml, message in (
        (cooperation(responsibility_item=None), "须指定配合事项"),
        (cooperation(responsibility_item="XX-999"), "XX-999 不在清单中"),
    ):
        with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
            deploy_process(xml, "cooperation.bpmn", tmp_path)
        assert message in refused.value.errors["visit"][0]


def test_city_wide_case_is_reviewed_where_the_matter_is_and_issued_where_it_was_accepted(
    client: ApiClient,
) -> None:
    """同城通办: accepted at 横店镇 for a matter in 吴宁街道."""
    number = client.start_case("clerk-hengdian", matter_township=WUNING)
    acceptance = client.open_task(number, "clerk-hengdian")
    assert (
        client.complete(acceptance["id"], "clerk-hengdian", {"acceptance_decision": "accept"}).status_code
        == 200
    )
    assert client.inbox("approver-hengdian") == []
    review = client.inbox("approver")  # 吴宁市场监管所
    assert [t["case_number"] for t in review] == [number]
    decision = {"review_decision": "approve", "review_opinion": "准予登记"}
    assert client.complete(review[0]["id"], "approver", decision).status_code == 200
    assert client.inbox("clerk") == []  # not the matter's township window
    issuance = client.inbox("clerk-hengdian")
    assert [(t["name"], t["organisation"]["name"]) for t in issuance] == [("出件", "横店镇便民服务中心")]
    pickup = {
        "delivery_method": "pickup",
        "recipient_name": "张三",
        "recipient_id_number": "11010519491231002X",
    }
    assert client.complete(issuance[0]["id"], "clerk-hengdian", pickup).status_code == 200
    assert client.case(number, "clerk-hengdian")["status"]["code"] == "issued"


def test_department_sees_its_stations_cases_and_command_room_its_township(client: ApiClient) -> None:
    wuning_case = client.start_case()
    hengdian_case = client.start_case("clerk-hengdian")
    for number, clerk in ((wuning_case, "clerk"), (hengdian_case, "clerk-hengdian")):
        client.complete(client.open_task(number, clerk)["id"], clerk, {"acceptance_decision": "accept"})
    assert client.get(f"/api/v1/cases/{wuning_case}", "approver-county").status_code == 200
    assert client.get(f"/api/v1/cases/{hengdian_case}", "approver-county").status_code == 200
    assert client.get(f"/api/v1/cases/{wuning_case}", "approver-hengdian").status_code == 404
    assert client.get(f"/api/v1/cases/{wuning_case}", "command").status_code == 200
    assert client.get(f"/api/v1/cases/{hengdian_case}", "command").status_code == 404
    # The county bureau sees its stations' cases but their tasks are not in its inbox.
    assert client.inbox("approver-county") == []

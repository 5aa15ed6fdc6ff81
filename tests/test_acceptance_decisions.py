"""Acceptance decisions at 受理: 补正 with one notice listing everything missing, and the same case
resuming at 受理; 容缺受理 that blocks the decision until the material arrives; 帮办代办 agents."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support import allowance
from tests.support.api import ApiClient, case_body
from tests.support.clock import ClockedApi
from tests.support.housing import APPLICATION as HOUSING
from tests.support.housing import HOUSEHOLDER
from tests.support.pdf import document
from tests.support.steps import only_task, review, status_path
from workflow_service.config import PROJECT_ROOT
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.services.process.deployment import deploy_process

SITE_PROOF = "经营场所使用证明"  # 可容缺 in the catalogue
ID_PROOF = "经营者身份证明"  # required, not 可容缺
AUTHORISATION = "委托代理人身份证明及委托书"
APPROVE = {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}
REFUSE = {"review_decision": "refuse", "review_opinion": "经营范围不符合规定"}
AGENT = {
    "name": "李四",
    "id_number": "110101198001011232",
    "phone": "13900139000",
    "relationship": "受托人",
    "authorisation_note": "张三书面委托办理个体工商户设立登记",
}


def decide(api: ApiClient, number: str, data: dict[str, Any]) -> Any:
    return api.complete(only_task(api, number, "受理")["id"], "clerk", data)


def ask_for(api: ApiClient, number: str, *materials: str, note: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"acceptance_decision": "supplement", "missing_materials": list(materials)}
    if note:
        data["supplement_note"] = note
    response = decide(api, number, data)
    assert response.status_code == 200, response.json
    return api.case(number)


def bring_materials(api: ApiClient, number: str) -> dict[str, Any]:
    task = only_task(api, number, "补正材料收取")
    response = api.complete(task["id"], "clerk", {"supplement_receipt_note": "申请人已送来补正材料"})
    assert response.status_code == 200, response.json
    return api.case(number)


def events(case: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [event for event in case["audit"] if event["action"] == action]


def test_supplement_loop_resumes_the_same_case_at_acceptance(client: ApiClient) -> None:
    number = client.start_case()
    case = ask_for(client, number, ID_PROOF, SITE_PROOF, note="租赁协议须有出租方签字")

    assert case["number"] == number
    assert case["status"] == {"code": "supplement", "label": "补正"}
    assert case["supplement_count"] == 1
    (notice,) = case["supplement_notices"]
    assert [m["name"] for m in notice["materials"]] == [ID_PROOF, SITE_PROOF]
    assert notice["materials"][1] == {
        "name": SITE_PROOF,
        "form": "copy",
        "copies": 1,
        "note": "房产证明或租赁协议",
    }
    assert (notice["sequence"], notice["note"]) == (1, "租赁协议须有出租方签字")
    assert notice["issued_by"]["username"] == "clerk"
    assert notice["received_at"] is None
    # Waiting for the applicant is not the department's time: the clock has not started.
    assert (case["due_date"], case["clock"]["started_on"]) == (None, None)
    (waiting,) = case["current_tasks"]
    assert (waiting["name"], waiting["lane"], waiting["due_state"]) == ("补正材料收取", "window", "paused")
    (requested,) = events(case, "case.supplement_requested")
    assert requested["summary"]["materials"] == [ID_PROOF, SITE_PROOF]

    # One notice tells everything at once, with what to bring.
    text = document(client, number, "supplement")[0]
    assert number in text
    assert "一次性告知" in text and "共2项" in text
    assert ID_PROOF in text and SITE_PROOF in text
    assert "复印件1份（房产证明或租赁协议）" in text
    assert "说明：租赁协议须有出租方签字" in text

    case = bring_materials(client, number)
    assert case["number"] == number
    assert case["status"]["code"] == "submitted"
    assert case["supplement_notices"][0]["received_by"]["username"] == "clerk"
    assert only_task(client, number, "受理")["id"] not in {step["id"] for step in case["history"]}

    response = decide(client, number, {"acceptance_decision": "accept"})
    assert response.status_code == 200, response.json
    case = client.case(number)
    assert case["status"]["code"] == "under_review"
    assert status_path(case) == ["submitted", "supplement", "submitted", "accepted", "under_review"]
    assert [step["name"] for step in case["history"]] == ["受理", "补正材料收取", "受理"]
    assert case["supplement_count"] == 1
    assert review(client, number, APPROVE).status_code == 200


def test_a_second_supplement_is_allowed_and_counted(client: ApiClient) -> None:
    number = client.start_case()
    ask_for(client, number, ID_PROOF, SITE_PROOF)
    bring_materials(client, number)
    case = ask_for(client, number, SITE_PROOF, note="租赁协议已过期")

    assert case["supplement_count"] == 2
    assert [n["sequence"] for n in case["supplement_notices"]] == [1, 2]
    assert [m["name"] for m in case["supplement_notices"][1]["materials"]] == [SITE_PROOF]
    assert [e["summary"]["count"] for e in events(case, "case.supplement_requested")] == [1, 2]
    text = document(client, number, "supplement")[0]  # the latest notice
    assert "共1项" in text and SITE_PROOF in text and ID_PROOF not in text

    bring_materials(client, number)
    assert decide(client, number, {"acceptance_decision": "accept"}).status_code == 200
    assert client.case(number)["supplement_count"] == 2


@pytest.mark.parametrize(
    ("service", "applicant", "application", "missing", "deferrable"),
    [
        (
            "minimum_living_allowance",
            allowance.APPLICANT,
            allowance.APPLICATION,
            ["家庭经济状况核对授权书", "家庭成员收入证明"],
            "家庭成员收入证明",
        ),
        (
            "rural_housing_construction",
            HOUSEHOLDER,
            HOUSING,
            ["村民委员会审查意见和公示材料"],
            "建房设计图或选用的通用图集",
        ),
    ],
    ids=["minimum_living_allowance", "rural_housing_construction"],
)
def test_every_service_accepting_at_the_window_has_the_supplement_loop_and_deferral(
    client: ApiClient,
    service: str,
    applicant: dict[str, Any],
    application: dict[str, Any],
    missing: list[str],
    deferrable: str,
) -> None:
    body = {"service_code": service, "applicant": applicant, "data": application}
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 201, response.json
    number = response.json["number"]
    case = ask_for(client, number, *missing)
    assert case["status"]["code"] == "supplement"
    assert [m["name"] for m in case["supplement_notices"][0]["materials"]] == missing
    case = bring_materials(client, number)
    assert (case["number"], case["status"]["code"]) == (number, "submitted")
    accepted = decide(
        client,
        number,
        {"acceptance_decision": "accept", "deferred_materials": [deferrable], "deferral_promise": True},
    )
    assert accepted.status_code == 200, accepted.json
    case = client.case(number)
    assert case["status"]["code"] in {"accepted", "under_review"}
    assert [m["name"] for m in case["deferred_materials"]] == [deferrable]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"acceptance_decision": "supplement", "missing_materials": ["营业执照"]},
            "missing_materials",
            "营业执照",
        ),
        ({"acceptance_decision": "supplement"}, "missing_materials", "必填"),
        (
            {"acceptance_decision": "supplement", "missing_materials": []},
            "missing_materials",
            "至少列出 1 项",
        ),
        (
            {"acceptance_decision": "supplement", "missing_materials": [ID_PROOF, ID_PROOF]},
            "missing_materials",
            "不能重复列出",
        ),
        ({"acceptance_decision": "accept", "missing_materials": [ID_PROOF]}, "missing_materials", "补正"),
        (
            {
                "acceptance_decision": "supplement",
                "missing_materials": [ID_PROOF],
                "deferred_materials": [SITE_PROOF],
            },
            "deferred_materials",
            "容缺只适用于受理",
        ),
    ],
    ids=[
        "unknown-name",
        "no-list",
        "empty-list",
        "repeated",
        "list-without-supplement",
        "deferral-with-supplement",
    ],
)
def test_supplement_lists_are_checked_against_the_cases_materials(
    client: ApiClient, data: dict[str, Any], field: str, words: str
) -> None:
    number = client.start_case()
    response = decide(client, number, data)
    assert response.status_code == 422, response.json
    messages = " ".join(response.json["errors"][f"data.{field}"])
    assert words in messages
    case = client.case(number)
    assert (case["status"]["code"], case["supplement_count"], case["supplement_notices"]) == (
        "submitted",
        0,
        [],
    )
    assert only_task(client, number, "受理")["state"] == "open"


def accepted_without_site_proof(api: ApiClient) -> str:
    """A new case accepted at the window on the applicant's promise to bring SITE_PROOF (容缺)."""
    number = api.start_case()
    response = decide(
        api,
        number,
        {"acceptance_decision": "accept", "deferred_materials": [SITE_PROOF], "deferral_promise": True},
    )
    assert response.status_code == 200, response.json
    return number


def test_deferred_material_blocks_the_decision_until_the_window_receives_it(app: Flask) -> None:
    # Accepted on Wednesday 2026-09-30, before the National Day holiday (10-01 to 10-07) and its
    # make-up Saturday 10-10: five working days later is Tuesday 10-13.
    desk = ClockedApi(app, "2026-09-30")
    api = desk.api
    number = accepted_without_site_proof(api)
    case = api.case(number)
    assert case["status"]["code"] == "under_review"
    (deferred,) = case["deferred_materials"]
    assert (deferred["name"], deferred["promised_on"]) == (SITE_PROOF, "2026-10-13")
    assert (deferred["received_at"], deferred["overdue"]) == (None, False)
    (recorded,) = events(case, "case.materials_deferred")
    assert recorded["summary"] == {"materials": [SITE_PROOF], "promised_on": "2026-10-13"}

    desk.move_to("2026-10-14")
    api = desk.api
    assert api.case(number)["deferred_materials"][0]["overdue"] is True
    for decision in (APPROVE, REFUSE):
        blocked = review(api, number, decision)
        assert blocked.status_code == 409, blocked.json
        assert SITE_PROOF in blocked.json["detail"]
        assert "2026-10-13" in blocked.json["detail"]
    assert api.case(number)["status"]["code"] == "under_review"

    received = f"/api/v1/cases/{number}/deferred-materials/{deferred['id']}/received"
    assert api.post(received, "approver").status_code == 403  # in scope, not the window
    assert api.post(received, "clerk-hengdian").status_code == 404  # another township's window
    assert api.http.post(received).status_code == 401
    unknown = f"/api/v1/cases/{number}/deferred-materials/{deferred['id'] + 1000}/received"
    assert api.post(unknown, "clerk").status_code == 404
    response = api.post(received, "clerk", json={"note": "申请人补交租赁协议复印件"})
    assert response.status_code == 200, response.json
    (deferred,) = response.json["deferred_materials"]
    assert deferred["received_by"]["username"] == "clerk"
    assert (deferred["received_note"], deferred["overdue"]) == ("申请人补交租赁协议复印件", False)
    (taken,) = events(response.json, "case.deferred_material_received")
    assert taken["summary"]["late"] is True and taken["summary"]["still_owed"] == 0
    again = api.post(received, "clerk")
    assert again.status_code == 409

    response = review(api, number, APPROVE)
    assert response.status_code == 200, response.json
    assert api.case(number)["status"]["code"] == "approved"


def test_deferral_date_may_be_set_and_is_checked(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = desk.api.start_case()
    base = {"acceptance_decision": "accept", "deferred_materials": [SITE_PROOF], "deferral_promise": True}
    past = decide(desk.api, number, {**base, "deferred_until": "2026-11-25"})
    assert past.status_code == 422
    assert "data.deferred_until" in past.json["errors"]
    response = decide(desk.api, number, {**base, "deferred_until": "2026-12-04"})
    assert response.status_code == 200, response.json
    assert desk.api.case(number)["deferred_materials"][0]["promised_on"] == "2026-12-04"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"deferred_materials": [ID_PROOF, SITE_PROOF], "deferral_promise": True},
            "deferred_materials",
            ID_PROOF,
        ),
        ({"deferred_materials": [SITE_PROOF]}, "deferral_promise", "承诺"),
        ({"deferred_materials": [SITE_PROOF], "deferral_promise": False}, "deferral_promise", "承诺"),
        ({"deferred_until": "2026-12-31"}, "deferred_until", "无须"),
    ],
    ids=["not-deferrable", "no-promise", "promise-refused", "date-without-deferral"],
)
def test_only_deferrable_materials_are_deferred_on_a_written_promise(
    client: ApiClient, data: dict[str, Any], field: str, words: str
) -> None:
    number = client.start_case()
    response = decide(client, number, {"acceptance_decision": "accept", **data})
    assert response.status_code == 422, response.json
    assert words in " ".join(response.json["errors"][f"data.{field}"])
    case = client.case(number)
    assert (case["status"]["code"], case["deferred_materials"]) == ("submitted", [])


def test_a_case_missing_only_deferrable_materials_may_still_get_a_supplement_notice(
    client: ApiClient,
) -> None:
    number = client.start_case()
    case = ask_for(client, number, SITE_PROOF)
    assert case["status"]["code"] == "supplement"
    assert case["deferred_materials"] == []


def test_agent_is_recorded_beside_the_applicant(client: ApiClient) -> None:
    response = client.post("/api/v1/cases", "clerk", json=case_body(agent=AGENT))
    assert response.status_code == 201, response.json
    case = client.case(response.json["number"])
    assert case["applicant"]["name"] == "张三"
    assert case["agent"] == {**AGENT, "authorisation_material": AUTHORISATION}
    (started,) = events(case, "case.started")
    assert started["summary"]["agent"] == "李四"

    plain = client.case(client.start_case(applicant=HOUSEHOLDER))  # another applicant: no duplicate
    assert plain["agent"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": "110101198001011233"}, "agent.id_number"),
        ({"id_number": "11010519491231002X"}, "agent.id_number"),  # the applicant themselves
        ({"phone": "12345"}, "agent.phone"),
        ({"relationship": ""}, "agent.relationship"),
        ({"authorisation_material": "授权书"}, "agent.authorisation_material"),
    ],
    ids=["bad-checksum", "applicant-as-agent", "bad-phone", "no-relationship", "unknown-material"],
)
def test_agent_is_validated(client: ApiClient, changes: dict[str, Any], field: str) -> None:
    response = client.post("/api/v1/cases", "clerk", json=case_body(agent={**AGENT, **changes}))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_agent_without_a_phone_is_a_field_error(client: ApiClient) -> None:
    agent = {key: value for key, value in AGENT.items() if key != "phone"}
    response = client.post("/api/v1/cases", "clerk", json=case_body(agent=agent))
    assert response.status_code == 422
    assert "agent.phone" in response.json["errors"]


def test_acceptance_form_offers_the_cases_own_materials(client: ApiClient) -> None:
    number = client.start_case()
    task = only_task(client, number, "受理")
    form = client.get(f"/api/v1/tasks/{task['id']}", "clerk").json["form"]
    properties = form["properties"]
    assert properties["acceptance_decision"]["enum"] == ["accept", "supplement", "refuse"]
    assert properties["missing_materials"]["items"]["enum"] == [
        "个体工商户登记（备案）申请书",
        ID_PROOF,
        SITE_PROOF,
        AUTHORISATION,
    ]
    assert properties["deferred_materials"]["items"]["enum"] == [SITE_PROOF]


def test_deploy_checks_the_marks_around_the_supplement_loop(app: Flask) -> None:
    xml = (PROJECT_ROOT / "bpmn" / "individual_business_registration.bpmn").read_text(encoding="utf-8")
    # Leaving 补正 straight for 审查 skips the acceptance decision: not a transition the machine allows.
    broken = xml.replace(
        '<spiffworkflow:property name="caseStatus" value="submitted" />\n        </spiffworkflow:properties>\n'
        "      </bpmn:extensionElements>\n      <bpmn:incoming>flow_supplement_received</bpmn:incoming>",
        '<spiffworkflow:property name="caseStatus" value="under_review" />\n        </spiffworkflow:properties>\n'
        "      </bpmn:extensionElements>\n      <bpmn:incoming>flow_supplement_received</bpmn:incoming>",
    )
    assert broken != xml
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(broken, "individual_business_registration.bpmn", PROJECT_ROOT / "forms")
    assert "补正 → 审查 不是允许的状态变更" in refused.value.errors["supplement_received"]


def test_a_deferred_acceptance_notice_names_what_is_owed_and_the_promise_prints_for_signature(
    app: Flask,
) -> None:
    desk = ClockedApi(app, "2026-09-30")
    api = desk.api
    number = accepted_without_site_proof(api)
    notice = document(api, number, "acceptance")[0]
    assert "申请材料齐全、符合法定形式，决定予以受理" not in notice, notice
    assert "容缺受理" in notice and SITE_PROOF in notice and "2026年10月13日前" in notice
    promise = document(api, number, "deferral-promise")[0]
    assert "容缺受理承诺书" in promise and SITE_PROOF in promise and "2026年10月13日前补交" in promise
    assert "申请人（签字或盖章）" in promise
    # A case accepted with every material has a plain notice and no promise to sign.
    plain = api.start_case()
    assert decide(api, plain, {"acceptance_decision": "accept"}).status_code == 200
    assert "申请材料齐全、符合法定形式" in document(api, plain, "acceptance")[0]
    refused = api.get(f"/api/v1/cases/{plain}/documents/deferral-promise.pdf", "clerk")
    assert refused.status_code == 409, refused.json

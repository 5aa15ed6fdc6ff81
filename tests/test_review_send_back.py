"""退回补正 at 审核: the reviewer sends an accepted case back to the accepting window with the missing
materials and a reason; the clock pauses, the window prints the one notice and takes the materials
in, and the case returns to 审核 at the same station (not to 受理), the clock resumed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.pages import Browser, page_text
from tests.support.pdf import document
from tests.support.steps import accept, only_task, review, status_path
from workflow_service.config import PROJECT_ROOT
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.services.process.deployment import deploy_process

BPMN = PROJECT_ROOT / "bpmn" / "individual_business_registration.bpmn"
MATERIALS = [
    "个体工商户登记（备案）申请书",
    "经营者身份证明",
    "经营场所使用证明",
    "委托代理人身份证明及委托书",
]
ID_PROOF, SITE_PROOF = MATERIALS[1], MATERIALS[2]
STATION = "东阳市市场监督管理局吴宁市场监管所"
WINDOW = "吴宁街道便民服务中心"
REASON = "经营场所使用证明为租赁协议复印件，未见出租方签字；身份证明已过有效期"
SEND_BACK = {
    "review_decision": "return_for_supplement",
    "missing_materials": [ID_PROOF, SITE_PROOF],
    "supplement_note": REASON,
}
APPROVE = {"review_decision": "approve", "review_opinion": "补正后材料齐全，准予登记"}
MAIL = {"delivery_method": "mail", "tracking_number": "SF1234567890"}


def accepted_case(api: ApiClient) -> str:
    number = api.start_case()
    accept(api, number)
    return number


def test_a_case_sent_back_waits_at_the_window_and_returns_to_the_same_review(app: Flask) -> None:
    # Accepted Wednesday 2026-11-25 with 3 working days: due Monday 11-30.
    desk = ClockedApi(app, "2026-11-25", 9)
    number = desk.api.start_case()
    desk.move_to("2026-11-25", 10)
    accept(desk.api, number)
    first_review = only_task(desk.api, number, "审核", "approver")
    assert first_review["organisation"]["name"] == STATION
    assert desk.api.case(number)["due_date"] == "2026-11-30"

    desk.move_to("2026-11-26")
    api = desk.api
    assert api.post(f"/api/v1/tasks/{first_review['id']}/claim", "approver").status_code == 200
    response = review(api, number, SEND_BACK)
    assert response.status_code == 200, response.json

    case = api.case(number)
    assert case["status"] == {"code": "supplement", "label": "补正"}
    assert (case["due_state"], case["clock"]["paused_since"]) == ("paused", "2026-11-26")
    assert case["supplement_count"] == 1
    (notice,) = case["supplement_notices"]
    assert [m["name"] for m in notice["materials"]] == [ID_PROOF, SITE_PROOF]
    assert (notice["note"], notice["issued_by"]["username"], notice["received_at"]) == (
        REASON,
        "approver",
        None,
    )
    (waiting,) = case["current_tasks"]
    assert (waiting["name"], waiting["lane"], waiting["due_state"]) == (
        "退回补正材料收取",
        "window",
        "paused",
    )
    assert waiting["organisation"]["name"] == WINDOW
    assert [t for t in api.inbox("approver") if t["case_number"] == number] == []
    (requested,) = [e for e in case["audit"] if e["action"] == "case.supplement_requested"]
    assert requested["actor"] == "approver"
    assert requested["summary"]["task"] == "审核"
    assert requested["summary"]["materials"] == [ID_PROOF, SITE_PROOF]

    # The window prints one notice telling everything, with the reviewer's reason.
    text = document(api, number, "supplement")[0]
    assert "补正材料通知书" in text and number in text
    assert "已于2026年11月25日受理，经审核" in text
    assert "一次性告知" in text and "共2项" in text
    assert ID_PROOF in text and SITE_PROOF in text and "复印件1份（房产证明或租赁协议）" in text
    assert "退回理由：" + "".join(REASON.split()) in text
    assert "补正后继续审核" in text

    # Days in 补正 are the applicant's: 11-27, 11-30 and 12-01 are added to the limit.
    desk.move_to("2026-12-01")
    api = desk.api
    assert api.case(number)["due_state"] == "paused"
    receipt = api.complete(waiting["id"], "clerk", {"supplement_receipt_note": "申请人已送来补正材料"})
    assert receipt.status_code == 200, receipt.json
    case = api.case(number)
    assert case["status"]["code"] == "under_review"
    assert (case["due_date"], case["due_state"]) == ("2026-12-03", "normal")
    assert (case["clock"]["paused_since"], case["clock"]["paused_days"]) == (None, 3)
    assert status_path(case) == ["submitted", "accepted", "under_review", "supplement", "under_review"]
    assert case["supplement_notices"][0]["received_by"]["username"] == "clerk"
    second_review = only_task(api, number, "审核", "approver")
    assert second_review["id"] != first_review["id"]
    assert second_review["organisation"]["name"] == STATION
    assert second_review["due_date"] == "2026-12-03"
    assert [t["id"] for t in api.inbox("approver") if t["case_number"] == number] == [second_review["id"]]

    # The record shows the send-back and the receipt between the two reviews.
    history = case["history"]
    assert [step["name"] for step in history] == ["受理", "审核", "退回补正材料收取"]
    assert history[1]["data"] == SEND_BACK
    assert history[1]["completed_by"]["username"] == "approver"
    actions = [event["action"] for event in case["audit"]]
    assert actions.index("case.supplement_requested") < actions.index("case.supplement_received")

    desk.move_to("2026-12-02")
    api = desk.api
    response = review(api, number, APPROVE)
    assert response.status_code == 200, response.json
    assert api.case(number)["status"]["code"] == "approved"
    issued = api.complete(only_task(api, number, "出件")["id"], "clerk", MAIL)
    assert issued.status_code == 200, issued.json
    case = api.case(number)
    assert case["status"]["code"] == "issued"
    assert [step["name"] for step in case["history"]] == ["受理", "审核", "退回补正材料收取", "审核", "出件"]
    assert case["result"]["reason"] == APPROVE["review_opinion"]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"review_decision": "return_for_supplement"},
            {"data.missing_materials": ["必填"], "data.supplement_note": ["必填"]},
        ),
        (
            {"review_decision": "return_for_supplement", "supplement_note": REASON},
            {"data.missing_materials": ["必填"]},
        ),
        (
            {"review_decision": "return_for_supplement", "missing_materials": [ID_PROOF]},
            {"data.supplement_note": ["必填"]},
        ),
        (
            {"review_decision": "return_for_supplement", "missing_materials": [], "supplement_note": REASON},
            {"data.missing_materials": ["至少列出 1 项"]},
        ),
        (
            {
                "review_decision": "return_for_supplement",
                "missing_materials": [ID_PROOF],
                "supplement_note": "    ",
            },
            {"data.supplement_note": ["退回补正须写明理由"]},
        ),
        (
            {
                "review_decision": "return_for_supplement",
                "missing_materials": ["营业执照"],
                "supplement_note": REASON,
            },
            {"data.missing_materials": ["不是本事项的申请材料：营业执照"]},
        ),
        (
            {**APPROVE, "missing_materials": [ID_PROOF]},
            {"data.missing_materials": ["只有要求补正时才列出需补正的材料"]},
        ),
    ],
    ids=[
        "nothing",
        "no-materials",
        "no-reason",
        "empty-list",
        "blank-reason",
        "unknown-material",
        "approve-with-list",
    ],
)
def test_a_send_back_needs_the_cases_materials_and_a_reason(
    client: ApiClient, data: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    number = accepted_case(client)
    response = review(client, number, data)
    assert response.status_code == 422, response.json
    assert response.json["errors"] == errors
    case = client.case(number)
    assert (case["status"]["code"], case["supplement_count"], case["supplement_notices"]) == (
        "under_review",
        0,
        [],
    )
    assert only_task(client, number, "审核", "approver")["state"] == "open"


def test_a_case_sent_back_is_withdrawn_not_returned(client: ApiClient) -> None:
    number = accepted_case(client)
    assert review(client, number, SEND_BACK).status_code == 200
    # 退件 is for applications never accepted; this one was.
    returned = client.post(f"/api/v1/cases/{number}/return", "clerk", json={"reason": "申请人不再补正"})
    assert returned.status_code == 409, returned.json
    assert "撤回" in returned.json["detail"]
    withdrawn = client.post(f"/api/v1/cases/{number}/withdraw", "clerk", json={"reason": "申请人放弃申请"})
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["status"]["code"] == "withdrawn"
    assert withdrawn.json["current_tasks"] == []


def test_deploy_refuses_a_send_back_that_leads_to_acceptance_again(app: Flask) -> None:
    xml = BPMN.read_text(encoding="utf-8")
    # An accepted case sent back must return to its review: 受理 again would restart the clock.
    broken = xml.replace(
        'sourceRef="review_supplement" targetRef="review_merge"',
        'sourceRef="review_supplement" targetRef="acceptance_merge"',
    )
    assert broken != xml
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(broken, BPMN.name, PROJECT_ROOT / "forms")
    assert "补正（已受理） → 受理 不是允许的状态变更" in refused.value.errors["accepted"]


def form_schema(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="task-form-schema">(.*?)</script>', html, re.DOTALL
    )
    assert found, "the page has no task form"
    return json.loads(found.group(1))


def test_the_review_page_offers_the_send_back_with_the_cases_materials(
    live_app: Flask, tmp_path: Path
) -> None:
    live_app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    api = ApiClient(live_app.test_client())
    number = accepted_case(api)
    task_id = only_task(api, number, "审核", "approver")["id"]
    browser = Browser(live_app)
    browser.log_in("approver")

    page = page_text(browser.get(f"/tasks/{task_id}"))
    properties = form_schema(page)["properties"]
    decision = properties["review_decision"]
    assert decision["enum"] == ["", "approve", "refuse", "return_for_supplement"]
    assert decision["options"]["enum_titles"] == ["请选择", "准予登记", "不予登记", "退回窗口补正"]
    materials = properties["missing_materials"]
    assert (materials["format"], materials["items"]["enum"]) == ("checkbox", MATERIALS)
    # The list and the reason appear once the send-back is chosen.
    assert materials["options"]["dependencies"] == {"review_decision": "return_for_supplement"}
    assert properties["supplement_note"]["options"]["dependencies"] == {
        "review_decision": "return_for_supplement"
    }

    no_reason = {"review_decision": "return_for_supplement", "missing_materials": [ID_PROOF]}
    refused = browser.post(f"/tasks/{task_id}", {"data": json.dumps(no_reason, ensure_ascii=False)})
    assert refused.status_code == 422
    assert "退回补正理由：必填" in page_text(refused)
    assert form_schema(page_text(refused))["properties"]["missing_materials"]["items"]["enum"] == MATERIALS

    done = browser.post(f"/tasks/{task_id}", {"data": json.dumps(SEND_BACK, ensure_ascii=False)})
    assert done.status_code == 302
    case_page = page_text(browser.get(done.headers["Location"]))
    assert "补正" in case_page and "退回补正材料收取" in case_page
    assert api.case(number)["status"]["code"] == "supplement"

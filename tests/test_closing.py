"""Issuance and closing: pickup only by the applicant or their recorded agent, mail with a tracking
number, 办结 result codes with their reasons, 退件, 作废 and 归档 by the window."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.support.api import APPLICANT, ApiClient, case_body
from tests.support.steps import (
    APPROVE,
    MAIL,
    PICKUP,
    REFUSE,
    STRANGER_ID,
    accept,
    actions,
    decided,
    issue,
    only_task,
    status_path,
)

AGENT = {
    "name": "李四",
    "id_number": "110101198001011232",
    "phone": "13900139000",
    "relationship": "受托人",
    "authorisation_note": "张三书面委托办理并领取执照",
}


def test_pickup_by_the_applicant_records_the_delivery_and_the_granted_result(client: ApiClient) -> None:
    number = decided(client)
    assert issue(client, number, PICKUP).status_code == 200
    case = client.case(number)
    assert case["status"]["code"] == "issued"
    assert case["delivery"]["method"] == "pickup"
    assert case["delivery"]["label"] == "窗口领取"
    assert case["delivery"]["recipient_name"] == APPLICANT["name"]
    assert case["delivery"]["recipient_id_number"] == APPLICANT["id_number"]
    assert case["delivery"]["tracking_number"] is None
    result = case["result"]
    assert result["code"] == "granted"
    assert result["label"] == "出证办结"  # the item produces a licence
    assert result["reason"] == APPROVE["review_opinion"]
    assert result["organisation"]["code"] == "330783-scjgj-wuning"  # the station that decided
    assert "case.delivered" in actions(case) and "case.result_recorded" in actions(case)


def test_pickup_by_someone_else_is_refused_with_a_clear_message(client: ApiClient) -> None:
    number = decided(client)
    stranger = {**PICKUP, "recipient_name": "王五", "recipient_id_number": STRANGER_ID}
    response = issue(client, number, stranger)
    assert response.status_code == 422
    (message,) = response.json["errors"]["data.recipient_id_number"]
    assert "领取人不是申请人本人或办件登记的代理人" in message
    case = client.case(number)
    assert case["status"]["code"] == "approved"  # nothing of the step was kept
    assert case["delivery"] is None
    assert only_task(client, number, "出件")["state"] == "open"


def test_pickup_with_an_id_failing_its_checksum_is_refused(client: ApiClient) -> None:
    number = decided(client)
    response = issue(client, number, {**PICKUP, "recipient_id_number": "11010519491231002Y"})
    assert response.status_code == 422
    assert "data.recipient_id_number" in response.json["errors"]


def test_the_agent_recorded_on_the_case_may_pick_up(client: ApiClient) -> None:
    number = decided(client, agent=AGENT)
    pickup = {
        "delivery_method": "pickup",
        "recipient_name": AGENT["name"],
        "recipient_id_number": AGENT["id_number"],
    }
    assert issue(client, number, pickup).status_code == 200
    assert client.case(number)["delivery"]["recipient_name"] == "李四"


def test_mail_records_the_tracking_number_which_the_status_page_shows(client: ApiClient) -> None:
    response = client.post("/api/v1/cases", "clerk", json=case_body())
    number, password = response.json["number"], response.json["query_password"]
    accept(client, number)
    client.complete(only_task(client, number, "审核", "approver")["id"], "approver", APPROVE)
    assert issue(client, number, MAIL).status_code == 200
    delivery = client.case(number)["delivery"]
    assert (delivery["method"], delivery["tracking_number"]) == ("mail", "SF1234567890")
    tracked = client.http.post("/api/v1/track", json={"number": number, "password": password}).json
    assert tracked["collection"]["tracking_number"] == "SF1234567890"


@pytest.mark.parametrize(
    ("how", "code", "label", "reason"),
    [
        ("refused", "refused", "不予许可", REFUSE["review_opinion"]),
        ("not_accepted", "not_accepted", "不予受理", "经营场所为住宅，不符合登记条件"),
        ("withdrawn", "withdrawn", "撤回", "申请人决定暂不开业"),
    ],
)
def test_negative_results_carry_their_code_and_reason(
    client: ApiClient, how: str, code: str, label: str, reason: str
) -> None:
    if how == "refused":
        number = decided(client, REFUSE)
    else:
        number = client.start_case()
        if how == "not_accepted":
            refusal = {"acceptance_decision": "refuse", "refusal_reason": reason}
            assert (
                client.complete(only_task(client, number, "受理")["id"], "clerk", refusal).status_code == 200
            )
        else:
            assert (
                client.post(f"/api/v1/cases/{number}/withdraw", "clerk", json={"reason": reason}).status_code
                == 200
            )
    result = client.case(number)["result"]
    assert (result["code"], result["label"], result["reason"]) == (code, label, reason)


def test_an_open_case_has_no_result(client: ApiClient) -> None:
    number = client.start_case()
    accept(client, number)
    assert client.case(number)["result"] is None


def test_return_before_acceptance_needs_a_reason_and_ends_the_case_returned(client: ApiClient) -> None:
    number = client.start_case()
    ask = {"acceptance_decision": "supplement", "missing_materials": ["经营者身份证明"]}
    assert client.complete(only_task(client, number, "受理")["id"], "clerk", ask).status_code == 200
    missing = client.post(f"/api/v1/cases/{number}/return", "clerk", json={})
    assert missing.status_code == 422
    assert missing.json["errors"] == {"reason": ["退件须说明理由"]}
    blank = client.post(f"/api/v1/cases/{number}/return", "clerk", json={"reason": "  "})
    assert blank.status_code == 422
    reason = "补正期限届满，申请人未补齐材料"
    returned = client.post(f"/api/v1/cases/{number}/return", "clerk", json={"reason": reason})
    assert returned.status_code == 200, returned.json
    case = returned.json
    assert case["status"] == {"code": "returned", "label": "退件"}
    assert (case["result"]["code"], case["result"]["label"], case["result"]["reason"]) == (
        "returned",
        "退件",
        reason,
    )
    assert case["current_tasks"] == [] and case["ended_at"] is not None
    assert "case.returned" in actions(case)


def test_return_after_acceptance_is_refused(client: ApiClient) -> None:
    number = client.start_case()
    accept(client, number)
    response = client.post(f"/api/v1/cases/{number}/return", "clerk", json={"reason": "申请人放弃"})
    assert response.status_code == 409
    assert "撤回" in response.json["detail"]


def test_a_supervisor_voids_an_undecided_case_which_is_filed_at_once(client: ApiClient) -> None:
    number = client.start_case()
    accept(client, number)
    assert client.post(f"/api/v1/cases/{number}/void", "supervisor", json={}).status_code == 422
    reason = "窗口误选事项，已按正确事项重新登记"
    response = client.post(f"/api/v1/cases/{number}/void", "supervisor", json={"reason": reason})
    assert response.status_code == 200, response.json
    case = response.json
    assert case["status"]["code"] == "archived"
    assert (case["result"]["code"], case["result"]["label"], case["result"]["reason"]) == (
        "voided",
        "作废",
        reason,
    )
    assert case["current_tasks"] == []
    assert number not in [task["case_number"] for task in client.inbox("approver")]


def test_who_may_void_and_what(client: ApiClient) -> None:
    number = client.start_case()
    accept(client, number)
    assert client.post(f"/api/v1/cases/{number}/void", "approver", json={"reason": "误登"}).status_code == 403
    assert (
        client.post(f"/api/v1/cases/{number}/void", "clerk-hengdian", json={"reason": "误登"}).status_code
        == 404
    )
    done = decided(client)
    assert client.post(f"/api/v1/cases/{done}/void", "clerk", json={"reason": "误登"}).status_code == 409


def test_the_window_archives_a_case_once_its_process_has_ended(client: ApiClient) -> None:
    number = decided(client)
    early = client.post(f"/api/v1/cases/{number}/archive", "clerk")
    assert early.status_code == 409
    assert issue(client, number).status_code == 200
    assert client.post(f"/api/v1/cases/{number}/archive", "approver").status_code == 403
    assert client.post(f"/api/v1/cases/{number}/archive", "clerk-hengdian").status_code == 404
    archived = client.post(f"/api/v1/cases/{number}/archive", "clerk")
    assert archived.status_code == 200, archived.json
    case = archived.json
    assert case["status"]["code"] == "archived"
    assert status_path(case)[-2:] == ["issued", "archived"]
    assert "case.archived" in actions(case)
    assert client.post(f"/api/v1/cases/{number}/archive", "clerk").status_code == 409


def test_not_accepted_and_withdrawn_cases_are_archived_too(client: ApiClient) -> None:
    refused = client.start_case()
    refusal = {"acceptance_decision": "refuse", "refusal_reason": "不属于本机关登记范围"}
    assert client.complete(only_task(client, refused, "受理")["id"], "clerk", refusal).status_code == 200
    withdrawn = client.start_case()
    assert (
        client.post(f"/api/v1/cases/{withdrawn}/withdraw", "clerk", json={"reason": "不再申请"}).status_code
        == 200
    )
    for number in (refused, withdrawn):
        response = client.post(f"/api/v1/cases/{number}/archive", "clerk")
        assert response.status_code == 200, response.json
        assert response.json["status"]["code"] == "archived"


def test_a_returned_case_prints_its_reason_on_the_not_accepted_decision(client: ApiClient) -> None:
    number = client.start_case()
    reason = "申请人放弃申请，材料已退回"
    assert client.post(f"/api/v1/cases/{number}/return", "clerk", json={"reason": reason}).status_code == 200
    pdf = client.get(f"/api/v1/cases/{number}/documents/not-accepted.pdf", "clerk")
    assert pdf.status_code == 200
    text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert reason in text


def test_a_licence_process_declaring_no_outcome_ends_granted_and_licensed(client: ApiClient) -> None:
    number = decided(client)
    case = client.case(number)
    assert case["status"] == {"code": "approved", "label": "办结-准予"}
    assert (case["result"]["code"], case["result"]["label"]) == ("granted", "出证办结")
    pdf = client.get(f"/api/v1/cases/{number}/documents/completion.pdf", "clerk")
    text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "办理结果准予办理" in text or "准予办理" in text
    assert "已处置" not in text

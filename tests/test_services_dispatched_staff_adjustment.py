"""派驻人员调整征求乡镇意见 end to end: a county department proposes, the township party committee
consents (or not), and only then does the department decide."""

from __future__ import annotations

from typing import Any

from tests.support.api import WUNING, ApiClient
from tests.support.steps import status_path, township_task

SERVICE = "dispatched_staff_adjustment"
# The proposing department as the applicant (an illustrative unified social credit code).
DEPARTMENT = {"kind": "legal_entity", "name": "东阳市市场监督管理局", "id_number": "11330783002609123M"}
PROPOSAL = {
    "station_name": "东阳市市场监督管理局吴宁市场监管所",
    "officer_name": "吴建明",
    "officer_id_number": "330724198606120018",
    "officer_position": "吴宁市场监管所所长",
    "adjustment_type": "leader_change",
    "proposed_destination": "东阳市市场监督管理局食品生产监管科",
    "adjustment_reason": "任职满五年，按干部交流规定轮岗",
    "proposed_effective_date": "2026-04-01",
}


def proposal(**overrides: Any) -> dict[str, Any]:
    """The body that registers the department's proposal, with ``overrides``."""
    body = {"service_code": SERVICE, "applicant": DEPARTMENT, "data": PROPOSAL, "matter_township": WUNING}
    return {**body, **overrides}


def propose(client: ApiClient, user: str = "approver-county", **overrides: Any) -> Any:
    return client.post("/api/v1/cases", user, json=proposal(**overrides))


def proposed(client: ApiClient) -> str:
    return client.register(proposal(), "approver-county")["number"]


def party_committee(client: ApiClient, number: str, answer: dict[str, Any]) -> None:
    # Not the township's general office: the responsibility item names the 党建工作办公室.
    assert client.inbox("cooperator") == []
    task = township_task(client, "party-wuning", number, "乡镇党委意见", "吴宁街道党建工作办公室", "SH-007")
    assert client.complete(task["id"], "party-wuning", answer).status_code == 200


def test_consent_then_the_proposing_department_decides(client: ApiClient) -> None:
    number = proposed(client)
    case = client.case(number, "approver-county")
    # Registered by the department itself, so accepted at once; the township's opinion is the review.
    assert case["channel"] == "department"
    assert status_path(case) == ["accepted", "under_review"]
    assert case["accepting_organisation"]["name"] == "东阳市市场监督管理局"
    assert case["due_date"] is not None

    consent = {
        "party_committee_consent": "consent",
        "party_committee_opinion": "同意调整，请做好工作交接",
        "party_committee_meeting_date": "2026-03-12",
    }
    party_committee(client, number, consent)

    # The decision comes back to the county bureau that proposed, not to the station in 吴宁.
    assert [t for t in client.inbox("approver") if t["case_number"] == number] == []
    [decision] = client.inbox("approver-county")
    assert (decision["case_number"], decision["name"], decision["lane"]) == (
        number,
        "作出调整决定",
        "department",
    )
    assert decision["organisation"]["name"] == "东阳市市场监督管理局"
    adjust = {
        "adjustment_decision": "adjust",
        "adjustment_decision_note": "按方案调整",
        "effective_date": "2026-04-01",
    }
    assert client.complete(decision["id"], "approver-county", adjust).status_code == 200

    case = client.case(number, "approver-county")
    assert case["ended_at"] is not None
    assert status_path(case) == ["accepted", "under_review", "approved"]
    assert [step["name"] for step in case["history"]] == ["乡镇党委意见", "作出调整决定"]


def test_without_consent_the_adjustment_is_refused(client: ApiClient) -> None:
    number = proposed(client)
    short = {
        "party_committee_consent": "object",
        "party_committee_opinion": "不同意",
        "party_committee_meeting_date": "2026-03-12",
    }
    [task] = client.inbox("party-wuning")
    too_short = client.complete(task["id"], "party-wuning", short)
    assert too_short.status_code == 422
    assert list(too_short.json["errors"]) == ["data.party_committee_opinion"]
    objection = {
        **short,
        "party_committee_opinion": "该同志正牵头负责辖区食品安全专项整治，建议整治结束后再行调整",
    }
    party_committee(client, number, objection)

    case = client.case(number, "approver-county")
    # The process declares its outcomes: an objection ends the proposal 不同意, not 不予许可.
    assert case["status"] == {"code": "refused", "label": "办结-不同意"}
    assert (case["result"]["code"], case["result"]["label"]) == ("disagreed", "不同意")
    assert case["result"]["reason"] == objection["party_committee_opinion"]
    assert case["ended_at"] is not None
    assert case["current_tasks"] == []
    assert client.inbox("approver-county") == []


def test_only_a_county_department_proposes_for_a_township_of_its_county(client: ApiClient) -> None:
    assert propose(client, "clerk").status_code == 403
    assert propose(client, "approver").status_code == 403  # a dispatched station, not the bureau
    missing = propose(client, matter_township=None)
    assert missing.status_code == 422
    assert list(missing.json["errors"]) == ["matter_township"]
    elsewhere = propose(client, matter_township="330681102")  # 诸暨市次坞镇
    assert elsewhere.status_code == 422
    assert list(elsewhere.json["errors"]) == ["matter_township"]

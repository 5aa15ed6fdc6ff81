"""Withdrawal (撤回): the accepting window records it until a decision; the workflow ends cleanly."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.clock import ClockedApi
from tests.support.steps import accepted, decided, status_path

REASON = {"reason": "申请人书面申请撤回"}
DECISION = {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}


def withdraw(desk: ClockedApi, number: str, user: str = "clerk", body: dict[str, Any] | None = None) -> Any:
    return desk.api.post(f"/api/v1/cases/{number}/withdraw", user, json=REASON if body is None else body)


def test_withdrawal_under_review_ends_the_case_and_empties_the_inboxes(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    review = desk.review_task(number)
    assert [task["case_number"] for task in desk.api.inbox("approver")] == [number]

    desk.move_to("2026-11-26")
    response = withdraw(desk, number)
    assert response.status_code == 200, response.json
    case = response.json
    assert case["status"] == {"code": "withdrawn", "label": "撤回"}
    assert case["ended_at"] is not None
    assert case["current_tasks"] == []
    assert (case["due_date"], case["due_state"], case["clock"]["stopped_on"]) == (
        "2026-11-30",
        None,
        "2026-11-26",
    )
    assert desk.api.inbox("approver") == []
    task = desk.api.get(f"/api/v1/tasks/{review['id']}", "approver").json
    assert task["state"] == "cancelled"
    # The review cannot be completed any more.
    assert desk.api.complete(review["id"], "approver", DECISION).status_code == 409
    (withdrawn,) = [event for event in case["audit"] if event["action"] == "case.withdrawn"]
    assert withdrawn["actor"] == "clerk"
    assert withdrawn["summary"] == {"reason": "申请人书面申请撤回", "status_before": "under_review"}
    assert case["audit"][-1]["action"] == "case.ended"
    assert case["audit"][-1]["summary"] == {"status": "withdrawn"}


def test_withdrawal_before_acceptance_takes_the_task_out_of_the_window_inbox(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = desk.api.start_case()
    assert [task["case_number"] for task in desk.api.inbox("clerk")] == [number]
    assert withdraw(desk, number).status_code == 200
    assert desk.api.inbox("clerk") == []
    case = desk.api.case(number)
    assert status_path(case) == ["submitted", "withdrawn"]
    assert case["due_date"] is None


def test_withdrawal_of_a_suspended_case_ends_its_suspension(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    inspection = {"kind": "expert_review", "reason": "组织专家评审", "expected_days": 10}
    assert desk.api.post(f"/api/v1/cases/{number}/suspend", "approver", json=inspection).status_code == 200
    response = withdraw(desk, number)
    assert response.status_code == 200, response.json
    (suspension,) = response.json["suspensions"]
    assert (suspension["resumed_at"], suspension["ended_note"]) == (None, "withdrawn")
    assert desk.api.post(f"/api/v1/cases/{number}/resume", "approver").status_code == 409


def test_after_a_decision_a_case_cannot_be_withdrawn(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = decided(desk.api, DECISION)
    response = withdraw(desk, number)
    assert response.status_code == 409
    assert response.json["detail"] == "办件状态为“办结-准予”，不能撤回"
    case = desk.api.case(number)
    assert case["status"]["code"] == "approved"
    assert [task["name"] for task in case["current_tasks"]] == ["出件"]


def test_a_withdrawn_or_refused_case_cannot_be_withdrawn_again(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = desk.api.start_case()
    assert withdraw(desk, number).status_code == 200
    assert withdraw(desk, number).status_code == 409

    refused = desk.api.start_case()
    task = desk.api.open_task(refused)
    refusal = {"acceptance_decision": "refuse", "refusal_reason": "经营场所不在本辖区内"}
    assert desk.api.complete(task["id"], "clerk", refusal).status_code == 200
    assert withdraw(desk, refused).status_code == 409


def test_who_may_withdraw(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    path = f"/api/v1/cases/{number}/withdraw"
    assert app.test_client().post(path, json=REASON).status_code == 401
    # Another township's window does not see the case.
    assert withdraw(desk, number, "clerk-hengdian").status_code == 404
    # The deciding station sees it, but withdrawal is recorded at the accepting window.
    assert withdraw(desk, number, "approver").status_code == 403
    assert withdraw(desk, number, "supervisor").status_code == 403
    assert withdraw(desk, number, body={}).status_code == 422
    assert withdraw(desk, number, body={"reason": ""}).status_code == 422
    assert desk.api.case(number)["status"]["code"] == "under_review"
    # A colleague at the same window may record it.
    assert withdraw(desk, number, "clerk-wuning").status_code == 200

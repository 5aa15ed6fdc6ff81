"""Suspension (特别程序): the department stops the clock for an inspection, publicity or expert review,
cannot decide meanwhile, and resumes; the due date moves by the working days paused."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.clock import ClockedApi
from tests.support.steps import accepted, decided, status_path

INSPECTION = {"kind": "inspection", "reason": "经营场所需现场核查", "expected_days": 2}
DECISION = {"review_decision": "approve", "review_opinion": "现场核查无误，准予登记"}


def suspend(desk: ClockedApi, number: str, user: str = "approver", body: dict[str, Any] | None = None) -> Any:
    return desk.api.post(f"/api/v1/cases/{number}/suspend", user, json=body or INSPECTION)


def resume(desk: ClockedApi, number: str, user: str = "approver") -> Any:
    return desk.api.post(f"/api/v1/cases/{number}/resume", user)


def test_suspension_stops_the_clock_and_resumption_moves_the_due_date(app: Flask) -> None:
    # Accepted Wednesday 2026-11-25 with 3 working days: due Monday 11-30.
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    assert desk.api.case(number)["due_date"] == "2026-11-30"

    desk.move_to("2026-11-26")
    response = suspend(desk, number)
    assert response.status_code == 200, response.json
    case = response.json
    assert case["status"] == {"code": "suspended", "label": "中止"}
    assert (case["due_state"], case["clock"]["paused_since"]) == ("paused", "2026-11-26")
    (suspension,) = case["suspensions"]
    assert suspension["kind"] == {"code": "inspection", "label": "现场核查"}
    assert (suspension["reason"], suspension["expected_days"]) == ("经营场所需现场核查", 2)
    assert suspension["expected_resume_on"] == "2026-11-30"
    assert suspension["organisation"]["name"] == "东阳市市场监督管理局吴宁市场监管所"
    assert suspension["suspended_by"]["username"] == "approver"
    assert suspension["resumed_at"] is None
    review = desk.review_task(number)
    assert review["due_state"] == "paused"

    # Days go by: the case is not late while suspended.
    desk.move_to("2026-12-01")
    assert desk.api.case(number, "approver")["due_state"] == "paused"
    assert desk.api.inbox("approver")[0]["due_state"] == "paused"

    refused = desk.api.complete(review["id"], "approver", DECISION)
    assert refused.status_code == 409
    assert "现场核查" in refused.json["detail"]
    assert "恢复" in refused.json["detail"]

    response = resume(desk, number)
    assert response.status_code == 200, response.json
    case = response.json
    # Paused from 11-26 to 12-01: 11-27, 11-30 and 12-01 are added to the limit.
    assert case["status"]["code"] == "under_review"
    assert (case["due_date"], case["due_state"]) == ("2026-12-03", "normal")
    assert (case["clock"]["paused_since"], case["clock"]["paused_days"]) == (None, 3)
    assert case["suspensions"][0]["resumed_by"]["username"] == "approver"
    assert desk.review_task(number)["due_date"] == "2026-12-03"
    assert status_path(case)[-3:] == ["under_review", "suspended", "under_review"]
    actions = [event["action"] for event in case["audit"]]
    assert "case.suspended" in actions
    (resumed,) = [event for event in case["audit"] if event["action"] == "case.resumed"]
    assert (resumed["summary"]["due_date_before"], resumed["summary"]["due_date_after"]) == (
        "2026-11-30",
        "2026-12-03",
    )

    assert desk.api.complete(review["id"], "approver", DECISION).status_code == 200
    assert desk.api.case(number)["status"]["code"] == "approved"


def test_two_suspensions_add_up(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    desk.move_to("2026-11-26")
    assert suspend(desk, number).status_code == 200
    desk.move_to("2026-11-27")
    assert resume(desk, number).status_code == 200  # one working day: 11-27
    publicity = {"kind": "publicity", "reason": "公示七日", "expected_days": 5}
    assert suspend(desk, number, body=publicity).status_code == 200
    desk.move_to("2026-12-01", hour=9)
    case = resume(desk, number).json  # 11-30, 12-01
    assert (case["clock"]["paused_days"], case["due_date"]) == (3, "2026-12-03")
    assert [s["kind"]["code"] for s in case["suspensions"]] == ["inspection", "publicity"]


def test_suspending_and_resuming_the_same_day_changes_nothing(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    assert suspend(desk, number).status_code == 200
    desk.move_to("2026-11-25", hour=16)
    case = resume(desk, number).json
    assert (case["clock"]["paused_days"], case["due_date"]) == (0, "2026-11-30")


def test_who_may_suspend_and_resume(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    path = f"/api/v1/cases/{number}/suspend"
    assert app.test_client().post(path, json=INSPECTION).status_code == 401
    # Another station's approver does not see the case.
    assert suspend(desk, number, "approver-hengdian").status_code == 404
    assert suspend(desk, "330783-GTDJ-20261125-9999").status_code == 404
    # The accepting window sees it but does not decide it.
    assert suspend(desk, number, "clerk").status_code == 403
    # The county bureau sees its station's cases, but the task is the station's.
    assert suspend(desk, number, "approver-county").status_code == 403
    assert resume(desk, number).status_code == 409  # not suspended

    assert suspend(desk, number).status_code == 200
    again = suspend(desk, number)
    assert again.status_code == 409
    assert again.json["detail"] == "办件已处于中止状态"
    assert resume(desk, number, "clerk").status_code == 403
    assert resume(desk, number, "approver-county").status_code == 403
    assert resume(desk, number, "approver-hengdian").status_code == 404
    assert resume(desk, number).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "holiday", "reason": "x", "expected_days": 2},
        {"kind": "inspection", "reason": "", "expected_days": 2},
        {"kind": "inspection", "reason": "x", "expected_days": 0},
        {"kind": "inspection", "reason": "x"},
    ],
)
def test_a_suspension_needs_a_kind_a_reason_and_expected_days(app: Flask, body: dict[str, Any]) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    response = suspend(desk, number, body=body)
    assert response.status_code == 422
    assert response.json["errors"]
    assert desk.api.case(number)["status"]["code"] == "under_review"


def test_only_a_case_under_review_at_the_department_can_be_suspended(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = decided(desk.api, DECISION)
    # Decided: the 出件 task is at the window, no department task is open.
    response = suspend(desk, number)
    assert response.status_code == 409
    assert response.json["detail"] == "办件不在部门审查环节，不能中止"

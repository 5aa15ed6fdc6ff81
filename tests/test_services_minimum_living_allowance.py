"""最低生活保障申请 end to end over the API, with the worker firing the 7-day publicity timer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from tests.support.allowance import (
    DECISION,
    REGISTERED_AT,
    VISITED_AT,
    application,
    register_and_visit,
    start_case,
    timer_jobs,
)
from tests.support.bpmn import Process, parsed
from tests.support.clock import ClockedApi
from tests.support.steps import actions, complete_only_task, status_path
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.models import JobState
from workflow_service.worker import Worker


def test_allowance_runs_from_window_through_township_visit_and_publicity_to_the_bureau_and_back(
    app: Flask,
) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    worker = Worker(app)
    number = register_and_visit(clock)
    case = clock.api.case(number)
    assert case["status"]["code"] == "under_review"
    assert case["current_tasks"] == []  # 民主评议公示: nobody has anything to do for seven days
    assert case["waiting_timers"] == [
        {"name": "民主评议公示（7天）", "fires_at": (VISITED_AT + timedelta(days=7)).isoformat()}
    ]
    (job,) = timer_jobs(app)
    assert (job.state, job.run_at, job.payload["name"]) == (
        JobState.PENDING,
        VISITED_AT + timedelta(days=7),
        "民主评议公示（7天）",
    )

    worker.run_once()
    api = clock.move_to(VISITED_AT + timedelta(days=7) - timedelta(minutes=1))
    worker.run_once()
    assert api.case(number)["current_tasks"] == []
    assert "timer.fired" not in actions(api.case(number))

    api = clock.move_to(VISITED_AT + timedelta(days=7, minutes=1))
    worker.run_once()
    worker.run_once()
    case = api.case(number)
    assert actions(case).count("timer.fired") == 1
    # 审核确认 now waits, with its 10-day overdue timer (tests/test_overdue_escalation.py).
    assert case["waiting_timers"] == [
        {"name": "审核确认超期（10天）", "fires_at": (VISITED_AT + timedelta(days=17, minutes=1)).isoformat()}
    ]
    decision = api.open_task(number, "supervisor")
    assert (decision["name"], decision["lane"], decision["organisation"]["name"]) == (
        "审核确认",
        "department",
        "东阳市民政局",
    )
    assert [task["name"] for task in api.inbox("approver-minzheng")] == ["审核确认"]
    assert [job.state for job in timer_jobs(app)] == [JobState.DONE, JobState.PENDING]

    api = clock.move_to(VISITED_AT + timedelta(days=8))
    complete_only_task(api, number, "approver-minzheng", DECISION)
    assert api.case(number)["status"]["code"] == "approved"
    assert [job.state for job in timer_jobs(app)] == [JobState.DONE, JobState.CANCELLED]  # decided in time
    api = clock.move_to(VISITED_AT + timedelta(days=9))
    issuance = complete_only_task(
        api,
        number,
        "clerk",
        {
            "delivery_method": "pickup",
            "recipient_name": "王建华",
            "recipient_id_number": "330783199001010021",
        },
    )
    assert issuance["name"] == "出件"
    case = api.case(number)
    assert case["status"] == {"code": "issued", "label": "已出件"}
    assert case["ended_at"] is not None
    assert [step["name"] for step in case["history"]] == ["受理", "入户调查", "审核确认", "出件"]
    assert status_path(case) == ["submitted", "accepted", "under_review", "approved", "issued"]


def test_a_household_found_ineligible_skips_publicity_and_is_refused(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock, finding="ineligible")
    # No publicity: the only timer is 审核确认's overdue timer.
    assert [job.payload["name"] for job in timer_jobs(app)] == ["审核确认超期（10天）"]
    decision = clock.api.open_task(number, "supervisor")
    assert decision["name"] == "审核确认"
    refusal = {"allowance_decision": "refuse", "review_opinion": "不符合条件"}
    response = clock.api.complete(decision["id"], "approver-minzheng", refusal)
    assert response.status_code == 422
    assert response.json["errors"] == {"data.allowance_refusal_reason": ["必填"]}
    refusal["allowance_refusal_reason"] = "家庭人均收入高于当地最低生活保障标准"
    complete_only_task(clock.api, number, "approver-minzheng", refusal)
    complete_only_task(
        clock.api, number, "clerk", {"delivery_method": "mail", "tracking_number": "SF1234567890"}
    )
    assert clock.api.case(number)["status"]["code"] == "issued"


def test_the_application_checks_every_household_members_id_number(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    data = application()
    data["household_members"][1]["member_id_number"] = "330783199212120045"
    response = start_case(clock.api, data)
    assert response.status_code == 422
    assert response.json["errors"] == {
        "data.household_members.1.member_id_number": ["校验位（第 18 位）与前 17 位不符，请逐位核对号码"]
    }
    response = start_case(clock.api, application(verification_authorised=False))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["data.verification_authorised"]


def test_the_publicity_stops_the_clock_and_moves_the_due_date_by_its_working_days(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    worker = Worker(app)
    number = register_and_visit(clock)
    # Accepted on Tuesday 1 December: 15 working days → Tuesday 22 December.
    case = clock.api.case(number)
    assert case["due_date"] == "2026-12-22"
    # The 公示 is marked pausesClock: from the visit (Thursday 3 December) the clock stands still.
    assert case["due_state"] == "paused"
    assert case["clock"]["paused_since"] == "2026-12-03"
    assert "case.clock_paused" in actions(case)

    api = clock.move_to(VISITED_AT + timedelta(days=7, minutes=1))
    worker.run_once()
    case = api.case(number)
    assert "case.clock_resumed" in actions(case)
    # 4, 7, 8, 9 and 10 December: five working days of publicity, so due five working days later.
    assert case["clock"]["paused_since"] is None
    assert case["clock"]["paused_days"] == 5
    assert case["due_date"] == "2026-12-29"
    decision = api.open_task(number, "supervisor")
    assert decision["due_date"] == "2026-12-29"
    assert decision["due_state"] == "normal"


def test_a_household_found_ineligible_has_no_publicity_and_keeps_its_due_date(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock, finding="ineligible")
    case = clock.api.case(number)
    assert (case["due_date"], case["due_state"], case["clock"]["paused_since"]) == (
        "2026-12-22",
        "normal",
        None,
    )


@pytest.mark.parametrize(
    ("value", "boundary", "message"),
    [
        ("yes", False, "pausesClock 的值须为 true 或 false"),
        ("true", True, "pausesClock 只能用于中间定时器事件"),
    ],
)
def test_deploy_checks_the_pause_mark_on_timers(value: str, boundary: bool, message: str) -> None:
    process = Process("marked", lane="window").start().user_task("check", "核对", form="check.json")
    if boundary:
        process.boundary_timer("late", "超期", "check", duration='"P1D"', properties={"pausesClock": value})
        process.end("late_end").end(after="check")
    else:
        process.timer("wait", "公示", duration='"P7D"', properties={"pausesClock": value}).end()
    xml = process.xml()
    with pytest.raises(InvalidProcessDefinition) as refused:
        parsed(xml)
    errors = refused.value.errors or {}
    assert message in errors["late" if boundary else "wait"]


def test_a_marked_publicity_timer_deploys() -> None:
    xml = (
        Process("marked", lane="window")
        .start()
        .timer("wait", "公示", duration='"P7D"', properties={"pausesClock": "true"})
        .end()
        .xml()
    )
    assert "wait" in parsed(xml).catch_events

"""The boundary timer README promises: 最低生活保障申请's 审核确认 left open 10 days opens a 超期督办.

The timer is non-interrupting: the county 民政局 keeps its task, and the township's 综合信息指挥室
gets a 超期督办 task beside it. Decided in time, the timer is cancelled; a 督办 still open when the
decision is handed out ends with the case (the end event terminates).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from tests.support.allowance import VISITED_AT, register_and_visit, timer_jobs
from tests.support.api import ApiClient
from tests.support.bpmn import Process, parsed
from tests.support.clock import ClockedApi
from tests.support.steps import actions, complete_only_task
from workflow_service.models import JobState
from workflow_service.worker import Worker

OVERDUE = "审核确认超期（10天）"
DUE = VISITED_AT + timedelta(days=10)  # the 审核确认 task opened at the visit (no publicity: ineligible)
REFUSAL = {
    "allowance_decision": "refuse",
    "allowance_refusal_reason": "家庭人均收入高于当地低保标准",
    "review_opinion": "家庭人均收入高于当地低保标准，不符合条件。",
}
PICKUP = {
    "delivery_method": "pickup",
    "recipient_name": "王建华",
    "recipient_id_number": "330783199001010021",
}


def open_tasks(api: ApiClient, number: str) -> list[tuple[str, str, str]]:
    return [
        (task["name"], task["lane"], task["organisation"]["name"])
        for task in api.case(number, "supervisor")["current_tasks"]
    ]


def waiting_decision(app: Flask) -> tuple[ClockedApi, Worker, str]:
    clock = ClockedApi(app, VISITED_AT - timedelta(days=2))
    number = register_and_visit(clock, finding="ineligible")
    assert clock.api.case(number)["waiting_timers"] == [{"name": OVERDUE, "fires_at": DUE.isoformat()}]
    return clock, Worker(app), number


def supervision_task(api: ApiClient, number: str) -> dict[str, Any]:
    (task,) = [t for t in api.case(number, "supervisor")["current_tasks"] if t["name"] == "超期督办"]
    return task


def test_an_overdue_review_opens_a_supervision_task_beside_it(app: Flask) -> None:
    clock, worker, number = waiting_decision(app)
    api = clock.move_to(DUE - timedelta(minutes=1))
    worker.run_once()
    assert open_tasks(api, number) == [("审核确认", "department", "东阳市民政局")]

    api = clock.move_to(DUE + timedelta(minutes=1))
    worker.run_once()
    assert open_tasks(api, number) == [
        ("审核确认", "department", "东阳市民政局"),
        ("超期督办", "command", "吴宁街道综合信息指挥室"),
    ]
    case = api.case(number, "supervisor")
    assert case["status"]["code"] == "under_review"  # 督办 changes no status
    assert actions(case).count("timer.fired") == 1
    assert [task["name"] for task in api.inbox("command")] == ["超期督办"]

    note = {"supervision_note": "已电话督办县民政局，答复本周内完成审核确认", "promised_date": "2026-12-18"}
    assert api.complete(supervision_task(api, number)["id"], "command", note).status_code == 200
    assert open_tasks(api, number) == [("审核确认", "department", "东阳市民政局")]
    complete_only_task(api, number, "approver-minzheng", REFUSAL)
    complete_only_task(api, number, "clerk", PICKUP)
    case = api.case(number)
    assert (case["status"]["code"], case["current_tasks"]) == ("issued", [])
    assert case["ended_at"] is not None
    assert "超期督办" in [step["name"] for step in case["history"]]


def test_a_review_decided_in_time_is_never_escalated(app: Flask) -> None:
    clock, worker, number = waiting_decision(app)
    api = clock.move_to(DUE - timedelta(days=1))
    complete_only_task(api, number, "approver-minzheng", REFUSAL)
    assert [job.state for job in timer_jobs(app)] == [JobState.CANCELLED]
    api = clock.move_to(DUE + timedelta(days=1))
    worker.run_once()
    assert open_tasks(api, number) == [("出件", "window", "吴宁街道便民服务中心")]
    assert "timer.fired" not in actions(api.case(number))


def test_a_supervision_still_open_ends_with_the_case(app: Flask) -> None:
    clock, worker, number = waiting_decision(app)
    api = clock.move_to(DUE + timedelta(minutes=1))
    worker.run_once()
    complete_only_task_named(api, number, "审核确认", "approver-minzheng", REFUSAL)
    complete_only_task_named(api, number, "出件", "clerk", PICKUP)
    case = api.case(number, "supervisor")
    assert (case["status"]["code"], case["current_tasks"]) == ("issued", [])
    assert case["ended_at"] is not None
    assert api.inbox("command") == []


def complete_only_task_named(api: ApiClient, number: str, name: str, user: str, data: dict[str, Any]) -> None:
    (task,) = [t for t in api.case(number, "supervisor")["current_tasks"] if t["name"] == name]
    response = api.complete(task["id"], user, data)
    assert response.status_code == 200, response.json


def test_deploy_sees_past_a_task_with_a_boundary_event() -> None:
    # SpiffWorkflow enters such a task through a split of its own: the elements after it still count.
    process = parsed(
        Process("p")
        .start()
        .user_task("review", "审核", lane="department", form="x.json")
        .end("reviewed")
        .boundary_timer("overdue", "审核超期", attached_to="review", duration='"P3D"', interrupting=False)
        .user_task("supervise", "督办", lane="command", form="x.json")
        .end("supervised")
        .xml(),
        "escalation.bpmn",
    )
    assert set(process.successors["start"]) == {"review", "overdue"}
    assert process.successors["review"] == ("reviewed",)
    assert process.successors["overdue"] == ("supervise",)

"""BPMN timers in the engine: on the injected clock, fired only by the worker's step, saved and restored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.bpmn import Process, parsed
from tests.support.clock import Clock
from workflow_service.engine.definitions import ParsedProcess
from workflow_service.engine.runtime import ProcessRuntime, StepResult

FORM = "x.json"


def waiting_then_review(**timer: str) -> ParsedProcess:
    """start → 公示 (an intermediate timer: ``duration=``, ``date=`` or ``cycle=``) → 审核 (a user task)."""
    return parsed(
        Process("p")
        .start()
        .timer("publicity", "公示", **timer)
        .user_task("review", "审核", lane="department", form=FORM)
        .end()
        .xml(),
        "timer.bpmn",
    )


# 审核, cancelled by 审核超期 after review_days and handed to 督办 at the command room.
ESCALATION = parsed(
    Process("p")
    .start()
    .user_task("review", "审核", lane="department", form=FORM)
    .end("reviewed")
    .boundary_timer("overdue", "审核超期", attached_to="review", duration='"P" + str(review_days) + "D"')
    .user_task("supervise", "督办", lane="command", form=FORM)
    .end("supervised")
    .xml(),
    "escalation.bpmn",
)


def names(step: StepResult) -> list[str]:
    return [task.name for task in step.ready_tasks]


# A clock years before and years after the wall clock: neither may leak into timers.
@pytest.mark.parametrize("start", [datetime(2019, 3, 1, 2, tzinfo=UTC), datetime(2041, 3, 1, 2, tzinfo=UTC)])
def test_a_duration_timer_fires_on_the_injected_clock_and_only_in_the_workers_step(start: datetime) -> None:
    process = waiting_then_review(duration='"P7D"')
    clock = Clock(start)
    runtime = ProcessRuntime(clock=clock)
    step = runtime.start("k", process.spec_json, {})
    assert names(step) == []
    (timer,) = step.timers
    assert (timer.bpmn_id, timer.name, timer.fires_at) == ("publicity", "公示", start + timedelta(days=7))

    clock.at = start + timedelta(days=7) - timedelta(seconds=1)
    early = ProcessRuntime(clock=clock).fire_due_timers("k", process.spec_json, step.state)
    assert names(early) == []
    assert early.timers == step.timers

    clock.at = start + timedelta(days=7)
    fired = ProcessRuntime(clock=clock).fire_due_timers("k", process.spec_json, early.state)
    assert names(fired) == ["审核"]
    assert fired.timers == ()


def test_a_request_step_never_fires_a_due_timer() -> None:
    clock = Clock(datetime(2026, 12, 1, 2, tzinfo=UTC))
    runtime = ProcessRuntime(clock=clock)
    step = runtime.start("k", ESCALATION.spec_json, {"review_days": 3})
    (timer,) = step.timers
    assert timer.name == "审核超期"
    assert timer.fires_at == clock.at + timedelta(days=3)
    clock.at += timedelta(days=10)
    # Even long overdue, completing the review in a request wins: the boundary timer is cancelled.
    done = runtime.complete_task("k", ESCALATION.spec_json, step.state, step.ready_tasks[0].id, {})
    assert done.completed
    assert done.timers == ()


def test_an_interrupting_boundary_timer_cancels_the_task_and_escalates() -> None:
    clock = Clock(datetime(2026, 12, 1, 2, tzinfo=UTC))
    runtime = ProcessRuntime(clock=clock)
    step = runtime.start("k", ESCALATION.spec_json, {"review_days": 3})
    clock.at += timedelta(days=3, minutes=1)
    escalated = runtime.fire_due_timers("k", ESCALATION.spec_json, step.state)
    assert names(escalated) == ["督办"]
    assert escalated.timers == ()


def test_a_date_without_zone_is_business_time_in_shanghai() -> None:
    process = waiting_then_review(date="2026-10-08T09:00:00")
    step = ProcessRuntime(clock=Clock(datetime(2026, 9, 30, tzinfo=UTC))).start("k", process.spec_json, {})
    (timer,) = step.timers
    assert timer.fires_at == datetime(2026, 10, 8, 1, 0, tzinfo=UTC)


def test_a_date_from_case_data_goes_through_the_restricted_evaluator() -> None:
    process = waiting_then_review(date="hearing_date")
    runtime = ProcessRuntime(clock=Clock(datetime(2026, 9, 30, tzinfo=UTC)))
    step = runtime.start("k", process.spec_json, {"hearing_date": "2026-10-09"})
    (timer,) = step.timers
    assert timer.fires_at == datetime(2026, 10, 8, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("duration", "incident"),
    [
        ("P7X", "公示: 定时器时间无效: P7X"),
        ('"七天"', '公示: 定时器时间无效: "七天"'),
        ("__import__('os').getcwd()", "公示: 脚本被拒绝"),
    ],
)
def test_a_bad_timer_expression_is_an_incident_naming_the_element(duration: str, incident: str) -> None:
    process = waiting_then_review(duration=duration)
    step = ProcessRuntime().start("k", process.spec_json, {})
    assert step.incident is not None
    assert step.incident.startswith(incident)
    assert not step.completed


def test_a_repeating_timer_fires_each_due_repetition_once() -> None:
    process = parsed(
        Process("p")
        .start()
        .user_task("review", "处置", lane="command", form=FORM)
        .end("e1")
        .boundary_timer("daily", "每日提醒", attached_to="review", cycle="R2/P1D", interrupting=False)
        .user_task("remind", "催办", lane="command", form=FORM)
        .end("e2")
        .xml(),
        "cycle.bpmn",
    )
    start = datetime(2026, 12, 1, 2, tzinfo=UTC)
    clock = Clock(start)
    runtime = ProcessRuntime(clock=clock)
    step = runtime.start("k", process.spec_json, {})
    assert [timer.fires_at for timer in step.timers] == [start + timedelta(days=1)]
    clock.at = start + timedelta(days=1)
    first = runtime.fire_due_timers("k", process.spec_json, step.state)
    assert sorted(names(first)) == ["催办", "处置"]
    assert [timer.fires_at for timer in first.timers] == [start + timedelta(days=2)]
    again = runtime.fire_due_timers("k", process.spec_json, first.state)
    assert sorted(names(again)) == ["催办", "处置"]
    clock.at = start + timedelta(days=2)
    second = runtime.fire_due_timers("k", process.spec_json, again.state)
    assert sorted(names(second)) == ["催办", "催办", "处置"]
    assert second.timers == ()

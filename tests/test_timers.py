"""BPMN timers in the engine: on the injected clock, fired only by the worker's step, saved and restored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clock import Clock
from workflow_service.engine.definitions import ParsedProcess, parse_process
from workflow_service.engine.runtime import ProcessRuntime, StepResult
from workflow_service.services.directory.routing import KNOWN_LANES

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">"""
FORM = """<bpmn:extensionElements><spiffworkflow:properties>
  <spiffworkflow:property name="formJsonSchemaFilename" value="x.json" />
</spiffworkflow:properties></bpmn:extensionElements>"""


def waiting_then_review(timer: str) -> ParsedProcess:
    """start → 公示 (an intermediate timer) → 审核 (a user task)."""
    return parse_process(
        f"""{HEADER}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet><bpmn:lane id="l" name="department"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="publicity" name="公示"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>{timer}</bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="review" name="审核">{FORM}<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="publicity" />
    <bpmn:sequenceFlow id="f2" sourceRef="publicity" targetRef="review" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>""",
        "timer.bpmn",
        KNOWN_LANES,
    )


ESCALATION = parse_process(
    f"""{HEADER}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet>
      <bpmn:lane id="l1" name="department"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l2" name="command"><bpmn:flowNodeRef>supervise</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审核">{FORM}<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="overdue" name="审核超期" attachedToRef="review" cancelActivity="true">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P" + str(review_days) + "D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="supervise" name="督办">{FORM}<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="reviewed"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="supervised"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="reviewed" />
    <bpmn:sequenceFlow id="f3" sourceRef="overdue" targetRef="supervise" />
    <bpmn:sequenceFlow id="f4" sourceRef="supervise" targetRef="supervised" />
  </bpmn:process>
</bpmn:definitions>""",
    "escalation.bpmn",
    KNOWN_LANES,
)


def names(step: StepResult) -> list[str]:
    return [task.name for task in step.ready_tasks]


# A clock years before and years after the wall clock: neither may leak into timers.
@pytest.mark.parametrize("start", [datetime(2019, 3, 1, 2, tzinfo=UTC), datetime(2041, 3, 1, 2, tzinfo=UTC)])
def test_a_duration_timer_fires_on_the_injected_clock_and_only_in_the_workers_step(start: datetime) -> None:
    process = waiting_then_review('<bpmn:timeDuration>"P7D"</bpmn:timeDuration>')
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
    process = waiting_then_review("<bpmn:timeDate>2026-10-08T09:00:00</bpmn:timeDate>")
    step = ProcessRuntime(clock=Clock(datetime(2026, 9, 30, tzinfo=UTC))).start("k", process.spec_json, {})
    (timer,) = step.timers
    assert timer.fires_at == datetime(2026, 10, 8, 1, 0, tzinfo=UTC)


def test_a_date_from_case_data_goes_through_the_restricted_evaluator() -> None:
    process = waiting_then_review("<bpmn:timeDate>hearing_date</bpmn:timeDate>")
    runtime = ProcessRuntime(clock=Clock(datetime(2026, 9, 30, tzinfo=UTC)))
    step = runtime.start("k", process.spec_json, {"hearing_date": "2026-10-09"})
    (timer,) = step.timers
    assert timer.fires_at == datetime(2026, 10, 8, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "incident"),
    [
        ("<bpmn:timeDuration>P7X</bpmn:timeDuration>", "公示: 定时器时间无效: P7X"),
        ('<bpmn:timeDuration>"七天"</bpmn:timeDuration>', '公示: 定时器时间无效: "七天"'),
        ("<bpmn:timeDuration>__import__('os').getcwd()</bpmn:timeDuration>", "公示: 脚本被拒绝"),
    ],
)
def test_a_bad_timer_expression_is_an_incident_naming_the_element(expression: str, incident: str) -> None:
    process = waiting_then_review(expression)
    step = ProcessRuntime().start("k", process.spec_json, {})
    assert step.incident is not None
    assert step.incident.startswith(incident)
    assert not step.completed


def test_a_repeating_timer_fires_each_due_repetition_once() -> None:
    process = parse_process(
        f"""{HEADER}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet><bpmn:lane id="l" name="command"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>remind</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="处置">{FORM}<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="daily" name="每日提醒" attachedToRef="review" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeCycle>R2/P1D</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="remind" name="催办">{FORM}<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="e1"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e1" />
    <bpmn:sequenceFlow id="f3" sourceRef="daily" targetRef="remind" />
    <bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="e2" />
  </bpmn:process>
</bpmn:definitions>""",
        "cycle.bpmn",
        KNOWN_LANES,
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

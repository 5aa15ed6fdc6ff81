"""Loops at engine level: a case may go round 补正, a joint review or 督办 hundreds of times without its
stored state growing or the engine losing its next task, and a workflow left with nothing to do is an
incident, never a silent stop."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.bpmn import Process, parsed
from tests.support.clock import Clock
from workflow_service.engine import runtime as runtime_module
from workflow_service.engine.definitions import ParsedProcess
from workflow_service.engine.runtime import STALLED, ProcessRuntime, StepResult

FORM = "loop_test/note.json"
# SpiffWorkflow's task iterator stops at depth 1,000; 补正 went 5 tasks deeper each round.
ROUNDS_PAST_THE_OLD_STALL = 250

# start → 受理 → 是否受理: 补正 (补正材料收取, then back to 受理) or, by default, the end.
SUPPLEMENT_LOOP = parsed(
    Process("loop_test", lane="window")
    .start()
    .gateway("acceptance_merge")
    .user_task("acceptance", "受理", form=FORM)
    .gateway("acceptance_gateway", "是否受理", default="end")
    .user_task("supplement", "补正材料收取", form=FORM, condition='decision == "supplement"')
    .flow("supplement", "acceptance_merge")
    .end(after="acceptance_gateway")
    .xml()
)

# Two departments review side by side, as often as the lead department asks for another round.
JOINT_REVIEW_LOOP = parsed(
    Process("joint_review", lane="department")
    .start()
    .gateway("again_merge")
    .gateway("fork", parallel=True)
    .user_task("review_a", "联审甲", form=FORM)
    .gateway("join", parallel=True)
    .gateway("again", "再审", default="end")
    .flow("again", "again_merge", condition='decision == "again"')
    .end(after="again")
    .user_task("review_b", "联审乙", form=FORM, after="fork")
    .flow("review_b", "join")
    .xml()
)

# 审核 with a one-day boundary timer: overdue, it goes to 督办, which sends it back to 审核.
SUPERVISION_LOOP = parsed(
    Process("supervision", lane="department")
    .start()
    .gateway("review_merge")
    .user_task("review", "审核", form=FORM)
    .end("reviewed")
    .boundary_timer("overdue", "审核超期", attached_to="review", duration='"P1D"')
    .user_task("supervise", "督办", lane="command", form=FORM)
    .flow("supervise", "review_merge")
    .xml()
)


# An embedded sub-process (内审: 核对) repeated while the decision is "again"; the builder draws
# no sub-processes, so it is written out.
SUBPROCESS_LOOP = parsed(
    """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="definitions" targetNamespace="tests">
  <bpmn:process id="sub_loop" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_department" name="department">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>merge</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>inner</bpmn:flowNodeRef><bpmn:flowNodeRef>again</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="merge"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:subProcess id="inner" name="内审"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:startEvent id="inner_start"><bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="check" name="核对"><bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="loop_test/note.json" /></spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="inner_end"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="inner_start" targetRef="check" />
      <bpmn:sequenceFlow id="s2" sourceRef="check" targetRef="inner_end" />
    </bpmn:subProcess>
    <bpmn:exclusiveGateway id="again" default="f5"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge" />
    <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="inner" />
    <bpmn:sequenceFlow id="f3" sourceRef="inner" targetRef="again" />
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="merge"><bpmn:conditionExpression>decision == "again"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="again" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
)


def only_ready(step: StepResult) -> str:
    assert step.incident is None
    (task,) = step.ready_tasks
    return task.id


def stored_tasks(step: StepResult) -> int:
    return len(json.loads(step.state)["tasks"])


def supplement_rounds(runtime: ProcessRuntime, step: StepResult, rounds: int) -> list[StepResult]:
    """Send the case to 补正 and back ``rounds`` times; the step at the end of each round."""
    process = SUPPLEMENT_LOOP.spec_json
    after_each = []
    for _ in range(rounds):
        assert [task.bpmn_id for task in step.ready_tasks] == ["acceptance"]
        step = runtime.complete_task("k", process, step.state, only_ready(step), {"decision": "supplement"})
        assert [task.bpmn_id for task in step.ready_tasks] == ["supplement"]
        step = runtime.complete_task("k", process, step.state, only_ready(step), {})
        after_each.append(step)
    return after_each


def assert_bounded(after_each: list[StepResult]) -> None:
    """From the third round on, the stored state is as large as in the third (give or take a timestamp)."""
    sizes = [len(step.state) for step in after_each[2:]]
    assert max(sizes) - min(sizes) < 50, (min(sizes), max(sizes))
    assert {stored_tasks(step) for step in after_each[2:]} == {stored_tasks(after_each[2])}


def test_a_supplement_loop_runs_past_the_depth_where_it_stalled_and_its_state_does_not_grow() -> None:
    runtime = ProcessRuntime()
    step = runtime.start("k", SUPPLEMENT_LOOP.spec_json, {"business_name": "测试店"})
    after_each = supplement_rounds(runtime, step, ROUNDS_PAST_THE_OLD_STALL)
    assert_bounded(after_each)
    last = after_each[-1]
    # The data of every round is still there, and the case leaves the loop and ends.
    done = runtime.complete_task(
        "k", SUPPLEMENT_LOOP.spec_json, last.state, only_ready(last), {"decision": "ok"}
    )
    assert done.completed
    assert done.incident is None
    assert done.data["business_name"] == "测试店"
    assert done.data["decision"] == "ok"


def test_the_diagram_still_shows_what_pruned_rounds_passed() -> None:
    runtime = ProcessRuntime()
    step = runtime.start("k", SUPPLEMENT_LOOP.spec_json, {})
    last = supplement_rounds(runtime, step, 3)[-1]
    assert runtime.completed_elements("k", SUPPLEMENT_LOOP.spec_json, last.state) == (
        "start",
        "acceptance_merge",
        "acceptance",
        "acceptance_gateway",
        "supplement",
    )


def test_a_state_stored_deep_before_pruning_existed_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as unpruned:
        unpruned.setattr(runtime_module, "prune", lambda workflow: 0)
        runtime = ProcessRuntime()
        step = runtime.start("k", SUPPLEMENT_LOOP.spec_json, {})
        deep = supplement_rounds(runtime, step, 40)[-1]
    assert stored_tasks(deep) > 160
    after_each = supplement_rounds(ProcessRuntime(), deep, 10)
    assert stored_tasks(after_each[-1]) < 20
    assert_bounded(after_each)


def test_a_joint_review_loop_joins_each_round_and_its_state_does_not_grow() -> None:
    runtime = ProcessRuntime()
    process = JOINT_REVIEW_LOOP.spec_json
    step = runtime.start("k", process, {})
    after_each = []
    for _ in range(200):
        first, second = sorted(step.ready_tasks, key=lambda task: task.bpmn_id)
        assert (first.bpmn_id, second.bpmn_id) == ("review_a", "review_b")
        step = runtime.complete_task("k", process, step.state, second.id, {"decision": "again"})
        # The join waits for the other review.
        assert [task.bpmn_id for task in step.ready_tasks] == ["review_a"]
        step = runtime.complete_task("k", process, step.state, first.id, {"decision": "again"})
        after_each.append(step)
    assert_bounded(after_each)
    first, second = step.ready_tasks
    step = runtime.complete_task("k", process, step.state, first.id, {"decision": "done"})
    step = runtime.complete_task("k", process, step.state, second.id, {"decision": "done"})
    assert step.completed


def test_a_supervision_loop_on_a_boundary_timer_runs_200_rounds_and_its_state_does_not_grow() -> None:
    clock = Clock(datetime(2026, 12, 1, 2, tzinfo=UTC))
    runtime = ProcessRuntime(clock=clock)
    process = SUPERVISION_LOOP.spec_json
    step = runtime.start("k", process, {})
    after_each = []
    for _ in range(200):
        assert [task.bpmn_id for task in step.ready_tasks] == ["review"]
        (timer,) = step.timers
        clock.at = timer.fires_at + timedelta(minutes=1)
        step = runtime.fire_due_timers("k", process, step.state)
        assert [task.bpmn_id for task in step.ready_tasks] == ["supervise"]
        step = runtime.complete_task("k", process, step.state, only_ready(step), {})
        after_each.append(step)
    assert_bounded(after_each)
    done = runtime.complete_task("k", process, step.state, only_ready(step), {})
    assert done.completed
    assert done.timers == ()


def test_a_loop_round_a_sub_process_keeps_one_sub_workflow_and_a_bounded_state() -> None:
    runtime = ProcessRuntime()
    process = SUBPROCESS_LOOP.spec_json
    step = runtime.start("k", process, {})
    after_each = []
    for _ in range(250):
        assert [task.bpmn_id for task in step.ready_tasks] == ["check"]
        step = runtime.complete_task("k", process, step.state, only_ready(step), {"decision": "again"})
        after_each.append(step)
    assert_bounded(after_each)
    assert len(json.loads(step.state)["subprocesses"]) == 1
    done = runtime.complete_task("k", process, step.state, only_ready(step), {"decision": "done"})
    assert done.completed
    assert set(runtime.completed_elements("k", process, done.state)) >= {"inner", "check", "again", "end"}


def deadlocked_join() -> ParsedProcess:
    """A parallel join one of whose branches may end before it: then the join waits for ever."""
    return parsed(
        Process("deadlock", lane="window")
        .start()
        .gateway("fork", parallel=True)
        .user_task("check", "核对", form=FORM)
        .gateway("join", parallel=True)
        .end()
        .gateway("shortcut", "是否补查", default="early_end", after="fork")
        .flow("shortcut", "join", condition="extra_check")
        .end("early_end", after="shortcut")
        .xml()
    )


def test_a_workflow_left_with_nothing_to_do_or_wait_for_is_an_incident() -> None:
    process = deadlocked_join()
    runtime = ProcessRuntime()
    step = runtime.start("k", process.spec_json, {"extra_check": False})
    assert step.incident is None
    done = runtime.complete_task("k", process.spec_json, step.state, only_ready(step), {})
    assert not done.completed
    assert done.ready_tasks == ()
    assert done.timers == ()
    assert done.incident == f"核对: {STALLED}"


def test_a_workflow_waiting_on_a_timer_is_not_stalled() -> None:
    publicity = parsed(
        Process("publicity", lane="window").start().timer("wait", "公示", duration='"P7D"').end().xml()
    )
    step = ProcessRuntime(clock=Clock(datetime(2026, 12, 1, 2, tzinfo=UTC))).start(
        "k", publicity.spec_json, {}
    )
    assert step.ready_tasks == ()
    assert len(step.timers) == 1
    assert step.incident is None

"""The engine alone: parsing, running with a save/restore at every step, and the script sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import api
from tests.support.bpmn import parsed, scripted
from workflow_service.config import PROJECT_ROOT
from workflow_service.engine import runtime as runtime_module
from workflow_service.engine.definitions import ParsedProcess
from workflow_service.engine.runtime import ProcessRuntime, TaskNotReady
from workflow_service.errors import InvalidProcessDefinition

REGISTRATION = PROJECT_ROOT / "bpmn" / "individual_business_registration.bpmn"
# What registration sets for a walk-in case: the item sends only online applications through 预审.
WALK_IN = {"pre_review": False}


@pytest.fixture(scope="module")
def registration() -> ParsedProcess:
    return parsed(Path(REGISTRATION).read_text(encoding="utf-8"), REGISTRATION.name)


def test_registration_process_is_read_with_lanes_forms_and_status_marks(registration: ParsedProcess) -> None:
    assert registration.key == "individual_business_registration"
    assert registration.name == "个体工商户设立登记"
    assert [(t.name, t.lane) for t in registration.user_tasks] == [
        ("预审", "window"),
        ("受理", "window"),
        ("审核", "department"),
        ("出件", "window"),
        ("退回补正材料收取", "window"),
        ("补正材料收取", "window"),
        ("预审补正", "window"),
    ]
    assert registration.start_form_key == "individual_business_registration/application.json"
    assert registration.status_marks["end_issued"] == "issued"


def test_a_case_runs_to_its_end_restoring_state_at_every_wait(registration: ParsedProcess) -> None:
    runtime = ProcessRuntime()
    step = runtime.start("v1", registration.spec_json, {**WALK_IN, "business_name": "测试店"})
    assert [t.bpmn_id for t in step.ready_tasks] == ["acceptance"]
    assert step.statuses_reached == ("submitted",)
    # A second runtime (as after a restart) continues from the serialized state alone.
    restarted = ProcessRuntime()
    assert restarted.ready_tasks("v1", registration.spec_json, step.state) == step.ready_tasks
    step = restarted.complete_task(
        "v1", registration.spec_json, step.state, step.ready_tasks[0].id, {"acceptance_decision": "accept"}
    )
    assert step.statuses_reached == ("accepted", "under_review")
    assert [(t.bpmn_id, t.lane) for t in step.ready_tasks] == [("review", "department")]
    step = ProcessRuntime().complete_task(
        "v1",
        registration.spec_json,
        step.state,
        step.ready_tasks[0].id,
        {"review_decision": "approve", "review_opinion": "同意"},
    )
    assert step.statuses_reached == ("approved",)
    step = runtime.complete_task(
        "v1",
        registration.spec_json,
        step.state,
        step.ready_tasks[0].id,
        {"delivery_method": "mail", "tracking_number": "SF12345678"},
    )
    assert step.completed
    assert step.ready_tasks == ()
    assert step.statuses_reached == ("issued",)


def test_stored_state_does_not_repeat_the_process_spec(registration: ParsedProcess) -> None:
    step = ProcessRuntime().start("v1", registration.spec_json, WALK_IN)
    state = json.loads(step.state)
    assert "spec" not in state
    assert len(step.state) < len(registration.spec_json)


# The application of bench/engine_bench.py: a realistic amount of Chinese text in the case's data.
APPLICATION = {**api.APPLICATION, "applicant": dict(api.APPLICANT), **WALK_IN}
STEPS = {
    "acceptance": {"acceptance_decision": "accept"},
    "review": {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"},
    "issuance": {"delivery_method": "mail", "tracking_number": "SF1234567890"},
}


def test_an_open_case_stores_at_most_4_kb_of_workflow_state(registration: ParsedProcess) -> None:
    runtime = ProcessRuntime()
    step = runtime.start("v1", registration.spec_json, APPLICATION)
    sizes = []
    while step.ready_tasks:
        sizes.append(len(step.state.encode()))
        task = step.ready_tasks[0]
        step = runtime.complete_task("v1", registration.spec_json, step.state, task.id, STEPS[task.bpmn_id])
    assert step.completed
    assert len(sizes) == 3
    assert max(sizes) <= 4096, sizes
    assert "张三" in step.state  # UTF-8, not \\u escapes


def test_a_state_stored_in_full_before_it_was_compacted_goes_on(
    registration: ParsedProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as full:
        full.setattr(runtime_module, "compact", lambda dct: dct)
        full.setattr(runtime_module, "dumps", lambda dct, encoder: json.dumps(dct, cls=encoder))
        stored = ProcessRuntime().start("v1", registration.spec_json, APPLICATION)
    assert '"typename": "Task"' in stored.state
    runtime = ProcessRuntime()
    step = runtime.complete_task(
        "v1", registration.spec_json, stored.state, stored.ready_tasks[0].id, STEPS["acceptance"]
    )
    assert [task.bpmn_id for task in step.ready_tasks] == ["review"]
    assert len(step.state) < len(stored.state)
    review = runtime.complete_task(
        "v1", registration.spec_json, step.state, step.ready_tasks[0].id, STEPS["review"]
    )
    done = runtime.complete_task(
        "v1", registration.spec_json, review.state, review.ready_tasks[0].id, STEPS["issuance"]
    )
    assert done.completed
    assert done.data["business_name"] == "东阳市吴宁张三小吃店"
    assert done.data["acceptance_decision"] == "accept"


def test_only_ready_user_tasks_can_be_completed(registration: ParsedProcess) -> None:
    runtime = ProcessRuntime()
    step = runtime.start("v1", registration.spec_json, WALK_IN)
    tasks = json.loads(step.state)["tasks"]
    # 补正材料收取 is predicted (it may come next) but not ready.
    future_task = next(task_id for task_id, task in tasks.items() if task["task_spec"] == "supplement")
    with pytest.raises(TaskNotReady):
        runtime.complete_task("v1", registration.spec_json, step.state, future_task, {})
    for bad_id in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(TaskNotReady):
            runtime.complete_task("v1", registration.spec_json, step.state, bad_id, {})
    done = runtime.complete_task(
        "v1", registration.spec_json, step.state, step.ready_tasks[0].id, {"acceptance_decision": "accept"}
    )
    with pytest.raises(TaskNotReady):
        runtime.complete_task(
            "v1",
            registration.spec_json,
            done.state,
            step.ready_tasks[0].id,
            {"acceptance_decision": "accept"},
        )


def run_script(script: str, data: dict, condition: str = "fee > 100") -> tuple:
    process = parsed(scripted(script, condition))
    step = ProcessRuntime().start(process.spec_json[:16], process.spec_json, data)
    return step.statuses_reached, step.incident, step.completed


@pytest.mark.parametrize(("capital", "outcome"), [(80, ("approved",)), (20, ("refused",))])
def test_scripts_and_conditions_compute_on_task_data(capital: int, outcome: tuple) -> None:
    script = "rates = [1, 2]\nfee = capital * rates[1] + sum(x for x in range(3))"
    assert run_script(script, {"capital": capital}) == (outcome, None, True)


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("import os\nfee = 1", "脚本不允许 import"),
        ("from os import path\nfee = 1", "脚本不允许 import"),
        ("fee = __import__('os').getpid()", '"__import__" is an invalid variable name'),
        ("fee = ().__class__.__base__.__subclasses__()", '"__class__" is an invalid attribute name'),
        ("fee = getattr((), '__class__')", "name 'getattr' is not defined"),
        ("fee = open('/etc/hostname').read()", "name 'open' is not defined"),
        ("fee = eval('1 + 1')", "Eval calls are not allowed"),
        ("while True:\n    pass", "脚本不允许 while 循环"),
        ("fee = len(range(10 ** 9))", "range() 最多 10000 项"),
        ("fee = capital.__class__", '"__class__" is an invalid attribute name'),
    ],
)
def test_forbidden_scripts_become_an_incident_not_code_execution(script: str, reason: str) -> None:
    statuses, incident, completed = run_script(script, {"capital": 1})
    assert not completed
    assert statuses == ()
    assert incident is not None
    assert incident.startswith("计算: ")
    assert reason in incident


def test_forbidden_condition_becomes_an_incident() -> None:
    statuses, incident, completed = run_script("fee = 1", {}, condition="().__class__.__bases__ == 1")
    assert (statuses, completed) == ((), False)
    assert incident.startswith("gate: 脚本被拒绝")
    assert '"__class__" is an invalid attribute name' in incident


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<not-bpmn", "不是合法的 XML"),
        (
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><bpmn:definitions '
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">&x;</bpmn:definitions>',
            "DOCTYPE",
        ),
    ],
)
def test_unsafe_or_broken_xml_is_refused(xml: str, message: str) -> None:
    with pytest.raises(InvalidProcessDefinition) as refused:
        parsed(xml)
    assert message in refused.value.detail


def test_user_task_needs_a_known_lane_and_a_form() -> None:
    xml = Path(REGISTRATION).read_text(encoding="utf-8").replace('name="department"', 'name="back_office"')
    with pytest.raises(InvalidProcessDefinition) as refused:
        parsed(xml)
    assert "review" in refused.value.errors

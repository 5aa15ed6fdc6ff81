"""Validation before deploy (POST /api/v1/process-definitions/validate): one failing example per rule,
each error at the element the modeler highlights; a deploy refused by it stores nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.api import ApiClient
from tests.support.bpmn import Process, standard_loop
from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db
from workflow_service.models import ProcessDefinition

NOTE = {"type": "object", "properties": {"note": {"type": "string"}, "decision": {"type": "string"}}}
FORMS = {"v/note.json": NOTE}


def validate(client: ApiClient, xml: str, forms: dict[str, Any] | None = None) -> Any:
    """The report of ``xml`` sent with ``forms`` (form key → schema, or text as it stands)."""
    parts: dict[str, Any] = {"bpmn": (io.BytesIO(xml.encode()), "test.bpmn")}
    for key, schema in (FORMS if forms is None else forms).items():
        text = schema if isinstance(schema, str) else json.dumps(schema)
        parts[key] = (io.BytesIO(text.encode()), key.rsplit("/", 1)[-1])
    answer = client.post(
        "/api/v1/process-definitions/validate", "analyst", data=parts, content_type="multipart/form-data"
    )
    assert answer.status_code == 200, answer.json
    return answer.json


def errors(report: dict[str, Any]) -> set[tuple[str, str]]:
    """(element id, rule) of each error."""
    assert report["valid"] is False
    return {(error["element_id"], error["rule"]) for error in report["errors"]}


def simple(**task: Any) -> Process:
    """start → 核对 (window, the note form) → end, with ``task`` overriding the task's arguments."""
    arguments: dict[str, Any] = {"form": "v/note.json", **task}
    return Process("v", "校验", lane="window").start().user_task("check", "核对", **arguments)


def test_a_sound_process_is_valid(client: ApiClient) -> None:
    report = validate(client, simple().end().xml())
    assert report == {"valid": True, "errors": [], "warnings": [], "key": "v", "name": "校验"}


def test_forms_may_come_as_plain_fields(client: ApiClient) -> None:
    xml = simple().end().xml()
    parts = {"bpmn": (io.BytesIO(xml.encode()), "v.bpmn"), "v/note.json": json.dumps(NOTE)}
    answer = client.post(
        "/api/v1/process-definitions/validate", "analyst", data=parts, content_type="multipart/form-data"
    )
    assert answer.json["valid"] is True


def test_the_services_of_this_repository_are_valid(client: ApiClient) -> None:
    xml = (PROJECT_ROOT / "bpmn" / "rural_housing_construction.bpmn").read_text(encoding="utf-8")
    forms = {
        f"rural_housing_construction/{path.name}": path.read_text(encoding="utf-8")
        for path in (PROJECT_ROOT / "forms" / "rural_housing_construction").glob("*.json")
    }
    assert validate(client, xml, forms)["errors"] == []


def test_one_executable_process(client: ApiClient) -> None:
    xml = simple().end().xml().replace('isExecutable="true"', 'isExecutable="false"')
    assert errors(validate(client, xml)) == {("v", "one-executable-process")}


def test_the_engine_parses_it(client: ApiClient) -> None:
    # Valid XML the BPMN schema refuses: the error is placed at the element on that line.
    xml = (
        simple()
        .end()
        .xml()
        .replace('<bpmn:userTask id="check"', '<bpmn:userTask id="check" isForCompensation="maybe"')
    )
    assert errors(validate(client, xml)) == {("check", "engine-parses")}


def test_user_tasks_lie_in_a_lane_the_router_knows(client: ApiClient) -> None:
    report = validate(client, simple(lane="back_office").end().xml())
    assert errors(report) == {("check", "user-task-lane")}
    assert "back_office" in report["errors"][0]["message"]


def test_department_type_only_on_department_tasks(client: ApiClient) -> None:
    xml = simple(properties={"departmentType": "housing"}).end().xml()
    assert errors(validate(client, xml)) == {("check", "department-type")}


def test_the_start_event_lies_in_a_registering_lane(client: ApiClient) -> None:
    xml = (
        Process("v", lane="window")
        .start(lane="township")
        .user_task("check", "核对", form="v/note.json")
        .end()
        .xml()
    )
    assert ("start", "start-lane") in errors(validate(client, xml))


@pytest.mark.parametrize(
    ("form", "forms", "says"),
    [
        (None, FORMS, "须指定表单"),
        ("v/missing.json", FORMS, "不存在"),
        ("v/note.json", {"v/note.json": {"type": "objekt"}}, "draft-07"),
        ("v/note.json", {"v/note.json": "{not json"}, "不是合法的 JSON"),
    ],
    ids=["no form", "missing", "not draft-07", "not JSON"],
)
def test_user_tasks_have_a_form_that_exists_and_is_draft_07(
    client: ApiClient, form: str | None, forms: dict[str, Any], says: str
) -> None:
    report = validate(client, simple(form=form).end().xml(), forms)
    assert errors(report) == {("check", "user-task-form")}
    assert says in report["errors"][0]["message"]


def test_township_tasks_name_a_known_responsibility_item(client: ApiClient) -> None:
    xml = simple(lane="township").end().xml()
    assert errors(validate(client, xml)) == {("check", "responsibility-item")}
    named = simple(lane="township", properties={"responsibilityItem": "SP-999"}).end().xml()
    assert errors(validate(client, named)) == {("check", "responsibility-item")}


def test_exclusive_gateways_have_conditions_or_a_default(client: ApiClient) -> None:
    xml = (
        simple()
        .gateway("choice", "是否通过")
        .end("yes", condition='decision == "yes"')
        .end("no", after="choice")
        .xml()
    )
    report = validate(client, xml)
    # SpiffWorkflow refuses the flow too; the rule names the gateway and its bare way out.
    assert ("choice", "gateway-conditions") in errors(report)
    with_default = (
        simple()
        .gateway("choice", default="no")
        .end("yes", condition='decision == "yes"')
        .end("no", after="choice")
    )
    assert validate(client, with_default.xml())["valid"] is True


def test_status_marks_name_known_statuses(client: ApiClient) -> None:
    xml = simple(status="granted").end().xml()
    assert errors(validate(client, xml)) == {("check", "status-mark")}


def test_status_marks_follow_the_allowed_transitions_along_every_path(client: ApiClient) -> None:
    # One way is fine (accepted → approved); the other issues a case nobody decided on.
    xml = (
        simple(status="accepted")
        .gateway("choice", default="skip")
        .end("approved", status="approved", condition='decision == "yes"')
        .mark("skip", "submitted", after="choice")
        .end("issued", status="issued")
        .xml()
    )
    report = validate(client, xml)
    assert ("skip", "status-transition") in errors(report)


@pytest.mark.parametrize(
    "script",
    ["import os\nx = 1", "x = ().__class__", "x = open('/etc/passwd').read()", "x = eval('1')"],
    ids=["import", "dunder", "open", "eval"],
)
def test_scripts_compile_under_the_restricted_evaluator(client: ApiClient, script: str) -> None:
    xml = simple().script_task("compute", "计算", script).end().xml()
    assert ("compute", "script-refused") in errors(validate(client, xml))


def test_a_condition_that_does_not_compile_names_its_flow(client: ApiClient) -> None:
    # Camunda Modeler writes ${…} expressions (JUEL), which this engine cannot run.
    xml = (
        simple()
        .gateway("choice", default="no")
        .end("yes", condition="${approved}")
        .end("no", after="choice")
        .xml()
    )
    report = validate(client, xml)
    assert errors(report) == {("f3", "script-refused")}  # f3: the flow from 是否 to yes


def test_scripts_and_conditions_read_only_fields_the_forms_define(client: ApiClient) -> None:
    xml = (
        simple()
        .script_task("compute", "计算", "total = fee * 2")
        .gateway("choice", default="no")
        .end("yes", condition='colour == "red" and total > 1 and decision == "yes" and applicant')
        .end("no", after="choice")
        .xml()
    )
    report = validate(client, xml)
    # fee: no form has it; colour likewise; total a script sets; decision the form's; applicant case data.
    assert errors(report) == {("compute", "unknown-field"), ("f4", "unknown-field")}
    assert sorted(error["message"].split(" ")[0] for error in report["errors"]) == ["colour", "fee"]


@pytest.mark.parametrize(
    ("kind", "value"),
    [("duration", '"七天"'), ("duration", "P7X"), ("date", '"2026-13-45"'), ("cycle", '"P1D"')],
)
def test_timers_parse(client: ApiClient, kind: str, value: str) -> None:
    xml = simple().timer("wait", "公示", **{kind: value}).end().xml()
    assert errors(validate(client, xml)) == {("wait", "timer")}


def test_a_timer_over_case_data_is_a_warning(client: ApiClient) -> None:
    form = {"type": "object", "properties": {"days": {"type": "integer"}}}
    xml = simple().timer("wait", "公示", duration='"P" + str(days) + "D"').end().xml()
    report = validate(client, xml, {"v/note.json": form})
    assert report["valid"] is True
    assert [(w["element_id"], w["rule"]) for w in report["warnings"]] == [("wait", "timer")]


def test_no_loop_marker_on_a_user_task(client: ApiClient) -> None:
    xml = (
        simple()
        .end()
        .xml()
        .replace("</bpmn:userTask>", standard_loop('decision == "again"') + "</bpmn:userTask>")
    )
    assert ("check", "loop-marker") in errors(validate(client, xml))


def test_a_loop_waits_somewhere(client: ApiClient) -> None:
    xml = (
        simple()
        .gateway("again")
        .script_task("count", "计数", "rounds = 1")
        .gateway("more", default="end")
        .end("end")
        .flow("more", "again", condition="rounds < 5")
        .xml()
    )
    assert errors(validate(client, xml)) == {("again", "loop-without-wait")}


def test_no_loop_inside_one_branch_of_a_parallel_fork(client: ApiClient) -> None:
    xml = (
        Process("v", lane="window")
        .start()
        .gateway("fork", parallel=True)
        .gateway("round")
        .user_task("a", "反复核对", form="v/note.json")
        .gateway("again", default="join")
        .gateway("join", parallel=True)
        .end()
        .user_task("b", "另一核对", form="v/note.json", after="fork")
        .flow("b", "join")
        .flow("again", "round", condition='decision == "again"')
        .xml()
    )
    assert errors(validate(client, xml)) == {("round", "loop-in-parallel-branch")}
    # The same loop around the whole fork and join is fine: each round starts from the fork.
    around = (
        Process("v", lane="window")
        .start()
        .gateway("round")
        .gateway("fork", parallel=True)
        .user_task("a", "核对", form="v/note.json")
        .gateway("join", parallel=True)
        .gateway("again", default="end")
        .end()
        .user_task("b", "另一核对", form="v/note.json", after="fork")
        .flow("b", "join")
        .flow("again", "round", condition='decision == "again"')
        .xml()
    )
    assert validate(client, around)["valid"] is True


def test_forms_carry_the_fields_the_step_effects_read(client: ApiClient) -> None:
    # Completing 核对 ends the case 不予受理, which needs a reason the note form does not have.
    xml = (
        Process("v", lane="window")
        .start(status="submitted")
        .user_task("check", "核对", form="v/note.json")
        .end(status="not_accepted")
        .xml()
    )
    report = validate(client, xml)
    assert errors(report) == {("check", "step-form-fields")}
    assert "result_reason" in report["errors"][0]["message"]


def test_a_deploy_that_fails_validation_is_422_naming_elements_and_stores_nothing(
    app: Flask, client: ApiClient
) -> None:
    with app.app_context():
        before = db.session.execute(select(func.count(ProcessDefinition.id))).scalar_one()
    xml = simple(lane="back_office").end().xml()
    parts = {
        "bpmn": (io.BytesIO(xml.encode()), "v.bpmn"),
        "v/note.json": (io.BytesIO(json.dumps(NOTE).encode()), "note.json"),
        "comment": "新增核对",
    }
    answer = client.post(
        "/api/v1/process-definitions", "analyst", data=parts, content_type="multipart/form-data"
    )
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert list(answer.json["errors"]) == ["check"]
    assert answer.json["validation_errors"][0]["rule"] == "user-task-lane"
    with app.app_context():
        assert db.session.execute(select(func.count(ProcessDefinition.id))).scalar_one() == before


def test_flask_deploy_runs_the_same_validation(
    app: Flask, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "forms" / "v").mkdir(parents=True)
    (tmp_path / "forms" / "v" / "note.json").write_text(json.dumps(NOTE), encoding="utf-8")
    (tmp_path / "bpmn" / "v.bpmn").write_text(
        simple().gateway("choice").end("a", condition="decision").end("b", after="choice").xml(),
        encoding="utf-8",
    )
    monkeypatch.setitem(app.config, "BPMN_FOLDER", str(tmp_path / "bpmn"))
    monkeypatch.setitem(app.config, "FORMS_FOLDER", str(tmp_path / "forms"))
    result = app.test_cli_runner().invoke(args=["deploy"])
    assert result.exit_code == 1
    assert "choice" in result.output and "既没有条件也不是默认出口" in result.output

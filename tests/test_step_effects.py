"""The step-effect table and deploy's check of the forms against the fields its rows read.

The table (services.work.step_effects) is read against the shipped processes: every row that reads
fields applies to some shipped task whose form has them, and every field a row triggered by a mark
reads sits on a task whose step can reach that mark. Deploy refuses a form that lacks a field a
row reads, or has it with another type or unknown values, naming the form, the task and the field.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from workflow_service.config import PROJECT_ROOT
from workflow_service.engine.definitions import ParsedProcess, parse_process
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.models import Case, Task
from workflow_service.services.closing.case_results import step_reason
from workflow_service.services.directory.routing import KNOWN_LANES
from workflow_service.services.process import step_effects
from workflow_service.services.process.deployment import deploy_process
from workflow_service.services.process.form_fields import REQUIRED_REASON, FieldFamily, FormField
from workflow_service.services.process.step_effects import Reaching, StepEffect, TaskReach
from workflow_service.services.process.step_forms import form_problems, task_reaches
from workflow_service.services.work.step_effects import STEP_EFFECTS

BPMN_FOLDER = PROJECT_ROOT / "bpmn"
FORMS = PROJECT_ROOT / "forms"
REGISTRATION = BPMN_FOLDER / "individual_business_registration.bpmn"


def _shipped() -> list[tuple[ParsedProcess, TaskReach, dict[str, Any]]]:
    """Every user task of the shipped processes, with its form's properties."""
    found = []
    for path in sorted(BPMN_FOLDER.glob("*.bpmn")):
        parsed = parse_process(path.read_text(encoding="utf-8"), path.name, KNOWN_LANES)
        for reach in task_reaches(parsed):
            assert reach.form_key is not None
            form = json.loads((FORMS / reach.form_key).read_text(encoding="utf-8"))
            found.append((parsed, reach, form.get("properties", {})))
    return found


SHIPPED = _shipped()


def _names(effects: list[StepEffect]) -> list[str]:
    return [effect.name for effect in effects]


def _effects_for(process_key: str, task_id: str) -> list[StepEffect]:
    (reach,) = [r for parsed, r, _ in SHIPPED if parsed.key == process_key and r.bpmn_id == task_id]
    return [effect for effect in STEP_EFFECTS if effect.when.may_apply(reach)]


def test_the_table_answers_what_completing_a_task_does() -> None:
    # 受理 leads to 补正, 受理 or 不予受理 (and on to the review, which does nothing of its own).
    assert _names(_effects_for("individual_business_registration", "acceptance")) == [
        "services.intake.acceptance.check_material_lists",
        "services.intake.acceptance.issue_supplement_notice",
        "services.intake.acceptance.defer_materials",
        "services.closing.closing.record_non_acceptance",
    ]
    assert _names(_effects_for("individual_business_registration", "review")) == [
        "services.intake.acceptance.refuse_decision_while_owed",
        "services.intake.acceptance.check_material_lists",
        "services.intake.acceptance.issue_supplement_notice",
        "services.intake.eligibility.refuse_grant_unless_eligible",
        "services.closing.closing.require_fee_settled",
        "services.closing.closing.record_grant",
        "services.closing.closing.issue_licence",
        "services.closing.closing.record_refusal",
    ]
    assert _names(_effects_for("individual_business_registration", "supplement")) == [
        "services.intake.acceptance.check_material_lists",
        "services.intake.acceptance.receive_supplement",
    ]
    assert _names(_effects_for("individual_business_registration", "issuance")) == [
        "services.intake.acceptance.check_material_lists",
        "services.closing.issuance.record_delivery",
    ]


def test_every_row_that_reads_fields_applies_to_a_shipped_form_that_has_them() -> None:
    for effect in STEP_EFFECTS:
        if not effect.reads:
            continue
        bound = [
            reach.form_key
            for _, reach, properties in SHIPPED
            if effect.when.may_apply(reach)
            and any(read.field.matches(name) for read in effect.reads for name in properties)
        ]
        assert bound, f"{effect.name} ({effect.when}) reads no field of any shipped form"


def test_every_field_a_mark_triggers_sits_on_a_task_that_can_reach_the_mark() -> None:
    # missing_materials on a form whose task never enters 补正, or delivery fields where 已出件
    # is out of reach, would be read by no one (or always refused).
    marked_reads = [
        (effect, read.field)
        for effect in STEP_EFFECTS
        if isinstance(effect.when, Reaching)
        for read in effect.reads
        if isinstance(read.field, FormField)
    ]
    by_field: dict[str, list[StepEffect]] = {}
    for effect, field in marked_reads:
        by_field.setdefault(field.name, []).append(effect)
    # The 补正 note is also an ordinary note of a 补正 step; only the lists and the delivery are particular.
    particular = {name: effects for name, effects in by_field.items() if name != "supplement_note"}
    stray = [
        f"{reach.form_key}: {name}"
        for _, reach, properties in SHIPPED
        for name in properties
        if name in particular and not any(effect.when.may_apply(reach) for effect in particular[name])
    ]
    assert not stray, stray


def test_every_mark_the_table_names_is_marked_in_a_shipped_process() -> None:
    marked = {mark for parsed, _, _ in SHIPPED for mark in parsed.status_marks.values()}
    for effect in STEP_EFFECTS:
        if isinstance(effect.when, Reaching):
            assert {status.value for status in effect.when.statuses} <= marked, effect.name


def test_the_shipped_forms_carry_every_field_the_table_reads() -> None:
    for path in sorted(BPMN_FOLDER.glob("*.bpmn")):
        parsed = parse_process(path.read_text(encoding="utf-8"), path.name, KNOWN_LANES)
        forms = {key: json.loads((FORMS / key).read_text(encoding="utf-8")) for key in parsed.form_keys}
        assert form_problems(parsed, forms, STEP_EFFECTS) == {}, path.name


def test_the_app_hands_deploy_the_table(app: Flask) -> None:
    with app.app_context():
        assert step_effects.installed() == STEP_EFFECTS


def test_deploy_looks_for_the_reason_where_the_result_takes_it_from() -> None:
    (family,) = {read.field for read in REQUIRED_REASON}
    assert isinstance(family, FieldFamily)
    case, task = Case(status_history=[]), Task(name="审核")
    for name in ("result_reason", "housing_refusal_reason", "review_opinion", "adjustment_decision_note"):
        assert family.matches(name), name
        assert step_reason(case, task, {name: "不符合条件"}) == "不符合条件", name
    assert not family.matches("review_decision")
    assert step_reason(case, task, {"review_decision": "refuse"}) is None


# Deploy refuses a broken form, naming the form, the task and the field.


@pytest.fixture
def forms_copy(tmp_path: Path) -> Path:
    shutil.copytree(FORMS, tmp_path / "forms")
    return tmp_path / "forms"


def _edit(forms: Path, key: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = forms / key
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")


def _refused(app: Flask, forms: Path, bpmn: Path = REGISTRATION) -> dict[str, list[str]]:
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(bpmn.read_text(encoding="utf-8"), bpmn.name, forms)
    assert "表单缺少服务读取的字段" in refused.value.detail
    assert refused.value.errors is not None
    return refused.value.errors


def _deploys(app: Flask, forms: Path, bpmn: Path = REGISTRATION) -> None:
    with app.app_context():
        assert deploy_process(bpmn.read_text(encoding="utf-8"), bpmn.name, forms).created


def _drop(*fields: str) -> Callable[[dict[str, Any]], None]:
    def change(schema: dict[str, Any]) -> None:
        for field in fields:
            del schema["properties"][field]
        schema["required"] = [name for name in schema.get("required", []) if name not in fields]
        conditions = [
            part
            for part in schema.pop("allOf", [])
            if not set(fields) & set(part["then"].get("required", []))
        ]
        if conditions:
            schema["allOf"] = conditions

    return change


def test_a_review_that_can_send_back_needs_the_missing_materials(app: Flask, forms_copy: Path) -> None:
    _edit(forms_copy, "individual_business_registration/review.json", _drop("missing_materials"))
    assert _refused(app, forms_copy) == {
        "review": ["任务 审核（review）进入 补正时：缺少字段 missing_materials（需补正的材料）"]
    }


def test_the_send_back_reason_is_needed_after_acceptance_only(app: Flask, forms_copy: Path) -> None:
    _edit(forms_copy, "individual_business_registration/acceptance.json", _drop("supplement_note"))
    _deploys(app, forms_copy)  # 受理's 补正 note is optional: the case was never accepted
    _edit(forms_copy, "individual_business_registration/review.json", _drop("supplement_note"))
    assert _refused(app, forms_copy) == {
        "review": ["任务 审核（review）进入 补正时：缺少字段 supplement_note（补正说明（退回补正的理由））"]
    }


def test_a_list_field_of_another_type_is_refused(app: Flask, forms_copy: Path) -> None:
    def as_text(schema: dict[str, Any]) -> None:
        schema["properties"]["missing_materials"] = {"type": "string", "title": "需补正的材料"}

    _edit(forms_copy, "individual_business_registration/acceptance.json", as_text)
    assert _refused(app, forms_copy) == {
        "acceptance": [
            "任务 受理（acceptance）完成时：字段 missing_materials（需补正的材料）的类型须为 array，表单为 string"
        ]
    }


def test_the_deferral_promise_goes_with_the_deferred_list(app: Flask, forms_copy: Path) -> None:
    acceptance = "individual_business_registration/acceptance.json"
    _edit(forms_copy, acceptance, _drop("deferral_promise"))
    assert _refused(app, forms_copy) == {
        "acceptance": [
            "任务 受理（acceptance）进入 受理时：缺少字段 deferral_promise（申请人已签署容缺受理承诺书）"
        ]
    }
    # A 受理 form without 容缺 at all is fine.
    _edit(forms_copy, acceptance, _drop("deferred_materials", "deferred_until"))
    _deploys(app, forms_copy)


def test_delivery_values_the_service_does_not_know_are_refused(app: Flask, forms_copy: Path) -> None:
    def courier(schema: dict[str, Any]) -> None:
        schema["properties"]["delivery_method"]["enum"].append("courier")

    _edit(forms_copy, "individual_business_registration/issuance.json", courier)
    assert _refused(app, forms_copy) == {
        "issuance": [
            "任务 出件（issuance）进入 已出件时：字段 delivery_method（送达方式）的取值 courier 服务不认识"
            "（可用：pickup / mail）"
        ]
    }


def test_each_delivery_choice_offered_needs_its_fields(app: Flask, forms_copy: Path) -> None:
    issuance = "individual_business_registration/issuance.json"
    _edit(forms_copy, issuance, _drop("tracking_number"))
    assert _refused(app, forms_copy) == {
        "issuance": ["任务 出件（issuance）进入 已出件时：缺少字段 tracking_number（邮件运单号）"]
    }

    def pickup_only(schema: dict[str, Any]) -> None:
        schema["properties"]["delivery_method"]["enum"] = ["pickup"]
        schema["properties"]["delivery_method"]["enumNames"] = ["窗口领取"]

    _edit(forms_copy, issuance, pickup_only)
    _deploys(app, forms_copy)


def test_an_instant_item_without_a_delivery_method_hands_over_to_a_recipient(
    app: Flask, forms_copy: Path
) -> None:
    card = BPMN_FOLDER / "senior_citizen_card.bpmn"
    _edit(forms_copy, "senior_citizen_card/handling.json", _drop("recipient_id_number"))
    assert _refused(app, forms_copy, card) == {
        "handling": [
            "任务 受理并发证（handling）进入 已出件时：缺少字段 recipient_id_number（领取人居民身份证号码）"
        ]
    }


def test_a_refusing_step_needs_a_reason_or_an_opinion(app: Flask, forms_copy: Path) -> None:
    adjustment = BPMN_FOLDER / "dispatched_staff_adjustment.bpmn"
    _edit(forms_copy, "dispatched_staff_adjustment/decision.json", _drop("adjustment_decision_note"))
    assert _refused(app, forms_copy, adjustment) == {
        "department_decision": [
            "任务 作出调整决定（department_decision）进入 办结-不予时："
            "缺少字段 result_reason / *_reason / *_opinion / *_note（理由或意见）"
        ]
    }


def _one_task_process(between: str) -> str:
    """start (submitted) → 核对 → [``between``] → end marked not_accepted, which needs a reason."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="step_forms_test" name="表单检查" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="window" name="window">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>wait</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="caseStatus" value="submitted" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="check" />
    <bpmn:userTask id="check" name="核对"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="check.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing></bpmn:userTask>
    {between}
    <bpmn:endEvent id="end"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="caseStatus" value="not_accepted" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


DIRECT = """<bpmn:intermediateThrowEvent id="wait" name="通过">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="check" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />"""
TIMER = """<bpmn:intermediateCatchEvent id="wait" name="等待">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="check" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />"""


def test_a_step_stops_at_a_timer_so_the_mark_behind_it_is_not_the_tasks(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "check.json").write_text(
        json.dumps({"type": "object", "properties": {"checked": {"type": "boolean"}}}), encoding="utf-8"
    )
    with app.app_context():
        with pytest.raises(InvalidProcessDefinition) as refused:
            deploy_process(_one_task_process(DIRECT), "step_forms_test.bpmn", tmp_path)
        assert refused.value.errors == {
            "check": [
                "任务 核对（check）进入 不予受理时：缺少字段 result_reason / *_reason / *_opinion / *_note（理由或意见）"
            ]
        }
        # Behind a timer the mark is reached when the timer fires, not by completing 核对.
        assert deploy_process(_one_task_process(TIMER), "step_forms_test.bpmn", tmp_path).created


def test_flask_deploy_refuses_a_broken_form(
    app: Flask, forms_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(forms_copy, "individual_business_registration/issuance.json", _drop("delivery_method"))
    _edit(forms_copy, "individual_business_registration/issuance.json", _drop("recipient_name"))
    monkeypatch.setitem(app.config, "FORMS_FOLDER", str(forms_copy))
    result = app.test_cli_runner().invoke(args=["deploy"])
    assert result.exit_code == 1
    assert "individual_business_registration.bpmn: 表单缺少服务读取的字段" in result.output
    assert "出件（issuance）" in result.output
    assert "缺少字段 recipient_name（领取人姓名）" in result.output

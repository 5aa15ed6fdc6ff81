"""The analyst workbench end to end in a real browser: an analyst adds a review step to the live
个体工商户设立登记 — drawn in the modeler, its properties set in the 一窗通办 panel, a new form with a
new field written in the forms editor — sees validation mark the step until its form is set, tries
the draft, deploys it with a comment; a new case takes the new step while a case started before keeps
the old flow, and that older case then moves to the new version after the migration dry run."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.api import WUNING
from tests.support.browser import people
from tests.support.live import Server
from tests.support.steps import ACCEPT, APPROVE, only_task
from tests.test_browser_forms_editor import editor_text, replace_text
from tests.test_browser_modeler import KEY, open_draft, panel_select, select

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live

STEP = "compliance_check"
STEP_NAME = "合规初审"
FORM = f"{KEY}/{STEP}.json"
MARKET_OFFICE = "东阳市市场监督管理局吴宁市场监管所"  # the demo clerk's township, 吴宁街道
# What the palette's drag would do: a user task dropped on 已受理 → merge's flow in the department
# lane (bpmn-js files it in the lane it lies in), the flow split around it.
DRAW = """
() => {
  const m = window.bpmnModeler;
  const registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const shape = m.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
  const task = modeling.createShape(shape, { x: 990, y: 520 }, registry.get('Participant_ibr'));
  modeling.reconnectEnd(registry.get('flow_accepted_merge'), task, { x: 940, y: 520 });
  modeling.connect(task, registry.get('review_merge'));
  m.get('selection').select(task);
  return task.id;
}
"""
NEW_FORM = {
    "type": "object",
    "title": STEP_NAME,
    "required": ["compliance_opinion"],
    "properties": {
        "compliance_opinion": {"type": "string", "title": "初审意见", "maxLength": 200},
    },
}


def current_names(server: Server, number: str) -> list[str]:
    return [task["name"] for task in server.api().case(number)["current_tasks"] if task["kind"] == "workflow"]


def complete(server: Server, number: str, name: str, user: str, data: dict) -> None:
    api = server.api()
    task = only_task(api, number, name, user)
    response = api.complete(task["id"], user, data)
    assert response.status_code == 200, response.json


def draw_the_step(page: Page) -> None:
    """The new user task, renamed through the panel (its id too, as the form's file name follows it)."""
    drawn = page.evaluate(DRAW)
    expect(page.locator(f".djs-element.selected[data-element-id='{drawn}']")).to_have_count(1)
    identity = page.locator("#bio-properties-panel-id")
    if not identity.is_visible():  # bpmn-js's General group starts folded
        page.locator("[data-group-id='group-general'] .bio-properties-panel-group-header").click()
    identity.fill(STEP)
    page.locator("#bio-properties-panel-name").fill(STEP_NAME)
    expect(page.locator(f".djs-element[data-element-id='{STEP}']")).to_have_count(1)
    select(page, STEP)
    # The panel knows the task is in the department lane: it offers the department type.
    expect(panel_select(page, "yiwang-department-type")).to_be_visible()


def test_an_analyst_adds_a_review_step_deploys_it_and_moves_an_older_case(
    people: object, server: Server
) -> None:
    older = server.api().start_case()  # registered on version 1, waiting at 受理

    analyst = people("analyst")  # type: ignore[operator]
    page = analyst.go("/processes")
    page = open_draft(analyst)
    draft_url = page.url
    draw_the_step(page)
    expect(page.locator(f".djs-element[data-element-id='{STEP}'] text")).to_contain_text(STEP_NAME)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("modeler-status")).to_have_text("已保存")

    # 校验: the step has no form yet; the finding names it and the diagram marks it.
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("校验未通过")
    finding = page.locator(f"[data-testid=finding][data-element-id={STEP}]")
    expect(finding.first).to_contain_text("表单")
    expect(page.locator(f".djs-element.validation-error[data-element-id='{STEP}']")).to_have_count(1)
    analyst.shot("workbench-validation")

    # The panel's 新建表单 opens the forms editor for the step's own form, in a tab of its own.
    select(page, STEP)
    with analyst.context.expect_page() as opened:  # type: ignore[attr-defined]
        page.locator("#properties").get_by_test_id("new-form").click()
    editor = opened.value
    expect(editor.locator("#form-preview[data-ready='1']")).to_be_attached()
    expect(editor.locator("h1")).to_contain_text(FORM)
    replace_text(editor, json.dumps(NEW_FORM, ensure_ascii=False, indent=2))
    opinion = editor.locator("#form-preview[data-ready='1']").get_by_label("初审意见")
    expect(opinion).to_be_visible()
    editor.get_by_test_id("save").click()
    expect(editor.get_by_test_id("editor-status")).to_have_text(re.compile(r"^已保存（草稿版本 \d+）$"))
    assert '"compliance_opinion"' in editor_text(editor)
    analyst.shot("workbench-form")
    editor.close()

    # Back in the modeler (reloaded: the draft moved on with the form) the form is offered; 校验 passes.
    page.goto(draft_url)
    expect(page.locator("#canvas[data-ready='1']")).to_be_attached()
    select(page, STEP)
    panel_select(page, "yiwang-form").select_option(FORM)  # type: ignore[attr-defined]
    expect(page.get_by_test_id("modeler-status")).to_contain_text("未保存")
    page.get_by_test_id("validate").click()  # saves first
    expect(page.get_by_test_id("modeler-status")).to_contain_text("校验通过")
    expect(page.locator(".djs-element.validation-error")).to_have_count(0)

    # 试运行: the new step reaches the township's market regulation office, no case written.
    page.get_by_test_id("try").click()
    expect(page.locator("h1")).to_contain_text("草稿")
    page.get_by_test_id("township").select_option(WUNING)
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("end")).to_contain_text("已出件")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "1")
    step = page.locator(f"[data-testid=step][data-element={STEP}]")
    expect(step).to_have_count(1)
    expect(step).to_contain_text(STEP_NAME)
    expect(step.get_by_test_id("organisation")).to_have_text(MARKET_OFFICE)
    expect(page.locator("tr.finding")).to_have_count(0)
    expect(page.locator(f"#diagram .djs-element.done[data-element-id='{STEP}']")).to_have_count(1)
    analyst.shot("workbench-try")

    # Deploy with a comment: version 2.
    page.goto(draft_url)
    expect(page.locator("#canvas[data-ready='1']")).to_be_attached()
    page.get_by_test_id("deploy-comment").fill("受理后增加合规初审")
    page.get_by_test_id("deploy").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("第 2 版")
    page.goto(analyst.server.base + "/processes")
    rows = page.locator(f"[data-testid=process][data-key={KEY}]").get_by_test_id("version-row")
    expect(rows.first).to_contain_text("第 2 版")
    expect(rows.first).to_contain_text("受理后增加合规初审")

    # A new case takes the new step, at the market regulation office; the older case keeps version 1.
    newer = server.api().start_case()
    complete(server, newer, "受理", "clerk", ACCEPT)
    new_step = only_task(server.api(), newer, STEP_NAME, "approver")
    assert new_step["lane"] == "department"
    assert new_step["organisation"]["name"] == MARKET_OFFICE
    complete(server, older, "受理", "clerk", ACCEPT)
    assert current_names(server, older) == ["审核"]
    assert server.api().case(older)["process"]["version"] == 1

    clerk = people("clerk")  # type: ignore[operator]
    clerk_page = clerk.go(f"/cases/{newer}")
    expect(clerk_page.get_by_text(STEP_NAME).first).to_be_visible()

    # The migration dry run lists the older case (at 审核, which version 2 still has in its lane).
    page = analyst.go(f"/processes/{KEY}/1")
    page.get_by_test_id("migrate").click()
    expect(page.get_by_test_id("movable")).to_contain_text(older)
    expect(page.get_by_test_id("not-movable")).not_to_contain_text(older)
    analyst.shot("workbench-migration-dry-run")
    page.get_by_test_id("start-migration").click()
    expect(page.get_by_test_id("migration-done")).to_be_visible()
    expect(page.get_by_test_id("migration-progress")).to_contain_text("已迁移 1 件，未迁移 0 件，共 1 件")

    # Moved, the older case goes on from 审核 in version 2.
    case = server.api().case(older)
    assert case["process"]["version"] == 2, case
    complete(server, older, "审核", "approver", APPROVE)
    assert current_names(server, older) == ["出件"]

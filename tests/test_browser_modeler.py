"""The analysts' modeler in a real browser: a draft from a deployed version, the diagram with the
bpmn.io watermark, the "一窗通办" properties saved and kept, validation marking the element it
refuses, and a deploy that the library then lists as the next version."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import people
from workflow_service.config import PROJECT_ROOT

__all__ = ["people"]  # the fixture, imported for pytest

KEY = "individual_business_registration"
# Every Content-Security-Policy violation the page reports (the bundle must need no eval, no inline script).
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
VENDOR = PROJECT_ROOT / "workflow_service" / "static" / "vendor" / "bpmn-modeler"


def open_draft(person: object) -> Page:
    """From the library, the analyst starts a draft of 个体工商户设立登记 and waits for its diagram."""
    page: Page = person.page  # type: ignore[attr-defined]
    page.locator(f"[data-testid=process][data-key={KEY}]").get_by_test_id("edit-draft").click()
    expect(page.locator("#canvas[data-ready='1']")).to_be_attached()
    return page


def select(page: Page, element_id: str) -> None:
    """Select an element as a click on it does (the palette may lie over a shape near the edge)."""
    page.evaluate(
        "id => { const m = window.bpmnModeler; m.get('selection').select(m.get('elementRegistry').get(id)); }",
        element_id,
    )
    expect(page.locator(f".djs-element.selected[data-element-id='{element_id}']")).to_have_count(1)


def panel_select(page: Page, entry: str) -> object:
    return page.locator(f"#bio-properties-panel-{entry}")


@pytest.mark.live
def test_an_analyst_edits_a_tasks_properties_saves_and_finds_them_after_a_reload(people: object) -> None:
    analyst = people("analyst")  # type: ignore[operator]
    analyst.context.add_init_script(WATCH_VIOLATIONS)
    page = open_draft(analyst)
    expect(page).to_have_url(re.compile(r"/processes/drafts/\d+$"))
    expect(page.locator(".djs-element[data-element-id='review']")).to_have_count(1)
    # bpmn-js's licence: the bpmn.io watermark stays visible.
    expect(page.locator(".bjs-powered-by")).to_be_visible()
    select(page, "review")
    expect(page.locator("#properties").get_by_text("一窗通办", exact=True)).to_be_visible()
    status = panel_select(page, "yiwang-case-status")
    expect(status).to_have_value("under_review")
    status.select_option("accepted")  # type: ignore[attr-defined]
    form = panel_select(page, "yiwang-form")
    form.select_option(f"{KEY}/acceptance.json")  # type: ignore[attr-defined]
    expect(page.get_by_test_id("modeler-status")).to_contain_text("未保存")
    analyst.shot("modeler-properties", "modeler-properties")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("modeler-status")).to_have_text("已保存")
    page.reload()
    expect(page.locator("#canvas[data-ready='1']")).to_be_attached()
    select(page, "review")
    expect(panel_select(page, "yiwang-case-status")).to_have_value("accepted")
    expect(panel_select(page, "yiwang-form")).to_have_value(f"{KEY}/acceptance.json")
    # The other spiffworkflow properties of the file are still there, unchanged.
    select(page, "start")
    expect(panel_select(page, "yiwang-case-status")).to_have_value("submitted")
    # A gateway's way out shows its condition, and a lane its role.
    select(page, "flow_accept")
    expect(page.locator("#bio-properties-panel-yiwang-condition")).to_have_value(
        'acceptance_decision == "accept"'
    )
    lane = page.evaluate(
        "() => window.bpmnModeler.get('elementRegistry').filter(e => e.type === 'bpmn:Lane')[0].id"
    )
    select(page, lane)
    expect(panel_select(page, "yiwang-lane-role")).to_have_value(re.compile("^(window|department)$"))
    assert page.evaluate("window.__violations") == []


@pytest.mark.live
def test_validation_marks_the_broken_element_and_a_fixed_draft_deploys_as_the_next_version(
    people: object,
) -> None:
    analyst = people("analyst")  # type: ignore[operator]
    page = open_draft(analyst)
    select(page, "review")
    panel_select(page, "yiwang-form").select_option("")  # type: ignore[attr-defined]
    # The linter (bpmnlint with our rules) marks the task at once, before any validation.
    overlay = page.locator(".djs-overlays[data-container-id='review'] .bjsl-overlay")
    expect(overlay).to_have_count(1)
    overlay.hover()
    expect(page.get_by_text("用户任务须指定表单")).to_be_visible()
    page.get_by_test_id("validate").click()  # saves first
    finding = page.locator("[data-testid=finding][data-element-id=review]")
    expect(finding.first).to_contain_text("表单")
    expect(page.locator(".djs-element.validation-error[data-element-id='review']")).to_have_count(1)
    analyst.shot("modeler-validation", "modeler-validation")
    # A deploy now is refused and changes nothing.
    page.get_by_test_id("deploy").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("校验未通过")
    select(page, "start")
    finding.first.get_by_role("button").click()
    expect(page.locator(".djs-element.selected[data-element-id='review']")).to_have_count(1)
    panel_select(page, "yiwang-form").select_option(f"{KEY}/review.json")  # type: ignore[attr-defined]
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("校验通过")
    expect(page.locator(".djs-element.validation-error")).to_have_count(0)
    # Token simulation toggles on the same canvas.
    page.get_by_test_id("simulate").click()
    expect(page.locator("#canvas .simulation, #canvas.simulation")).to_have_count(1)
    page.get_by_test_id("simulate").click()
    expect(page.locator("#canvas .simulation, #canvas.simulation")).to_have_count(0)
    page.get_by_test_id("deploy-comment").fill("审核改为经办人审核")
    page.get_by_test_id("deploy").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("第 2 版")
    page.get_by_test_id("deployed-link").click()
    expect(page.get_by_role("heading", name=re.compile("第 2 版"))).to_be_visible()
    page.goto(analyst.server.base + "/processes")
    rows = page.locator(f"[data-testid=process][data-key={KEY}]").get_by_test_id("version-row")
    expect(rows.first).to_contain_text("第 2 版")
    expect(rows.first).to_contain_text("审核改为经办人审核")


def test_the_vendored_modeler_ships_its_licences_and_the_page_loads_nothing_from_outside() -> None:
    assert (VENDOR / "bpmn-modeler.js").stat().st_size > 100_000
    assert (VENDOR / "bpmn-modeler-style.css").is_file()
    assert "bpmn.io" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    lines = (VENDOR / "PACKAGES").read_text(encoding="utf-8").splitlines()
    names = {line.split(" ")[0].rsplit("@", 1)[0] for line in lines}
    assert {
        "bpmn-js",
        "bpmn-js-properties-panel",
        "@bpmn-io/properties-panel",
        "bpmn-js-bpmnlint",
        "bpmnlint",
    } <= names
    assert "bpmn-js-token-simulation" in names
    for name in names:
        assert (VENDOR / "licenses" / name / "LICENSE").is_file(), name
    template = (PROJECT_ROOT / "workflow_service" / "templates" / "process_draft.html").read_text(
        encoding="utf-8"
    )
    assert not re.search(r"""(src|href)=["']https?://""", template)
    css = (VENDOR / "bpmn-modeler-style.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?https?://", css)

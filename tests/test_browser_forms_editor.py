"""The forms editor in a real browser: a form's JSON Schema beside the clerks' own rendering of it,
its x-shown-when fields appearing with their choice as they do at the window."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import people
from tests.support.live import Server
from tests.test_browser_csp import violations, watched
from workflow_service.config import PROJECT_ROOT

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live

KEY = "individual_business_registration"
REVIEW = f"{KEY}/review.json"


def test_a_deployed_form_opens_read_only_with_the_clerks_preview(people: object) -> None:
    analyst = people("analyst")  # type: ignore[operator]
    page = analyst.go("/processes/individual_business_registration/1")
    page.get_by_role("link", name="individual_business_registration/acceptance.json").click()
    expect(
        page.get_by_role("heading", name="表单 individual_business_registration/acceptance.json · 受理")
    ).to_be_visible()
    expect(page.get_by_test_id("editor-status")).to_have_text("JSON Schema 有效")
    preview = page.locator("#form-preview[data-ready='1']")
    decision = preview.get_by_label("受理决定")
    expect(decision).to_have_value("")  # a decision starts unchosen, as on the task page
    note = preview.get_by_label("补正说明")
    expect(note).to_be_hidden()
    decision.select_option(label="补正（一次性告知所缺材料）")
    expect(note).to_be_visible()
    expect(preview.get_by_label("申请人已签署容缺受理承诺书")).to_be_hidden()
    decision.select_option(label="受理")
    expect(note).to_be_hidden()
    expect(preview.get_by_label("申请人已签署容缺受理承诺书")).to_be_visible()
    expect(page.get_by_test_id("save")).to_have_count(0)
    analyst.shot("form-read-only")


def _review_with_refusal_basis() -> str:
    """The review form with a new field, shown only when refusing (x-shown-when)."""
    review = json.loads((PROJECT_ROOT / "forms" / REVIEW).read_text(encoding="utf-8"))
    review["properties"]["refusal_basis"] = {
        "x-shown-when": {"review_decision": "refuse"},
        "type": "string",
        "title": "不予登记依据",
        "maxLength": 200,
    }
    return json.dumps(review, ensure_ascii=False, indent=2)


def editor_text(page: Page) -> str:
    """All the JSON editor holds (the editor draws only the lines in view)."""
    return str(page.evaluate("document.getElementById('schema-editor').schemaEditor.get().text"))


def replace_text(page: Page, text: str) -> None:
    """Select everything in the JSON editor and type ``text`` over it (pasted, as an analyst would)."""
    page.locator("#schema-editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def test_an_analyst_edits_a_drafts_form_with_the_preview_and_saves_it(people: object, server: Server) -> None:
    draft = server.api().post("/api/v1/process-drafts", "analyst", json={"process_key": KEY}).json
    analyst = people("analyst")  # type: ignore[operator]
    console = watched(analyst)  # the editor and its check run under the pages' policy: no eval
    page = analyst.go(f"/processes/drafts/{draft['id']}/forms")
    page.get_by_role("link", name=REVIEW).click()
    preview = page.locator("#form-preview[data-ready='1']")
    expect(preview.get_by_label("审核结论")).to_be_visible()
    status, errors = page.get_by_test_id("editor-status"), page.get_by_test_id("form-errors")

    # Broken JSON: said at once; saving is refused with the reason, and the text stays as typed.
    page.locator("#schema-editor .cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" oops")
    expect(status).to_contain_text("JSON 格式有误")
    page.get_by_test_id("save").click()
    expect(errors).to_contain_text("未保存：JSON 格式有误")
    assert editor_text(page).rstrip().endswith("} oops")

    # Valid JSON that is no form for the clerks: refused by the server, with the place and why.
    broken = json.loads(_review_with_refusal_basis())
    broken["properties"]["refusal_basis"]["x-shown-when"] = {"review_result": "refuse"}
    replace_text(page, json.dumps(broken, ensure_ascii=False, indent=2))
    expect(status).to_have_text("JSON Schema 有效 · 有未保存的修改")
    page.get_by_test_id("save").click()
    expect(errors).to_contain_text("properties.refusal_basis.x-shown-when")
    expect(errors).to_contain_text("须指向本表单的另一个字段，没有字段 review_result")
    assert '"review_result"' in editor_text(page)

    # A field shown only when refusing: the preview hides and shows it as the task page would.
    replace_text(page, _review_with_refusal_basis())
    expect(errors).to_be_hidden()  # the refusal was about the text before
    basis = page.locator("#form-preview[data-ready='1']").get_by_label("不予登记依据")
    expect(basis).to_be_hidden()
    decision = page.locator("#form-preview[data-ready='1']").get_by_label("审核结论")
    decision.select_option(label="不予登记")
    expect(basis).to_be_visible()
    basis.fill("《个体工商户登记管理办法》第十条")
    basis.press("Tab")
    expect(page.get_by_test_id("preview-data")).to_contain_text("第十条")
    page.evaluate("window.scrollTo(0, 0)")
    analyst.shot("form-editor", "form-editor")
    decision.select_option(label="准予登记")
    expect(basis).to_be_hidden()

    page.get_by_test_id("save").click()
    expect(status).to_have_text("已保存（草稿版本 2）")
    expect(errors).to_be_hidden()

    page.reload()
    expect(page.locator("#form-preview[data-ready='1']")).to_be_attached()
    assert '"refusal_basis"' in editor_text(page)
    page.locator("#form-preview").get_by_label("审核结论").select_option(label="不予登记")
    expect(page.locator("#form-preview").get_by_label("不予登记依据")).to_be_visible()
    # 试提交: what was typed is checked as the window would (a refusal needs its opinion).
    page.get_by_test_id("try").click()
    expect(page.get_by_test_id("try-result")).to_have_text("有 1 处不符合要求（已在预览中标出）")
    expect(page.locator("#form-preview .server-error")).to_have_text("必填")
    assert violations(page, console) == []
    saved = server.api().get(f"/api/v1/process-drafts/{draft['id']}", "analyst").json
    assert saved["version"] == 2
    assert saved["forms"][REVIEW]["properties"]["refusal_basis"]["x-shown-when"] == {
        "review_decision": "refuse"
    }

    # Saved meanwhile from another tab: this page's save is refused and its text stays.
    api = server.api()
    other = api.http.put(
        f"/api/v1/process-drafts/{draft['id']}/forms/{KEY}/other.json",
        headers=api.headers("analyst"),
        json={"schema": {"type": "object"}, "version": 2},
    )
    assert other.status_code == 200
    replace_text(page, _review_with_refusal_basis().replace("不予登记依据", "不予登记的法律依据"))
    page.get_by_test_id("save").click()
    expect(errors).to_contain_text("草稿已在别处修改")
    assert "不予登记的法律依据" in editor_text(page)

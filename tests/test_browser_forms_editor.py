"""The forms editor in a real browser: a form's JSON Schema beside the clerks' own rendering of it,
its x-shown-when fields appearing with their choice as they do at the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import people

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


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

"""The process library in a real browser: an analyst lands on it and opens a version's diagram."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import people

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


def test_an_analyst_lands_on_the_library_and_opens_a_versions_diagram(people: object) -> None:
    analyst = people("analyst")  # type: ignore[operator]
    page = analyst.page
    expect(page.get_by_role("heading", name="流程库")).to_be_visible()
    process = page.locator("[data-testid=process][data-key=individual_business_registration]")
    expect(process).to_contain_text("个体工商户设立登记")
    expect(process.get_by_test_id("version-row")).to_contain_text("命令行部署")
    analyst.shot("process-library", "process-library")
    process.get_by_role("link", name="第 1 版").click()
    expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
    expect(page.locator(".djs-element[data-element-id='review']")).to_have_count(1)
    expect(page.locator("#diagram")).to_contain_text("审批部门（后台）")
    expect(page.get_by_test_id("forms")).to_contain_text("individual_business_registration/review.json")
    analyst.shot("process-version", "process-version")

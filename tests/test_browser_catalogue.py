"""The analyst's catalogue pages in a real browser: find an item, add and reorder its materials, see
an error at its field with the input kept, save a new version, and read the change in its history."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import people

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


def test_an_analyst_edits_an_items_materials_and_limits_and_reads_the_change(people: object) -> None:
    analyst = people("analyst")  # type: ignore[operator]
    page = analyst.page
    page.get_by_test_id("nav-catalogue").click()
    expect(page.get_by_role("heading", name="事项目录")).to_be_visible()
    page.get_by_label("查找事项").fill("市场监管")
    page.get_by_label("查找事项").press("Enter")
    row = page.get_by_test_id("catalogue-item").filter(has_text="个体工商户设立登记")
    expect(row).to_contain_text("第 1 版")
    analyst.shot("01-catalogue", "catalogue")
    row.get_by_role("link", name="修改").click()
    expect(page.get_by_role("heading", name="修改事项：个体工商户设立登记")).to_be_visible()

    materials = page.get_by_test_id("material-row")
    expect(materials).to_have_count(5)  # four materials and the blank row for adding
    page.get_by_role("button", name="添加材料").click()
    added = materials.nth(4)
    added.get_by_label("材料名称").fill("食品经营许可证明")
    added.get_by_label("可容缺").select_option("1")
    added.get_by_label("来源渠道").fill("政府部门核发")
    added.get_by_label("示例样表").fill("食品经营许可证明-样表.pdf")
    added.get_by_role("button", name="上移").click()  # now the fourth
    expect(materials.nth(3).get_by_label("材料名称")).to_have_value("食品经营许可证明")
    expect(materials.nth(3)).to_contain_text("4")
    materials.nth(0).get_by_role("button", name="删除").click()  # the application form goes
    expect(materials).to_have_count(5)

    page.get_by_label("承诺时限", exact=True).fill("30")  # longer than the legal limit (20)
    page.get_by_label("办理流程").select_option("individual_business_registration")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator("#err-promised_limit_days")).to_have_text("承诺时限不能长于法定时限")
    expect(page.get_by_test_id("error-summary")).to_contain_text("承诺时限")
    expect(page.get_by_label("承诺时限", exact=True)).to_have_value("30")
    expect(materials.nth(2).get_by_label("材料名称")).to_have_value("食品经营许可证明")  # the input kept
    analyst.shot("02-item-error", "catalogue-edit-error")

    page.get_by_label("承诺时限", exact=True).fill("2")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_role("status")).to_contain_text("已保存为第 2 版")
    current = page.get_by_test_id("item-version").first
    expect(current).to_contain_text("第 2 版")
    expect(current).to_contain_text("流程管理员 李明")
    expect(current).to_contain_text("承诺时限")
    diff = page.get_by_test_id("item-diff")
    expect(diff.locator("[data-field=promised_limit_days]")).to_contain_text("3")
    expect(diff.locator("[data-field=promised_limit_days] .diff-after")).to_have_text("2")
    expect(diff.locator("[data-change=added]")).to_contain_text("食品经营许可证明：新增（第 3 项）")
    expect(diff.locator("[data-change=removed]")).to_contain_text("个体工商户登记（备案）申请书")
    analyst.shot("03-item-history", "catalogue-history")

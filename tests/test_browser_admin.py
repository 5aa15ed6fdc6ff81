"""The administration pages in a real browser: an admin creates an account through the form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import people

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


def test_admin_creates_a_user_through_the_form_and_sees_it_listed(people: object) -> None:
    admin = people("admin")  # type: ignore[operator]
    page = admin.page
    expect(page).to_have_url(re.compile(r"/admin/users$"))  # an administrator lands on the accounts

    page.get_by_role("link", name="新建账户").click()
    page.get_by_label("用户名").fill("clerk-wuning2")
    page.get_by_label("姓名").fill("吴宁街道窗口 何丽")
    page.get_by_label("所属机构").select_option(label="吴宁街道便民服务中心")
    page.get_by_label("窗口人员").check()
    page.get_by_label("初始密码").fill("Window2026")
    page.get_by_role("button", name="创建账户").click()
    expect(page.get_by_test_id("user-state")).to_contain_text("须修改密码")
    expect(page.get_by_test_id("audit")).to_contain_text("创建账户 clerk-wuning2")

    page.get_by_role("navigation", name="系统管理").get_by_role("link", name="账户").click()
    page.get_by_label("用户名或姓名").fill("吴宁")
    page.get_by_label("用户名或姓名").press("Enter")
    row = page.get_by_test_id("user-row").filter(has_text="clerk-wuning2")
    expect(row).to_contain_text("吴宁街道窗口 何丽")
    expect(row).to_contain_text("吴宁街道便民服务中心")
    expect(row).to_contain_text("须修改密码")
    admin.shot("admin-users", "admin-users")

"""暂存 in a real browser: a clerk saves a half-filled intake, finds it on 我的窗口, resumes it and registers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.api import APPLICANT, APPLICATION
from tests.support.browser import json_field, people

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


def test_a_saved_draft_is_resumed_from_my_window_and_registered(people: object) -> None:
    clerk = people("clerk")  # type: ignore[operator]
    page = clerk.page
    clerk.go("/services/individual_business_registration/apply")
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    page.locator("#applicant_name").fill(APPLICANT["name"])
    page.locator("#applicant_id_number").fill(APPLICANT["id_number"])
    json_field(page, "business_name").fill(str(APPLICATION["business_name"]))
    json_field(page, "capital_wan_yuan").fill(str(APPLICATION["capital_wan_yuan"]))
    page.get_by_text("代办人（帮办代办）").click()  # the folded block opens
    page.get_by_label("代办人姓名").fill("李四")
    page.get_by_role("button", name="暂存").click()
    expect(page.get_by_role("status")).to_contain_text("已暂存")

    clerk.go("/window")
    row = page.get_by_test_id("draft-row").filter(has_text=APPLICANT["name"])
    expect(row).to_contain_text("个体工商户设立登记")
    clerk.shot("01-window-drafts")
    row.get_by_role("link", name="继续填写").click()
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    expect(page.locator("#applicant_id_number")).to_have_value(APPLICANT["id_number"])
    expect(page.get_by_label("代办人姓名")).to_have_value("李四")
    expect(json_field(page, "business_name")).to_have_value(str(APPLICATION["business_name"]))
    expect(json_field(page, "capital_wan_yuan")).to_have_value(str(APPLICATION["capital_wan_yuan"]))
    clerk.shot("02-draft-resumed")

    # The rest of the form, and the agent's required fields, then 登记.
    page.locator("#applicant_phone").fill(APPLICANT["phone"])
    for name in ("operator_name", "operator_id_number", "premises", "business_scope"):
        json_field(page, name).fill(str(APPLICATION[name]))
    page.get_by_label("代办人身份证号码").fill("110105198001010016")
    page.get_by_label("代办人联系电话").fill("13900139000")
    page.get_by_label("与申请人关系").fill("受托人")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("next-step")).to_contain_text("下一步：受理")

    clerk.go("/window")
    expect(page.get_by_test_id("drafts")).to_contain_text("没有暂存的申请")


def test_the_command_room_registers_a_grid_members_report_without_an_id_number(people: object) -> None:
    command = people("command")  # type: ignore[operator]
    page = command.page
    page.get_by_test_id("nav-intake").click()
    page.get_by_test_id("catalogue").locator("tr", has_text="基层治理事件分拨处置").get_by_role(
        "link", name="登记申请"
    ).click()
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    expect(page.get_by_label("事件反映人")).to_be_checked()
    expect(page.locator("#applicant_id_number")).to_be_hidden()
    page.get_by_label("反映渠道").select_option("grid_member")
    page.locator("#applicant_phone").fill("15157990869")
    json_field(page, "event_channel").select_option("grid_member")
    json_field(page, "grid_name").fill("吴宁街道上湖社区第三网格")
    json_field(page, "event_category").select_option("environment")
    json_field(page, "event_location").fill("吴宁街道上湖社区东阳江边")
    json_field(page, "event_description").fill("河道漂浮垃圾较多，需清理")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#err-applicant-name")).to_contain_text("网格员上报须填写网格员姓名")
    expect(page.get_by_label("反映渠道")).to_have_value("grid_member")  # the input kept
    expect(page.locator("#applicant_phone")).to_have_value("15157990869")
    expect(page.locator("#applicant_id_number")).to_be_hidden()
    command.shot("01-reporter-error")

    page.get_by_label("反映人姓名").fill("郭秀云")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("reporter")).to_have_text("郭秀云（事件反映人·网格员）")
    command.shot("02-reporter-registered")

    # Switching to a resident by name and ID brings the ID field back.
    command.go("/services/grassroots_event_dispatch/apply")
    page.get_by_label("自然人").check()
    expect(page.locator("#applicant_id_number")).to_be_visible()
    expect(page.get_by_label("反映渠道")).to_be_hidden()

"""The staff pages in a real browser: Debian's chromium, driven by Playwright, against real gunicorn."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.api import APPLICANT, APPLICATION
from tests.support.browser import WRONG_RESIDENT_ID, json_field, people
from tests.support.live import Server
from tests.support.steps import accepted

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


def test_registration_walked_by_clerk_approver_and_clerk_again(people: object, server: Server) -> None:
    clerk = people("clerk")  # type: ignore[operator]
    page = clerk.page
    clerk.shot("01-my-window")

    # The catalogue finds the item by its pinyin initials.
    clerk.go("/services")
    page.get_by_label("查找事项").fill("gtgsh")
    page.get_by_label("查找事项").press("Enter")
    expect(page.get_by_test_id("catalogue")).to_contain_text("个体工商户设立登记")
    clerk.shot("02-catalogue")
    page.get_by_role("link", name="登记申请").click()
    expect(page.locator("#application[data-ready='1']")).to_be_attached()

    # A wrong resident ID comes back as an error at its field, with everything typed kept.
    page.locator("#applicant_name").fill(APPLICANT["name"])
    page.locator("#applicant_id_number").fill(WRONG_RESIDENT_ID)
    page.locator("#applicant_phone").fill(APPLICANT["phone"])
    for name in ("business_name", "operator_name", "operator_id_number", "premises", "business_scope"):
        json_field(page, name).fill(str(APPLICATION[name]))
    json_field(page, "capital_wan_yuan").fill(str(APPLICATION["capital_wan_yuan"]))
    page.get_by_role("button", name="登记", exact=True).click()
    error = page.locator("#err-applicant-id_number")
    expect(error).to_contain_text("校验位（第 18 位）与前 17 位不符")
    expect(page.locator("#applicant_id_number")).to_have_value(WRONG_RESIDENT_ID)
    expect(page.locator("#application[data-ready='1']")).to_be_attached()
    expect(json_field(page, "business_name")).to_have_value(APPLICATION["business_name"])
    # Only the server's messages show, in Chinese, at the fields they concern; none of json-editor's own.
    expect(page.locator("#application .errmsg:visible")).to_have_count(0)
    clerk.shot("03-intake-field-error", "intake")

    page.locator("#applicant_id_number").fill(APPLICANT["id_number"])
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("next-step")).to_contain_text("下一步：受理")
    number = page.locator("h1 .mono").inner_text()
    clerk.shot("04-case-registered")

    # 受理 through the task's own form.
    page.get_by_role("link", name="现在办理“受理”").click()
    expect(page.locator("#task-form[data-ready='1']")).to_be_attached()
    # Fields of one choice show only with it: 补正说明 with 补正, the 容缺 fields with 受理.
    expect(json_field(page, "supplement_note")).to_be_hidden()
    json_field(page, "acceptance_decision").select_option(label="补正（一次性告知所缺材料）")
    expect(json_field(page, "supplement_note")).to_be_visible()
    expect(json_field(page, "deferral_promise")).to_be_hidden()
    json_field(page, "acceptance_decision").select_option(label="受理")
    expect(json_field(page, "supplement_note")).to_be_hidden()
    expect(json_field(page, "deferral_promise")).to_be_visible()
    clerk.shot("05-acceptance-task", "acceptance")
    page.get_by_role("button", name="提交“受理”结果").click()
    expect(page.get_by_test_id("next-step")).to_contain_text("下一步：审核")
    # The receipt (受理通知书) opens in a tab of its own, to print.
    receipt = page.get_by_role("link", name="打印受理通知书")
    with clerk.context.expect_page() as opened:
        receipt.click()
    opened.value.wait_for_url(f"**/cases/{number}/documents/acceptance.pdf")
    printed = page.request.get(clerk.server.base + str(receipt.get_attribute("href")))
    assert printed.headers["content-type"] == "application/pdf" and printed.body().startswith(b"%PDF")
    opened.value.close()

    # The approver finds it among the unclaimed tasks, claims it without a reload, approves.
    approver = people("approver")  # type: ignore[operator]
    inbox = approver.page
    approver.go("/inbox?tab=unclaimed")
    row = inbox.get_by_test_id("task-row").filter(has_text=number)
    expect(row).to_contain_text("个体工商户设立登记")
    expect(row).to_contain_text("110***********002X")  # the resident ID masked
    expect(row).to_contain_text("吴宁街道便民服务中心")
    inbox.evaluate("window.notReloaded = true")
    row.get_by_role("button", name="签收").click()
    expect(row).to_contain_text("已签收")
    expect(inbox.get_by_test_id("tab-mine")).to_contain_text("(1)")  # the tabs' figures follow the claim
    expect(inbox.get_by_test_id("tab-unclaimed")).to_contain_text("(0)")
    assert inbox.evaluate("window.notReloaded") is True
    approver.shot("06-inbox-claimed", "inbox")
    approver.go("/inbox?tab=mine")
    inbox.get_by_test_id("task-row").filter(has_text=number).get_by_role("link", name="办理").click()
    expect(inbox.locator("#task-form[data-ready='1']")).to_be_attached()
    json_field(inbox, "review_decision").select_option(label="准予登记")
    json_field(inbox, "review_opinion").fill("材料齐全，准予登记")
    json_field(inbox, "review_opinion").press("Tab")  # leaving the field re-checks it
    approver.shot("07-review-task", "task")
    inbox.get_by_role("button", name="提交“审核”结果").click()
    expect(inbox.get_by_test_id("next-step")).to_contain_text("下一步：出件")

    # Back at the window: the issuance queue holds it; the clerk mails the licence.
    clerk.go("/window")
    queue = page.get_by_test_id("to-issue")
    expect(queue).to_contain_text(number)
    clerk.shot("08-window-issuance-queue", "window")
    queue.get_by_role("link", name="出件").click()
    expect(page.locator("#task-form[data-ready='1']")).to_be_attached()
    json_field(page, "delivery_method").select_option(label="邮寄送达")
    json_field(page, "tracking_number").fill("EMS1234567890")
    json_field(page, "tracking_number").press("Tab")
    page.get_by_role("button", name="提交“出件”结果").click()
    expect(page.locator("h1 + .badge, h1 ~ .badge").first).to_have_text("已出件")
    expect(page.get_by_test_id("history")).to_contain_text("准予登记")
    clerk.shot("09-case-issued")

    # The header's search box finds it by the applicant's phone, exactly.
    page.get_by_role("searchbox").fill(APPLICANT["phone"])
    page.get_by_role("searchbox").press("Enter")
    expect(page.get_by_test_id("search-results")).to_contain_text(number)


def test_case_page_draws_the_diagram_with_the_current_task_highlighted(
    people: object, server: Server
) -> None:
    number = accepted(server.api())

    clerk = people("clerk")  # type: ignore[operator]
    page = clerk.go(f"/cases/{number}")
    expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
    expect(page.locator(".djs-element.current[data-element-id='review']")).to_have_count(1)
    for passed in ("start", "acceptance", "acceptance_gateway", "accepted"):
        expect(page.locator(f".djs-element.done[data-element-id='{passed}']")).to_have_count(1)
    expect(page.locator(".djs-element.done[data-element-id='issuance']")).to_have_count(0)
    # Lanes are named by who works in them, not by their routing keys.
    expect(page.locator("#diagram")).to_contain_text("受理窗口（前台）")
    expect(page.locator("#diagram")).to_contain_text("审批部门（后台）")
    expect(page.get_by_test_id("timeline")).to_contain_text("状态变更：申请/预审 → 受理")
    clerk.shot("case-diagram", "case")

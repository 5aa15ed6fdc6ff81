"""In a real browser: the clerk uploads a material on the 受理 page, accepts, and prints the receipt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import json_field, people
from tests.support.live import Server
from tests.support.steps import only_task
from tests.test_attachments import pdf_bytes

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


@pytest.fixture
def server(live_database_url: str, tmp_path: Path) -> Iterator[Server]:
    """gunicorn as in conftest, with uploads kept in this test's folder rather than instance/."""
    running = Server(live_database_url, tmp_path / "gunicorn.log")
    running.env["FLASK_ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    running.start()
    yield running
    running.stop()


def registered_task(server: Server) -> tuple[str, str]:
    """A case registered over the API: its number and its open 受理 task."""
    api = server.api()
    number = api.start_case()
    return number, only_task(api, number, "受理")["id"]


def test_clerk_uploads_a_material_accepts_and_prints_the_receipt(people: object, server: Server) -> None:
    number, task_id = registered_task(server)
    clerk = people("clerk")  # type: ignore[operator]
    page = clerk.go(f"/tasks/{task_id}")
    expect(page.locator("#task-form[data-ready='1']")).to_be_attached()
    expect(json_field(page, "acceptance_decision")).to_have_value("")  # nothing chosen for the clerk

    row = page.locator('tr[data-material="经营者身份证明"]')
    row.get_by_label("选择“经营者身份证明”的文件").set_input_files(
        files=[{"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("resident ID")}]
    )
    expect(row.locator(".file-name")).to_have_text(
        "身份证.pdf"
    )  # the chosen file, named in the page's language
    row.get_by_role("button", name="上传").click()
    expect(row.get_by_test_id("attachment")).to_have_text("身份证.pdf")
    expect(page.locator("details.preview[open] iframe")).to_be_attached()  # previewed on the page
    clerk.shot("materials-uploaded")

    json_field(page, "acceptance_decision").select_option(label="受理")
    page.get_by_role("button", name="提交“受理”结果").click()
    receipt = page.get_by_role("link", name="打印受理通知书")
    expect(receipt).to_have_attribute("target", "_blank")
    expect(receipt).to_have_attribute("rel", "noopener")
    clerk.shot("receipt-offered")
    with clerk.context.expect_page() as opened:
        receipt.click()
    tab = opened.value
    tab.wait_for_url(f"**/cases/{number}/documents/acceptance.pdf")  # the receipt, in a tab of its own
    fetched = page.request.get(
        server.base + str(receipt.get_attribute("href"))
    )  # with the session, as the tab loads it
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/pdf"
    assert fetched.body().startswith(b"%PDF") and number in page.url
    tab.close()


def test_an_upload_keeps_what_was_typed_into_the_task_form(people: object, server: Server) -> None:
    _number, task_id = registered_task(server)
    clerk = people("clerk")  # type: ignore[operator]
    page = clerk.go(f"/tasks/{task_id}")
    expect(page.locator("#task-form[data-ready='1']")).to_be_attached()
    json_field(page, "acceptance_decision").select_option(label="补正（一次性告知所缺材料）")
    json_field(page, "supplement_note").fill("请带经营场所租赁协议原件")
    missing = page.get_by_role("group", name="需补正的材料").get_by_role("checkbox", name="经营场所使用证明")
    missing.check()

    row = page.locator('tr[data-material="经营者身份证明"]')
    row.get_by_label("选择“经营者身份证明”的文件").set_input_files(
        files=[{"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("resident ID")}]
    )
    # While the file is on its way the button says so and cannot be pressed twice.
    held: list[object] = []
    page.route("**/attachments?*", lambda route: held.append(route))
    row.get_by_role("button", name="上传").click()
    busy = row.get_by_role("button", name="上传中…")
    expect(busy).to_be_visible()
    expect(busy).to_be_disabled()
    page.wait_for_function("() => true")  # let the held request reach the handler
    assert len(held) == 1
    held[0].continue_()  # type: ignore[attr-defined]
    page.unroute("**/attachments?*")

    link = row.get_by_test_id("attachment")
    expect(link).to_have_text("身份证.pdf")
    expect(link).to_be_focused()  # on the new file
    expect(page.locator("details.preview[open] iframe")).to_be_attached()
    expect(page.get_by_role("status").filter(has_text="已上传“身份证.pdf”（经营者身份证明）")).to_be_visible()
    # The rest of the page did not reload: what was typed is still there.
    expect(json_field(page, "acceptance_decision")).to_have_value("supplement")
    expect(json_field(page, "supplement_note")).to_have_value("请带经营场所租赁协议原件")
    expect(missing).to_be_checked()
    clerk.shot("upload-kept-the-form")

    # A refused file: the reason at its row, focused; the form still as typed.
    other = page.locator('tr[data-material="个体工商户登记（备案）申请书"]')
    other.get_by_label("选择“个体工商户登记（备案）申请书”的文件").set_input_files(
        files=[{"name": "申请书.pdf", "mimeType": "application/pdf", "buffer": b"just text, not a scan"}]
    )
    other.get_by_role("button", name="上传").click()
    error = other.get_by_test_id("upload-error")
    expect(error).to_contain_text("只接受 PDF、JPEG、PNG、OFD 文件")
    expect(error).to_be_focused()
    expect(other.get_by_test_id("attachment")).to_have_count(0)
    expect(row.get_by_test_id("attachment")).to_have_text("身份证.pdf")
    expect(json_field(page, "supplement_note")).to_have_value("请带经营场所租赁协议原件")

    # The form sends what was typed before the uploads.
    page.get_by_role("button", name="提交“受理”结果").click()
    expect(page.get_by_role("link", name="打印补正材料通知书")).to_be_visible()


def test_an_upload_refused_outright_says_why_at_its_row(people: object, server: Server) -> None:
    number, _task_id = registered_task(server)
    clerk = people("clerk")  # type: ignore[operator]
    page = clerk.go(f"/cases/{number}")
    row = page.locator('tr[data-material="经营者身份证明"]')
    picker = row.get_by_label("选择“经营者身份证明”的文件")
    scan = [{"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("resident ID")}]

    # A form gone stale (its security token no longer valid): the error page's reason, at the row.
    row.locator('input[name="csrf_token"]').evaluate("input => { input.value = 'stale' }")
    page.evaluate("() => document.body.removeAttribute('hx-headers')")
    picker.set_input_files(files=scan)
    row.get_by_role("button", name="上传").click()
    reason = row.get_by_role("alert")
    expect(reason).to_contain_text("页面已过期")
    expect(reason).to_be_focused()
    expect(row.get_by_test_id("attachment")).to_have_count(0)

    # The session has ended (the password was changed elsewhere): the login page, as without JavaScript.
    page.reload()
    changed = server.api().post(
        "/api/v1/me/password",
        "clerk",
        json={"current_password": "demo", "new_password": "Wuning-window-2026"},
    )
    assert changed.status_code == 204
    picker.set_input_files(files=scan)
    row.get_by_role("button", name="上传").click()
    page.wait_for_url("**/login*")
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_text("登录已过期，请重新登录")).to_be_visible()

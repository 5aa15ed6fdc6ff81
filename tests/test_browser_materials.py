"""In a real browser: the clerk uploads a material on the 受理 page, accepts, and prints the receipt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser import json_field, people
from tests.live_server import Server
from tests.support import case_body
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
    login = {"username": "clerk", "password": "demo"}
    token = requests.post(f"{server.base}/api/v1/auth/token", json=login, timeout=10).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    number = requests.post(
        f"{server.base}/api/v1/cases", json=case_body(), headers=headers, timeout=10
    ).json()["number"]
    case = requests.get(f"{server.base}/api/v1/cases/{number}", headers=headers, timeout=10).json()
    return number, case["current_tasks"][0]["id"]


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

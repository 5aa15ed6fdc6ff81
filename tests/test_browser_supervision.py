"""The supervisors' dashboard in a real browser: its charts draw from the JSON, the case list exports."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.support.browser import people
from tests.support.live import Server
from tests.support.steps import accepted

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live


def test_the_dashboard_draws_its_charts_and_the_case_list_exports(people: object, server: Server) -> None:
    api = server.api()
    numbers = [accepted(api), accepted(api)]
    supervisor = people("supervisor")  # type: ignore[operator]
    page = supervisor.page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    # Where a supervisor lands after logging in.
    expect(page).to_have_url(f"{server.base}/supervision")
    expect(page.locator("#dashboard[data-drawn='true']")).to_be_attached()
    expect(page.locator('[data-figure="total"]')).to_have_text("2")
    charts = page.locator("canvas[data-chart]")
    assert charts.count() == 7
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]')).filter(c => window.Chart.getChart(c)).length"
    )
    assert drawn == 7
    supervisor.shot("01-dashboard", "supervision-dashboard")

    page.get_by_test_id("nav-supervised-cases").click()
    expect(page.get_by_test_id("supervised-cases")).to_contain_text(numbers[0])
    with page.expect_download() as download:
        page.get_by_test_id("cases-export").click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    exported = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(exported) == sorted(numbers)
    assert problems == []


def test_a_supervisor_presses_an_overdue_case_in_two_clicks(
    people: object, server: Server, live_database_url: str
) -> None:
    api = server.api()
    number = accepted(api)
    # Overdue without waiting: its promised day moved into the past, as days passing would.
    engine = create_engine(live_database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE case_file SET due_date = :day WHERE number = :number"),
            {"day": date(2026, 1, 5), "number": number},
        )
    engine.dispose()
    supervisor = people("supervisor")  # type: ignore[operator]
    page = supervisor.page
    expect(page.locator("#dashboard[data-drawn='true']")).to_be_attached()
    page.locator('[data-list="overdue"]').get_by_test_id("urge").click()  # one
    page.get_by_label("督办事由").fill("已超承诺期限，请说明原因")
    page.get_by_role("button", name="发出督办").click()  # two
    expect(page).to_have_url(f"{server.base}/cases/{number}#supervision")
    notice = page.get_by_test_id("supervision-notice")
    expect(notice).to_contain_text("已超承诺期限，请说明原因")
    expect(notice).to_contain_text("待回复")
    supervisor.shot("02-supervision-notice", "supervision-notice")
    items = [task for task in api.inbox("approver") if task["kind"] == "supervision"]
    assert [task["case_number"] for task in items] == [number]

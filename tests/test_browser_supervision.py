"""The supervisors' dashboard in a real browser: its charts draw from the JSON, the case list exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

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

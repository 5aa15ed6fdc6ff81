"""The supervisors' case list: scope, filters, keyset paging and the XLSX export.

The cases are the hand-built set of tests/support/supervision.py, read on Wednesday 2 December 2026.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.pages import Browser, page_text
from tests.support.statements import counted_statements
from tests.support.supervision import HENGDIAN, WUNING, build

CASES = "/api/v1/supervision/cases"


@pytest.fixture
def built(app: Flask) -> tuple[ApiClient, dict[str, str]]:
    numbers = build(app)
    return ClockedApi(app, "2026-12-02").api, numbers


def listed(api: ApiClient, user: str, query: str = "") -> list[str]:
    response = api.get(f"{CASES}?{query}", user)
    assert response.status_code == 200, response.json
    return [row["number"] for row in response.json]


def letters(numbers: dict[str, str], found: list[str]) -> str:
    by_number = {number: letter for letter, number in numbers.items()}
    return "".join(sorted(by_number[number] for number in found))


def test_a_supervisor_lists_the_county_and_a_command_room_its_township(
    built: tuple[ApiClient, dict[str, str]],
) -> None:
    api, numbers = built
    county = listed(api, "supervisor")
    assert letters(numbers, county) == "ABCDEFGH"
    assert county == sorted(county, key=lambda number: list(numbers.values()).index(number), reverse=True)
    assert letters(numbers, listed(api, "command")) == "ABCDEFG"
    assert listed(api, "command", f"township={HENGDIAN}") == []
    assert api.get(CASES, "approver").status_code == 403


# Each filter against the cases it must leave (letters of the set); one build for all of them.
FILTERS = [
    ("status=under_review", "FGH"),
    ("status=issued&status=approved", "ABCDE"),
    (f"township={HENGDIAN}", "H"),
    (f"township={WUNING}", "ABCDEFG"),
    ("function_type=economic", "ABCDEFGH"),
    ("function_type=ecological", ""),
    ("window=330783111-bmfwzx", "DH"),
    ("department=330783-scjgj-hengdian", "H"),
    ("due=overdue", "BEG"),  # G running late; B and E decided after the promised day
    ("due=due_soon", "F"),
    ("due=on_time", "ACDH"),
    ("from=2026-11-30&to=2026-12-01", "FH"),
    ("to=2026-11-23", "ABCDE"),
    ("channel=window", "ABCDEFGH"),
    ("channel=portal", ""),
    ("service=minimum_living_allowance", ""),
    ("status=under_review&due=overdue", "G"),
]


def test_filters(built: tuple[ApiClient, dict[str, str]]) -> None:
    api, numbers = built
    found = {query: letters(numbers, listed(api, "supervisor", query)) for query, _expected in FILTERS}
    assert found == dict(FILTERS)


def test_rows_say_where_and_how_late(built: tuple[ApiClient, dict[str, str]]) -> None:
    api, numbers = built
    rows = {row["number"]: row for row in api.get(CASES, "supervisor").json}
    late = rows[numbers["G"]]
    assert late["due_state"] == "overdue"
    assert (late["accepted_on"], late["due_date"], late["legal_due_date"]) == (
        "2026-11-24",
        "2026-11-27",
        "2026-12-15",
    )
    assert late["township"] == {"code": WUNING, "name": "吴宁街道", "function_type": "economic"}
    assert late["window"]["code"] == "330783001-bmfwzx"
    decided = rows[numbers["B"]]
    assert (decided["decided_on"], decided["due_state"]) == ("2026-12-01", "overdue")


def test_keyset_pages_cover_the_list_once(app: Flask, built: tuple[ApiClient, dict[str, str]]) -> None:
    api, numbers = built
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        response = api.get(f"{CASES}?{query}", "supervisor")
        assert response.status_code == 200
        seen.extend(row["number"] for row in response.json)
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(numbers.values())
    assert len(seen) == len(set(seen))
    assert api.get(f"{CASES}?cursor=abc", "supervisor").status_code == 422
    headers = api.headers("supervisor")
    with counted_statements(app) as statements:
        assert api.http.get(f"{CASES}?limit=3", headers=headers).status_code == 200
    # The bearer token with its user (two), the calendar's revision, the page (and on PostgreSQL
    # the statement that turns JIT off).
    postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    assert len(statements) == 4 + postgresql, statements


def _sheet(response: Any) -> list[tuple]:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"]
    return list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))


def test_the_export_has_every_matching_row(built: tuple[ApiClient, dict[str, str]]) -> None:
    api, numbers = built
    rows = _sheet(api.get(f"{CASES}.xlsx?due=overdue", "supervisor"))
    assert rows[0][:4] == ("办件编号", "事项", "申请人", "状态")
    assert letters(numbers, [row[0] for row in rows[1:]]) == "BEG"
    assert {row[-1] for row in rows[1:]} == {"超期"}
    # The same with ?format=xlsx, not paged.
    rows = _sheet(api.get(f"{CASES}?format=xlsx&limit=1", "command"))
    assert letters(numbers, [row[0] for row in rows[1:]]) == "ABCDEFG"


def test_supervisors_land_on_the_dashboard_and_page_through_their_cases(
    app: Flask, built: tuple[ApiClient, dict[str, str]]
) -> None:
    _api, numbers = built
    browser = Browser(app)
    browser.get("/login")
    landed = browser.post("/login", {"username": "command", "password": "demo"})
    assert landed.headers["Location"] == "/supervision"
    dashboard = page_text(browser.get("/supervision"))
    assert 'data-chart="status"' in dashboard and "chart.umd.min.js" in dashboard
    figures = browser.get("/supervision/dashboard.json?from=2026-11-23&to=2026-12-02")
    assert (figures.status_code, figures.json["total"]) == (200, 7)
    first = page_text(browser.get("/supervision/cases?due=overdue"))
    assert numbers["G"] in first and numbers["H"] not in first
    exported = browser.http.get("/supervision/cases.xlsx?due=overdue")
    rows = _sheet(exported)
    assert letters(numbers, [row[0] for row in rows[1:]]) == "BEG"
    # Not a supervisor: no dashboard.
    clerk = Browser(app)
    clerk.log_in("clerk")
    assert clerk.get("/supervision").status_code == 403

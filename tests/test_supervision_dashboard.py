"""The supervisors' dashboard: its figures against the hand-built set of tests/support/supervision.py."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.statements import counted_statements
from tests.support.supervision import HENGDIAN, WUNING, build
from workflow_service.services.calendar.deadlines import CALENDAR_STATEMENTS
from workflow_service.services.supervision.dashboard import DASHBOARD_STATEMENTS

PERIOD = "from=2026-11-23&to=2026-12-02"


@pytest.fixture
def built(app: Flask) -> tuple[ClockedApi, dict[str, str]]:
    numbers = build(app)
    return ClockedApi(app, "2026-12-02"), numbers


def figures(api: ApiClient, user: str, query: str = PERIOD) -> dict[str, Any]:
    response = api.get(f"/api/v1/supervision/dashboard?{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def test_the_county_supervisor_sees_the_figures_of_the_county(
    built: tuple[ClockedApi, dict[str, str]],
) -> None:
    clocked, numbers = built
    answer = figures(clocked.api, "supervisor")
    assert answer["total"] == 8
    assert answer["by_status"] == {"issued": 2, "approved": 3, "under_review": 3}
    assert answer["timeliness"] == {
        "decided": 5,
        "on_time_promised": 3,  # A, C, D
        "on_time_legal": 5,
        "promised_rate": 0.6,
        "legal_rate": 1.0,
        "average_working_days": 3.0,  # (2 + 6 + 2 + 1 + 4) / 5
        "p90_working_days": 6,
    }
    assert answer["supplements"] == {
        "cases": 1,
        "notices": 2,
        "rate": 0.125,
        "rounds": {"2": 1},
        "repeated": 1,
    }
    assert [due["number"] for due in answer["overdue"]] == [numbers["G"]]
    assert [due["number"] for due in answer["due_soon"]] == [numbers["F"]]
    assert answer["overdue"][0]["department"]["name"] == "东阳市市场监督管理局吴宁市场监管所"
    assert answer["local_resolution"] == {"decided": 5, "local": 4, "share": 0.8}
    assert answer["acceptance"] == {"total": 8, "same_township": 7, "same_city": 1, "cross_region": 0}
    assert answer["evaluations"]["by_rating"]["satisfied"] == 1
    assert answer["evaluations"]["by_rating"]["very_dissatisfied"] == 1
    assert (answer["evaluations"]["total"], answer["evaluations"]["open_rectifications"]) == (2, 1)
    townships = {row["code"]: (row["count"], row["overdue"]) for row in answer["by_township"]}
    assert townships == {WUNING: (7, 1), HENGDIAN: (1, 0)}
    assert answer["by_function_type"] == {"economic": 8}
    services = {row["code"]: row["count"] for row in answer["by_service"]}
    assert services == {"individual_business_registration": 8}
    departments = {row["code"]: row["count"] for row in answer["by_department"]}
    # The competent back office the department lane resolved to (E's reassignment does not change it).
    assert departments == {"330783-scjgj-wuning": 7, "330783-scjgj-hengdian": 1}
    daily = {day["day"]: day["count"] for day in answer["daily"]}
    assert len(daily) == 10
    assert (daily["2026-11-23"], daily["2026-11-24"], daily["2026-11-30"], daily["2026-12-01"]) == (
        5,
        1,
        1,
        1,
    )
    assert sum(daily.values()) == 8


def test_a_township_command_room_sees_its_township_only(built: tuple[ClockedApi, dict[str, str]]) -> None:
    clocked, _numbers = built
    answer = figures(clocked.api, "command")
    assert answer["total"] == 7
    assert [row["code"] for row in answer["by_township"]] == [WUNING]
    assert answer["acceptance"] == {"total": 7, "same_township": 6, "same_city": 1, "cross_region": 0}
    # Asking for another township gives nothing from it.
    assert figures(clocked.api, "command", f"{PERIOD}&township={HENGDIAN}")["total"] == 0


def test_the_filters_narrow_every_figure(built: tuple[ClockedApi, dict[str, str]]) -> None:
    clocked, numbers = built
    answer = figures(clocked.api, "supervisor", f"{PERIOD}&township={HENGDIAN}")
    assert (answer["total"], answer["timeliness"]["decided"]) == (1, 0)
    late_week = figures(clocked.api, "supervisor", "from=2026-11-30&to=2026-12-02")
    assert late_week["total"] == 2
    # The due lists keep to the period too (they read the running cases' own index): G, registered
    # on 11-24 and overdue, is not in it; F, registered on 11-30 and due soon, is.
    assert [due["number"] for due in late_week["overdue"]] == []
    assert [due["number"] for due in late_week["due_soon"]] == [numbers["F"]]
    assert figures(clocked.api, "supervisor", f"{PERIOD}&service=minimum_living_allowance")["total"] == 0
    wrong = clocked.api.get("/api/v1/supervision/dashboard?from=2026-12-02&to=2026-11-01", "supervisor")
    assert wrong.status_code == 422
    assert list(wrong.json["errors"]) == ["from"]


def test_the_dashboard_is_a_fixed_number_of_statements(
    app: Flask, built: tuple[ClockedApi, dict[str, str]]
) -> None:
    clocked, _numbers = built
    headers = clocked.api.headers("supervisor")  # the login is not the dashboard's
    with counted_statements(app) as statements:
        response = clocked.api.http.get(f"/api/v1/supervision/dashboard?{PERIOD}", headers=headers)
    assert response.status_code == 200
    # The bearer token with its user (two), the calendar's revision, then the figures (and on
    # PostgreSQL the statement that turns JIT off).
    postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    assert len(statements) == 2 + CALENDAR_STATEMENTS + DASHBOARD_STATEMENTS + postgresql, statements


def test_only_supervisors_see_the_dashboard(client: ApiClient) -> None:
    assert client.get("/api/v1/supervision/dashboard", "approver").status_code == 403
    assert client.get("/api/v1/supervision/dashboard", "clerk").status_code == 403
    assert client.http.get("/api/v1/supervision/dashboard").status_code == 401


def test_the_figures_export_as_xlsx(built: tuple[ClockedApi, dict[str, str]]) -> None:
    clocked, numbers = built
    response = clocked.api.get(f"/api/v1/supervision/dashboard?{PERIOD}&format=xlsx", "supervisor")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    summary = {row[0]: row[1] for row in workbook["概况"].iter_rows(values_only=True)}
    assert summary["办件总数"] == 8
    assert summary["承诺时限内办结率"] == 0.6
    late = [row[0] for row in workbook["超期与即将到期"].iter_rows(min_row=2, values_only=True)]
    assert late == [numbers["G"], numbers["F"]]

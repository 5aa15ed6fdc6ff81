"""The supervisors' dashboard: its figures against a hand-built set of cases with known outcomes.

Eight 个体工商户设立登记 cases (promised limit 3 working days, legal 15), each moved through the real
steps on the service clock, then read on Wednesday 2 December 2026:

=====  ==========  ========  =========  ============================================  ==============
case   registered  accepted  decided    how                                           outcome
=====  ==========  ========  =========  ============================================  ==============
A      11-23       11-23     11-25      吴宁 window, 吴宁 station; 满意                 on time, 2 wd
B      11-23       11-23     12-01      吴宁; 非常不满意 (open rectification)            late, 6 wd
C      11-23       11-24     11-26      补正 twice before acceptance                   on time, 2 wd
D      11-23       11-23     11-24      accepted at 横店 for a 吴宁 matter (同城通办)     on time, 1 wd
E      11-23       11-23     11-27      reassigned to the county bureau (not local)   late, 4 wd
F      11-30       11-30     —          under review, due 12-03                       due soon
G      11-24       11-24     —          under review, due 11-27                       overdue
H      12-01       12-01     —          横店 window and matter                         on time
=====  ==========  ========  =========  ============================================  ==============
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.statements import counted_statements
from tests.support.steps import ACCEPT, APPROVE, MAIL, only_task
from workflow_service.services.calendar.deadlines import CALENDAR_STATEMENTS
from workflow_service.services.supervision.dashboard import DASHBOARD_STATEMENTS

WUNING, HENGDIAN = "330783001", "330783111"
PERIOD = "from=2026-11-23&to=2026-12-02"
BAD = {"rating": "very_dissatisfied", "comment": "审核时间长，电话无人接听"}


class Cases:
    """The API on a moving clock, with the moves the table above needs."""

    def __init__(self, app: Flask) -> None:
        self.clocked = ClockedApi(app, "2026-11-23")

    def on(self, day: str) -> ApiClient:
        return self.clocked.move_to(day)

    def register(self, day: str, clerk: str = "clerk", township: str = WUNING) -> str:
        return self.on(day).start_case(clerk, matter_township=township)

    def complete(self, day: str, number: str, user: str, data: dict[str, Any], name: str) -> None:
        api = self.on(day)
        task = only_task(api, number, name, "supervisor")
        response = api.complete(task["id"], user, data)
        assert response.status_code == 200, response.json

    def accepted(self, day: str, clerk: str = "clerk", township: str = WUNING) -> str:
        number = self.register(day, clerk, township)
        self.complete(day, number, clerk, ACCEPT, "受理")
        return number

    def decide(self, day: str, number: str, approver: str = "approver") -> None:
        self.complete(day, number, approver, APPROVE, "审核")

    def issue(self, day: str, number: str) -> None:
        self.complete(day, number, "clerk", MAIL, "出件")


def build(app: Flask) -> dict[str, str]:
    cases = Cases(app)
    numbers: dict[str, str] = {}
    numbers["A"] = cases.accepted("2026-11-23")
    cases.decide("2026-11-25", numbers["A"])
    cases.issue("2026-11-25", numbers["A"])
    api = cases.on("2026-11-25")
    evaluated = api.post(f"/api/v1/cases/{numbers['A']}/evaluation", "clerk", json={"rating": "satisfied"})
    assert evaluated.status_code == 201, evaluated.json

    numbers["B"] = cases.accepted("2026-11-23")
    cases.decide("2026-12-01", numbers["B"])
    cases.issue("2026-12-01", numbers["B"])
    evaluated = cases.on("2026-12-01").post(f"/api/v1/cases/{numbers['B']}/evaluation", "clerk", json=BAD)
    assert evaluated.status_code == 201, evaluated.json

    numbers["C"] = cases.register("2026-11-23")
    for _ in range(2):
        supplement = {"acceptance_decision": "supplement", "missing_materials": ["经营场所使用证明"]}
        cases.complete("2026-11-23", numbers["C"], "clerk", supplement, "受理")
        receipt = {"supplement_receipt_note": "申请人已送来补正材料"}
        cases.complete("2026-11-23", numbers["C"], "clerk", receipt, "补正材料收取")
    cases.complete("2026-11-24", numbers["C"], "clerk", ACCEPT, "受理")
    cases.decide("2026-11-26", numbers["C"])

    numbers["D"] = cases.accepted("2026-11-23", clerk="clerk-hengdian")
    cases.decide("2026-11-24", numbers["D"])

    numbers["E"] = cases.accepted("2026-11-23")
    api = cases.on("2026-11-23")
    review = only_task(api, numbers["E"], "审核", "supervisor")
    moved = api.post(
        f"/api/v1/tasks/{review['id']}/reassign",
        "supervisor",
        json={"organisation": "330783-scjgj", "reason": "涉及跨所经营范围，由市局审核"},
    )
    assert moved.status_code == 200, moved.json
    cases.decide("2026-11-27", numbers["E"], "approver-county")

    numbers["F"] = cases.accepted("2026-11-30")
    numbers["G"] = cases.accepted("2026-11-24")
    numbers["H"] = cases.accepted("2026-12-01", clerk="clerk-hengdian", township=HENGDIAN)
    cases.on("2026-12-02")
    return numbers


@pytest.fixture
def built(app: Flask) -> tuple[ClockedApi, dict[str, str]]:
    numbers = build(app)
    return ClockedApi(app, "2026-12-02"), numbers


def figures(api: ApiClient, user: str, query: str = PERIOD) -> dict[str, Any]:
    response = api.get(f"/api/v1/supervision/dashboard?{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def test_the_county_supervisor_sees_the_figures_of_the_county(built: tuple[ClockedApi, dict[str, str]]) -> None:
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
    assert answer["supplements"] == {"cases": 1, "notices": 2, "rate": 0.125, "rounds": {"2": 1}, "repeated": 1}
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
    assert (daily["2026-11-23"], daily["2026-11-24"], daily["2026-11-30"], daily["2026-12-01"]) == (5, 1, 1, 1)
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
    clocked, _numbers = built
    answer = figures(clocked.api, "supervisor", f"{PERIOD}&township={HENGDIAN}")
    assert (answer["total"], answer["timeliness"]["decided"]) == (1, 0)
    assert figures(clocked.api, "supervisor", "from=2026-11-30&to=2026-12-02")["total"] == 2
    assert figures(clocked.api, "supervisor", f"{PERIOD}&service=minimum_living_allowance")["total"] == 0
    wrong = clocked.api.get("/api/v1/supervision/dashboard?from=2026-12-02&to=2026-11-01", "supervisor")
    assert wrong.status_code == 422
    assert list(wrong.json["errors"]) == ["from"]


def test_the_dashboard_is_a_fixed_number_of_statements(app: Flask, built: tuple[ClockedApi, dict[str, str]]) -> None:
    clocked, _numbers = built
    headers = clocked.api.headers("supervisor")  # the login is not the dashboard's
    with counted_statements(app) as statements:
        response = clocked.api.http.get(f"/api/v1/supervision/dashboard?{PERIOD}", headers=headers)
    assert response.status_code == 200
    # The bearer token with its user (two), the calendar's revision, then the figures.
    assert len(statements) == 2 + CALENDAR_STATEMENTS + DASHBOARD_STATEMENTS, statements


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


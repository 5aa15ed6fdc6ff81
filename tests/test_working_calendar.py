"""The working-day calendar on real dates: the package's 2026, the Monday–Friday fallback for 2027,
and the table admins enter from the State Council's notice (API, CLI, audit, the outlook warning)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from tests.support.clock import ClockedApi
from tests.support.statements import counted_statements
from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db
from workflow_service.models import AuditEvent
from workflow_service.services.calendar.deadlines import load_calendar, working_calendar

EXAMPLE_2027 = PROJECT_ROOT / "catalog" / "calendar-2027.example.yaml"
NEW_YEAR_2027 = {
    "source": "测试用：2027 年元旦放假安排",
    "published_at": "2026-11-20",
    "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
}


def working_day(app: Flask, day: str) -> bool:
    with app.app_context():
        return load_calendar().is_working_day(date.fromisoformat(day))


def add_working_days(app: Flask, start: str, days: int) -> str:
    with app.app_context():
        return load_calendar().add_working_days(date.fromisoformat(start), days).isoformat()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-09-25", False),  # Friday, 中秋节
        ("2026-09-28", True),
        ("2026-10-01", False),  # 国庆节
        ("2026-10-07", False),  # Wednesday, still 国庆节
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday, 国庆节调休上班
        ("2026-09-20", True),  # Sunday, 国庆节调休上班
        ("2026-10-11", False),  # an ordinary Sunday
        ("2027-01-01", True),  # Friday of an unknown year: Monday–Friday
        ("2027-01-02", False),
    ],
)
def test_which_days_are_working_days(app: Flask, day: str, working: bool) -> None:
    assert working_day(app, day) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Accepted on the Friday before National Day (a 中秋节 holiday itself), not counted.
        ("2026-09-25", 3, "2026-09-30"),
        # The holiday week is skipped, and the make-up Saturday counts.
        ("2026-09-25", 4, "2026-10-08"),
        ("2026-09-30", 3, "2026-10-10"),
        # Running from the package's last year into 2027, which it does not know: Monday–Friday.
        ("2026-12-28", 5, "2027-01-04"),
        # An instant item is due the day it is accepted.
        ("2026-09-25", 0, "2026-09-25"),
    ],
)
def test_due_dates_on_the_2026_calendar(app: Flask, start: str, days: int, due: str) -> None:
    assert add_working_days(app, start, days) == due


def calendar_url(year: int) -> str:
    return f"/api/v1/admin/calendar/{year}"


def test_admin_enters_2027_and_it_counts_from_then_on(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    before = desk.api.get(calendar_url(2027), "admin")
    assert before.status_code == 200
    assert before.json["source"] == "weekdays_only"
    assert before.json["days"] == []

    response = desk.put(calendar_url(2027), "admin", NEW_YEAR_2027)
    assert response.status_code == 200, response.json
    entered = response.json["calendar"]
    assert entered["source"] == "entered"
    assert entered["notice"] == "测试用：2027 年元旦放假安排"
    assert entered["published_at"] == "2026-11-20"
    assert entered["entered_by"] == "admin"
    assert [(d["day"], d["working"], d["name"]) for d in entered["days"]] == [
        ("2027-01-01", False, "元旦"),
        ("2027-01-02", False, "元旦"),
        ("2027-01-03", False, "元旦"),
    ]
    assert working_day(app, "2027-01-01") is False
    assert add_working_days(app, "2026-12-28", 5) == "2027-01-05"

    # Supervisors read it too.
    assert desk.api.get(calendar_url(2027), "supervisor").json["source"] == "entered"
    with app.app_context():
        (event,) = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "calendar.year_entered")
        ).scalars()
        assert event.actor_username == "admin"
        assert event.summary["before"] == {"source": "weekdays_only", "days": []}
        assert event.summary["after"]["days"][0] == {"day": "2027-01-01", "working": False, "name": "元旦"}


def test_entering_a_year_again_replaces_it(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    assert desk.put(calendar_url(2027), "admin", NEW_YEAR_2027).status_code == 200
    corrected = {
        "source": "更正",
        "holidays": [
            {"name": "春节", "from": "2027-02-08", "to": "2027-02-09", "working_days": ["2027-02-20"]}
        ],
    }
    response = desk.put(calendar_url(2027), "admin", corrected)
    assert response.status_code == 200, response.json
    assert [(d["day"], d["working"]) for d in response.json["calendar"]["days"]] == [
        ("2027-02-08", False),
        ("2027-02-09", False),
        ("2027-02-20", True),
    ]
    assert working_day(app, "2027-01-01") is True
    assert working_day(app, "2027-02-20") is True  # a Saturday


def test_a_year_the_package_knows_shows_its_holidays(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    response = desk.api.get(calendar_url(2026), "supervisor")
    assert response.status_code == 200
    assert response.json["source"] == "chinesecalendar"
    days = {d["day"]: (d["working"], d["name"]) for d in response.json["days"]}
    assert days["2026-10-10"] == (True, "国庆节调休上班")
    assert days["2026-09-25"] == (False, "中秋节")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"source": "x", "holidays": [{"name": "元旦", "from": "2026-12-31", "to": "2027-01-01"}]},
            "holidays.0.from",
        ),
        (
            {"source": "x", "holidays": [{"name": "元旦", "from": "2027-01-03", "to": "2027-01-01"}]},
            "holidays.0.to",
        ),
        (
            {
                "source": "x",
                "holidays": [
                    {"name": "春节", "from": "2027-02-08", "to": "2027-02-10", "working_days": ["2027-02-09"]}
                ],
            },
            "holidays.0.working_days.0",
        ),
        ({"source": "x", "holidays": [{"name": "元旦", "from": "not a date"}]}, "holidays.0.from"),
        ({"holidays": []}, "source"),
    ],
)
def test_a_wrong_schedule_is_refused_with_field_errors(app: Flask, body: dict[str, Any], field: str) -> None:
    desk = ClockedApi(app, "2026-11-25")
    response = desk.put(calendar_url(2027), "admin", body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert desk.api.get(calendar_url(2027), "admin").json["source"] == "weekdays_only"


def test_who_may_read_and_change_the_calendar(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    assert app.test_client().get(calendar_url(2027)).status_code == 401
    assert desk.api.get(calendar_url(2027), "clerk").status_code == 403
    assert desk.api.get(calendar_url(2027), "approver").status_code == 403
    assert desk.put(calendar_url(2027), "supervisor", NEW_YEAR_2027).status_code == 403
    assert desk.put(calendar_url(2027), "clerk", {}).status_code == 403  # before the body is looked at
    assert desk.api.get(calendar_url(1900), "admin").status_code == 422
    assert desk.api.get("/api/v1/dashboard/calendar", "clerk").status_code == 403
    assert desk.api.get("/api/v1/dashboard/calendar", "analyst").status_code == 403


def test_supervisors_and_readyz_are_warned_while_less_than_60_days_are_known(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["calendar"] == "warning"
    assert ready.json["details"]["calendar"]["known_until"] == "2026-12-31"
    assert ready.json["details"]["calendar"]["days_ahead"] == 36
    assert "2027" in ready.json["details"]["calendar"]["warning"]

    dashboard = desk.api.get("/api/v1/dashboard/calendar", "supervisor")
    assert dashboard.status_code == 200
    assert dashboard.json["warning"] is True
    assert dashboard.json["known_until"] == "2026-12-31"
    assert dashboard.json["threshold_days"] == 60
    assert "2027" in dashboard.json["message"]

    assert desk.put(calendar_url(2027), "admin", NEW_YEAR_2027).status_code == 200
    ready = app.test_client().get("/readyz")
    assert ready.json["checks"]["calendar"] == "ok"
    assert ready.json["details"]["calendar"]["days_ahead"] == 401
    dashboard = desk.api.get("/api/v1/dashboard/calendar", "supervisor").json
    assert (dashboard["warning"], dashboard["message"], dashboard["entered_years"]) == (False, None, [2027])


def test_early_in_a_known_year_there_is_no_warning(app: Flask) -> None:
    desk = ClockedApi(app, "2026-06-01")
    dashboard = desk.api.get("/api/v1/dashboard/calendar", "supervisor").json
    assert (dashboard["warning"], dashboard["days_ahead"]) == (False, 213)
    # A year that is not known at all: nothing ahead is official.
    desk.move_to("2027-03-01")
    dashboard = desk.api.get("/api/v1/dashboard/calendar", "supervisor").json
    assert (dashboard["warning"], dashboard["known_until"], dashboard["days_ahead"]) == (True, None, 0)


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["calendar", *args])


def test_console_imports_shows_and_corrects_a_year(app: Flask) -> None:
    ClockedApi(app, "2026-11-25")
    shown = run(app, "show", "2027")
    assert shown.exit_code == 0, shown.output
    assert "NOT KNOWN YET" in shown.output

    imported = run(app, "import", str(EXAMPLE_2027))
    assert imported.exit_code == 0, imported.output
    assert "entered from the official notice" in imported.output
    assert "2027-02-20 Sat  working  春节调休上班" in imported.output
    assert working_day(app, "2027-02-20") is True
    assert working_day(app, "2027-02-08") is False

    corrected = run(app, "set", "2027-02-20", "holiday", "更正：取消调休")
    assert corrected.exit_code == 0, corrected.output
    assert working_day(app, "2027-02-20") is False
    assert "2027-02-20 Sat  holiday  更正：取消调休" in run(app, "show", "2027").output
    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_username).where(AuditEvent.action.like("calendar.%"))
        ).all()
    assert [tuple(row) for row in actions] == [("calendar.year_entered", None), ("calendar.day_set", None)]


def test_console_reports_a_wrong_file_by_field(app: Flask, tmp_path: Any) -> None:
    ClockedApi(app, "2026-11-25")
    wrong = tmp_path / "2027.yaml"
    wrong.write_text(
        "year: 2027\nsource: 测试\nholidays:\n  - {name: 元旦, from: 2026-12-31, to: 2027-01-01}\n",
        encoding="utf-8",
    )
    result = run(app, "import", str(wrong))
    assert result.exit_code == 1
    assert "holidays.0.from: 2026-12-31 不在 2027 年" in result.output
    assert "NOT KNOWN YET" in run(app, "show", "2027").output
    assert run(app, "set", "2027-13-01", "holiday", "x").exit_code == 2


def test_each_process_reads_the_table_again_only_after_a_change(app: Flask) -> None:
    def read_in_a_request() -> bool:
        """Whether 2027-01-04 (a Monday) is a working day, as one request sees it."""
        with app.app_context():
            return working_calendar().is_working_day(date(2027, 1, 4))

    assert read_in_a_request() is True
    with counted_statements(app) as statements:
        assert read_in_a_request() is True
    assert len(statements) == 1 and "calendar_revision" in statements[0]
    # Another process enters the Monday as a holiday and counts the change, as every change does.
    with app.app_context():
        db.session.execute(
            text("INSERT INTO calendar_day (day, is_working, name) VALUES ('2027-01-04', false, '测试')")
        )
        db.session.execute(text("UPDATE calendar_revision SET revision = revision + 1"))
        db.session.commit()
    assert read_in_a_request() is False

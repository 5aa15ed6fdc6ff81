"""The clock a case's status history gives: starts at acceptance, pauses in 补正 and 中止, stops at a decision.

The histories are written out as the service records them (status, UTC time); times are 10:00 in
Shanghai. The engine is also asked to cancel a workflow, which is what withdrawal relies on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from workflow_service.engine.runtime import ProcessRuntime
from workflow_service.extensions import db
from workflow_service.models import Case, ProcessDefinition, ServiceItem, TimeUnit
from workflow_service.services.calendar.case_clock import case_clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def entry(status: str, day: str) -> dict[str, str]:
    at = datetime.combine(date.fromisoformat(day), time(10), tzinfo=SHANGHAI).astimezone(UTC)
    return {"status": status, "at": at.isoformat()}


def clock_of(app: Flask, history: list[tuple[str, str]], unit: TimeUnit = TimeUnit.WORKING_DAY) -> object:
    with app.app_context():
        item = db.session.execute(
            select(ServiceItem).where(ServiceItem.code == "individual_business_registration")
        ).scalar_one()
        item.promised_limit_unit = unit  # 3 days
        case = Case(status_history=[entry(status, day) for status, day in history])
        case.service_item = item
        result = case_clock(case)
        db.session.rollback()
        return result


@pytest.mark.parametrize(
    ("history", "started", "paused_since", "paused_days", "due"),
    [
        # 补正 before acceptance: the clock starts when the materials are complete and it is accepted.
        (
            [
                ("submitted", "2026-11-20"),
                ("supplement", "2026-11-20"),
                ("submitted", "2026-11-24"),
                ("accepted", "2026-11-25"),
            ],
            "2026-11-25",
            None,
            0,
            "2026-11-30",
        ),
        # 补正 after acceptance pauses like a suspension, and is still paused.
        (
            [("accepted", "2026-11-25"), ("supplement", "2026-11-26")],
            "2026-11-25",
            "2026-11-26",
            0,
            "2026-11-30",
        ),
        (
            [("accepted", "2026-11-25"), ("supplement", "2026-11-26"), ("accepted", "2026-12-01")],
            "2026-11-25",
            None,
            3,
            "2026-12-03",
        ),
        # A pause over the National Day week adds only its working day (10-08): due 10-09, not 10-08.
        (
            [
                ("accepted", "2026-09-28"),
                ("under_review", "2026-09-28"),
                ("suspended", "2026-09-30"),
                ("under_review", "2026-10-08"),
            ],
            "2026-09-28",
            None,
            1,
            "2026-10-09",
        ),
    ],
)
def test_pauses_move_the_due_date_by_the_working_days_they_took(
    app: Flask, history: list, started: str, paused_since: str | None, paused_days: int, due: str
) -> None:
    clock = clock_of(app, history)
    assert clock.started_on == date.fromisoformat(started)  # type: ignore[attr-defined]
    assert clock.paused_since == (date.fromisoformat(paused_since) if paused_since else None)  # type: ignore[attr-defined]
    assert clock.paused_days == paused_days  # type: ignore[attr-defined]
    assert clock.due_date == date.fromisoformat(due)  # type: ignore[attr-defined]


def test_a_decision_stops_the_clock_for_good(app: Flask) -> None:
    clock = clock_of(
        app, [("accepted", "2026-11-25"), ("suspended", "2026-11-26"), ("withdrawn", "2026-12-01")]
    )
    assert clock.stopped_on == date(2026, 12, 1)  # type: ignore[attr-defined]
    assert clock.paused_since is None  # type: ignore[attr-defined]
    assert clock.due_date == date(2026, 12, 3)  # type: ignore[attr-defined]


def test_a_natural_day_limit_counts_every_day(app: Flask) -> None:
    clock = clock_of(app, [("accepted", "2026-09-30")], TimeUnit.NATURAL_DAY)
    assert clock.due_date == date(2026, 10, 3)  # type: ignore[attr-defined]


def test_the_engine_cancels_a_workflow_for_good(app: Flask) -> None:
    runtime = ProcessRuntime()
    with app.app_context():
        definition = (
            db.session.execute(
                select(ProcessDefinition).where(ProcessDefinition.key == "individual_business_registration")
            )
            .scalars()
            .first()
        )
        assert definition is not None
        started = runtime.start(definition.content_hash, definition.spec_json, {"pre_review": False})
        assert [task.name for task in started.ready_tasks] == ["受理"]
        cancelled = runtime.cancel(definition.content_hash, definition.spec_json, started.state)
        assert (cancelled.completed, cancelled.ready_tasks, cancelled.statuses_reached) == (True, (), ())
        # Restored from what was stored, the cancelled workflow offers nothing to do.
        assert runtime.ready_tasks(definition.content_hash, definition.spec_json, cancelled.state) == ()

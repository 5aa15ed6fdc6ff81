"""Retention: finished cases past the configured age lose their serialized workflow, nothing else;
their diagram still shows the path they took; running and recent cases keep theirs."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import undefer

from tests.support.api import audit
from tests.support.clock import ClockedApi
from tests.support.steps import accepted, issued
from workflow_service.extensions import db
from workflow_service.models import Case, User
from workflow_service.services.intake.cases import case_diagram


def _case(app: Flask, number: str) -> Case:
    with app.app_context():
        case = db.session.execute(
            select(Case).options(undefer(Case.workflow_state)).where(Case.number == number)
        ).scalar_one()
        db.session.expunge(case)
        return case


def _diagram_marks(app: Flask, number: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the case page's diagram marks: the elements passed, and those waiting."""
    with app.app_context():
        clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()
        diagram = case_diagram(clerk, number)
        return diagram.completed, diagram.current


def test_old_finished_cases_lose_only_their_state(app: Flask) -> None:
    clocked = ClockedApi(app, "2026-10-12")
    client = clocked.api
    old = issued(client)
    running = accepted(client)
    client = clocked.move_to("2026-11-23")
    recent = issued(client)
    marks_before = _diagram_marks(app, old)
    assert marks_before[0] and not marks_before[1]  # a path passed, nothing waiting
    case_before = client.get(f"/api/v1/cases/{old}", user="clerk").json

    result = app.test_cli_runner().invoke(args=["drop-finished-states"])
    assert result.exit_code == 0, result.output
    assert "dropped the workflow state of 1 cases" in result.output

    dropped = _case(app, old)
    assert dropped.workflow_state is None
    assert dropped.state_dropped_at is not None
    assert dropped.passed_elements  # the path, kept for the diagram
    assert _case(app, running).workflow_state  # still running: it needs its state
    assert _case(app, recent).workflow_state  # ended within the retention age
    # What staff see of the old case is unchanged: its answer, and the diagram's marks.
    assert client.get(f"/api/v1/cases/{old}", user="clerk").json == case_before
    assert _diagram_marks(app, old) == marks_before
    assert [event["cases"] for event in audit(app, "retention.states_dropped")] == [1]

    again = app.test_cli_runner().invoke(args=["drop-finished-states"])
    assert again.exit_code == 0, again.output
    assert "no finished case older than 30 days holds a workflow state" in again.output


def test_the_run_goes_in_batches_and_takes_an_age(app: Flask) -> None:
    clocked = ClockedApi(app, "2026-11-13")
    numbers = [issued(clocked.api) for _ in range(3)]
    clocked.move_to("2026-11-23")

    kept = app.test_cli_runner().invoke(args=["drop-finished-states"])
    assert "no finished case older than 30 days" in kept.output
    result = app.test_cli_runner().invoke(
        args=["drop-finished-states", "--older-than-days", "7", "--batch-size", "2"]
    )
    assert result.exit_code == 0, result.output
    assert all(_case(app, number).workflow_state is None for number in numbers)
    # One audit row per batch: 2 cases, then 1.
    assert [event["cases"] for event in audit(app, "retention.states_dropped")] == [2, 1]

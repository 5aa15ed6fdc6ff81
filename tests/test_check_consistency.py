"""``flask --app wsgi check-consistency``: every case against its stored workflow, as an operator runs it.

The demo database (19 cases in every state: waiting for 受理, in 补正, under review, parallel
reviews, a 7-day publicity timer, issued, archived) passes; a case whose task row was deleted,
whose stored workflow was swapped for another case's, or whose timer job was lost is named with why,
and the others are not.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import delete, func, select, update

from tests.support.statements import counted_statements
from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db
from workflow_service.models import Case, Job, JobKind, Task, TaskKind, TaskState
from workflow_service.services.seed.demo_cases import seed_demo_cases


@pytest.fixture
def app(app: Flask) -> Iterator[Flask]:
    """The test database with the demo cases, registered and worked as `make run` does."""
    with app.app_context():
        assert seed_demo_cases(PROJECT_ROOT / "catalog" / "demo_cases.yaml").created >= 19
    yield app


def check(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["check-consistency", *args])


def case_count(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Case.id))).scalar_one()


def open_task_of_some_case(app: Flask) -> tuple[str, str]:
    """(case number, task id) of a case with exactly one open workflow task."""
    with app.app_context():
        rows = db.session.execute(
            select(Case.number, Task.id)
            .join(Task, Task.case_id == Case.id)
            .where(Task.state == TaskState.OPEN, Task.kind == TaskKind.WORKFLOW)
            .order_by(Case.id)
        ).all()
    by_case: dict[str, list[str]] = {}
    for number, task_id in rows:
        by_case.setdefault(number, []).append(task_id)
    number, tasks = next((number, tasks) for number, tasks in by_case.items() if len(tasks) == 1)
    return number, tasks[0]


def test_the_demo_database_is_consistent_in_one_batched_pass(app: Flask) -> None:
    cases = case_count(app)
    assert cases >= 19
    with app.app_context():
        definitions = db.session.execute(
            select(func.count(func.distinct(Case.process_definition_id)))
        ).scalar_one()
    with counted_statements(app) as statements:
        result = check(app, "--batch-size", "5")
    assert result.exit_code == 0, result.output
    assert f"{cases} cases checked, 0 inconsistent" in result.output
    # The count, then per batch of five: cases, task rows, timer jobs; the empty last batch; each
    # process version once. Never a statement per case.
    batches = math.ceil(cases / 5)
    assert len(statements) <= 1 + 3 * batches + 1 + definitions, statements


def test_a_case_whose_task_row_was_deleted_is_named(app: Flask) -> None:
    number, task_id = open_task_of_some_case(app)
    with app.app_context():
        db.session.execute(delete(Task).where(Task.id == task_id))
        db.session.commit()
    result = check(app)
    assert result.exit_code == 1, result.output
    assert f"{number}: inconsistent\n  - task {task_id} is ready in the workflow but has no task row\n" in (
        result.output
    )
    assert f"{case_count(app)} cases checked, 1 inconsistent" in result.output


def test_a_case_whose_stored_workflow_shows_another_task_is_named(app: Flask) -> None:
    number, task_id = open_task_of_some_case(app)
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        # Another case of the same process version, at another step: its state, not this case's.
        other = (
            db.session.execute(
                select(Case)
                .where(Case.process_definition_id == case.process_definition_id, Case.id != case.id)
                .where(Case.ended_at.is_(None))
                .order_by(Case.id)
            )
            .scalars()
            .first()
        )
        assert other is not None
        other_tasks = set(
            db.session.execute(
                select(Task.id).where(Task.case_id == other.id, Task.state == TaskState.OPEN)
            ).scalars()
        )
        case.workflow_state = other.workflow_state
        db.session.commit()
        other_number = other.number
    result = check(app)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    named = [line.split(":")[0] for line in lines if line.endswith(": inconsistent")]
    assert named == [number]  # the other case, whose state it was, is still consistent
    assert other_number not in named
    assert f"  - task row {task_id} is open but is no ready task of the workflow" in lines
    for other_task in other_tasks:
        assert f"  - task {other_task} is ready in the workflow but has no task row" in lines


def test_a_case_whose_timer_job_was_lost_is_named(app: Flask) -> None:
    with app.app_context():
        number, job_id, task_ref = db.session.execute(
            select(Case.number, Job.id, Job.task_ref)
            .join(Job, Job.case_id == Case.id)
            .where(Job.kind == JobKind.TIMER, Case.ended_at.is_(None))
        ).first()
        db.session.execute(delete(Job).where(Job.id == job_id))
        db.session.commit()
    result = check(app)
    assert result.exit_code == 1, result.output
    assert f"{number}: inconsistent\n" in result.output
    assert f"({task_ref}) is waiting but has no job" in result.output


def test_an_ended_case_with_an_open_workflow_is_named(app: Flask) -> None:
    number, _task_id = open_task_of_some_case(app)
    with app.app_context():
        db.session.execute(update(Case).where(Case.number == number).values(status="withdrawn"))
        db.session.commit()
    result = check(app)
    assert result.exit_code == 1, result.output
    assert f"{number}: inconsistent\n  - the case is withdrawn but its workflow has not ended\n" in (
        result.output
    )


def test_progress_goes_to_stderr_and_the_summary_to_stdout(app: Flask) -> None:
    # click 8.2 keeps the two streams apart always; before it, only with mix_stderr=False.
    separate = (
        {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters else {}
    )
    result = app.test_cli_runner(**separate).invoke(args=["check-consistency"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{case_count(app)} cases checked, 0 inconsistent"
    assert "checking" in result.stderr

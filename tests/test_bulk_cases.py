"""The benchmark loader (`flask load-cases`): copies of the demo cases that the service treats as its
own — numbers unique and counted on, applicants valid, open copies workable through the engine,
finished copies past retention without a state but with their path."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from tests.support.api import ApiClient
from workflow_service.extensions import db
from workflow_service.models import ApplicantKind, Case, Task, TaskState, User
from workflow_service.services.directory.identity_numbers import check_credit_code, check_resident_id
from workflow_service.services.intake.cases import case_diagram

DEMO_PASSWORD = "demo"  # the test database's accounts exist before seed-demo, with this password


@pytest.fixture
def loaded(live_app: Flask) -> Flask:
    for command in (
        ["seed-demo", "--demo-users"],
        ["load-cases", "--cases", "300", "--open-tasks", "40", "--batch-size", "64"],
    ):
        result = live_app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    return live_app


def test_the_copies_are_cases_of_their_own(loaded: Flask) -> None:
    with loaded.app_context():
        cases = list(
            db.session.execute(select(Case).options(undefer(Case.workflow_state)).order_by(Case.id)).scalars()
        )
        copies = cases[19:]  # after the 19 demo cases
        assert len(copies) == 300
        assert len({case.number for case in cases}) == len(cases)
        for case in copies:
            if case.applicant_kind == ApplicantKind.LEGAL_ENTITY:
                assert check_credit_code(case.applicant_id_number).valid, case.applicant_id_number
            else:
                assert check_resident_id(case.applicant_id_number, case.submitted_at.date()).valid, (
                    case.applicant_id_number
                )
        open_tasks = db.session.execute(
            select(func.count())
            .select_from(Task)
            .where(Task.state == TaskState.OPEN, Task.case_id > cases[18].id)
        ).scalar_one()
        assert 30 <= open_tasks <= 50  # about the 40 asked for (a copy has one or more open tasks)
        finished = [case for case in copies if case.ended_at is not None]
        assert len(finished) > 200
        # Most finished copies ended long ago: past retention, without state, with their path.
        dropped = [case for case in finished if case.workflow_state is None]
        assert len(dropped) > len(finished) * 0.9
        assert all(case.passed_elements for case in dropped)
        clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()
        visible = next(case for case in dropped if case.accepting_organisation_id == clerk.organisation_id)
        assert case_diagram(clerk, visible.number).completed == tuple(visible.passed_elements)
        # Open copies hold their own task ids in their state, not their template's.
        running = [case for case in copies if case.ended_at is None]
        open_ids = Counter(
            db.session.execute(
                select(Task.id).where(
                    Task.case_id.in_([case.id for case in running]), Task.state == TaskState.OPEN
                )
            ).scalars()
        )
        assert all(count == 1 for count in open_ids.values())


def test_an_open_copy_is_worked_like_any_case_and_new_numbers_follow(loaded: Flask) -> None:
    client = ApiClient(loaded.test_client(), password=DEMO_PASSWORD)
    with loaded.app_context():
        clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()
        task = db.session.execute(
            select(Task)
            .join(Task.case)
            .where(
                Task.state == TaskState.OPEN,
                Task.bpmn_id == "acceptance",
                Task.organisation_id == clerk.organisation_id,
                Case.service_item.has(code="individual_business_registration"),
                Case.id > 19,
            )
            .limit(1)
        ).scalar_one()
        task_id, number = task.id, task.case.number
    answer = client.complete(task_id, "clerk", {"acceptance_decision": "accept"})
    assert answer.status_code == 200, answer.json
    assert client.case(number)["status"]["code"] == "under_review"
    # A case registered after the load gets a number no copy holds.
    registered = client.start_case()
    with loaded.app_context():
        assert db.session.execute(select(func.count()).where(Case.number == registered)).scalar_one() == 1

"""The worker: timers due while it was down, retries and failures, expired claims, deadline warnings, CLI."""

from __future__ import annotations

import time as clock_time
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.conftest import make_app
from tests.support.allowance import (
    REGISTERED_AT,
    VISITED_AT,
    publicity_jobs,
    register_and_visit,
    start_case,
    visited_households,
)
from tests.support.api import ApiClient, case_body
from tests.support.clock import ClockedApi, in_shanghai
from tests.support.steps import actions, complete_only_task
from tests.test_incidents import install, process
from workflow_service.extensions import db
from workflow_service.models import Job, JobState
from workflow_service.services.process import jobs
from workflow_service.services.process.job_runner import Outcome, run_due_jobs, run_job
from workflow_service.worker import Worker

PUBLICITY_ENDS = VISITED_AT + timedelta(days=7)


def test_a_timer_due_while_no_worker_ran_fires_once_when_one_runs(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock)
    # Nobody ran a worker for a month.
    api = clock.move_to(PUBLICITY_ENDS + timedelta(days=30))
    assert api.case(number)["current_tasks"] == []
    first = Worker(app).run_once()
    second = Worker(app).run_once()
    assert first[Outcome.DONE] >= 1
    assert second == {}
    case = api.case(number)
    assert actions(case).count("timer.fired") == 1
    assert [task["name"] for task in case["current_tasks"]] == ["审核确认"]


def close_the_bureau(api: ApiClient) -> None:
    """Deactivate 东阳市民政局, its one account leaving first (an organisation in use cannot close)."""
    assert api.post("/api/v1/admin/users/approver-minzheng/disable", "admin").status_code == 200
    response = api.http.patch(
        "/api/v1/admin/organisations/330783-mzj", headers=api.headers("admin"), json={"active": False}
    )
    assert response.status_code == 200, response.json


def test_a_failing_job_is_retried_with_backoff_and_ends_failed_with_its_error(app: Flask) -> None:
    app.config.update(JOB_MAX_ATTEMPTS=3, JOB_RETRY_BASE_SECONDS=60)
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock)
    # The county bureau is closed down during the publicity: the decision task has nowhere to go.
    close_the_bureau(clock.api)
    worker = Worker(app)

    clock.move_to(PUBLICITY_ENDS)
    assert worker.run_once()[Outcome.RETRY] == 1
    (job,) = publicity_jobs(app)
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert job.run_at == PUBLICITY_ENDS + timedelta(seconds=60)
    assert "没有主管部门（civil_affairs）" in job.last_error
    assert worker.run_once() == {}  # not before the backoff has passed

    clock.move_to(job.run_at)
    assert worker.run_once()[Outcome.RETRY] == 1
    (job,) = publicity_jobs(app)
    assert job.run_at == clock.at + timedelta(seconds=120)

    api = clock.move_to(job.run_at)
    assert worker.run_once()[Outcome.FAILED] == 1
    (job,) = publicity_jobs(app)
    assert (job.state, job.attempts) == (JobState.FAILED, 3)
    assert "东阳市没有主管部门（civil_affairs）" in job.last_error
    clock.move_to(clock.at + timedelta(days=1))
    assert Outcome.FAILED not in worker.run_once()
    case = api.case(number, "supervisor")
    assert case["current_tasks"] == []
    assert "timer.fired" not in actions(case)
    (failure,) = [event for event in case["audit"] if event["action"] == "job.failed"]
    assert "没有主管部门" in failure["summary"]["error"]

    # Once the bureau is back, an operator runs the failed job again.
    response = api.http.patch(
        "/api/v1/admin/organisations/330783-mzj", headers=api.headers("admin"), json={"active": True}
    )
    assert response.status_code == 200
    result = app.test_cli_runner().invoke(args=["retry-failed-jobs", str(job.id)])
    assert result.exit_code == 0, result.output
    assert f"job {job.id} (timer, case " in result.output
    assert worker.run_once()[Outcome.DONE] >= 1
    case = api.case(number, "supervisor")
    assert actions(case).count("timer.fired") == 1
    assert [task["name"] for task in case["current_tasks"]] == ["审核确认"]


def test_a_job_that_failed_once_succeeds_when_the_cause_is_fixed_before_the_retry(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock)
    close_the_bureau(clock.api)
    worker = Worker(app)
    clock.move_to(PUBLICITY_ENDS)
    assert worker.run_once()[Outcome.RETRY] == 1
    api = clock.move_to(PUBLICITY_ENDS + timedelta(hours=1))
    response = api.http.patch(
        "/api/v1/admin/organisations/330783-mzj", headers=api.headers("admin"), json={"active": True}
    )
    assert response.status_code == 200
    assert worker.run_once()[Outcome.DONE] >= 1
    (job,) = publicity_jobs(app)
    assert (job.state, job.attempts, job.last_error) == (JobState.DONE, 2, None)
    assert api.open_task(number, "supervisor")["organisation"]["name"] == "东阳市民政局"


def test_a_claim_whose_worker_died_is_taken_over_and_the_timer_still_fires_once(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock)
    clock.move_to(PUBLICITY_ENDS)
    with app.app_context():
        claimed = jobs.claim_due("worker-that-dies", 10)
    (timer,) = publicity_jobs(app)
    assert timer.id in claimed
    assert Worker(app).run_once() == {}  # the claim holds

    api = clock.move_to(PUBLICITY_ENDS + timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1))
    assert Worker(app).run_once()[Outcome.DONE] >= 1
    with app.app_context():
        # The first worker wakes up and finds the job is no longer its to run.
        assert run_job(timer.id, "worker-that-dies") == Outcome.LOST
    case = api.case(number)
    assert actions(case).count("timer.fired") == 1
    assert [task["name"] for task in case["current_tasks"]] == ["审核确认"]


def warnings(case: dict) -> list[tuple[str, str]]:
    return [
        (event["summary"]["task"], event["summary"]["level"])
        for event in case["audit"]
        if event["action"] == "task.deadline_warning"
    ]


def test_a_task_turning_yellow_and_then_red_is_warned_once_each(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    worker = Worker(app)
    response = start_case(clock.api)
    number = response.json["number"]
    # The window has the item's five working days to accept (Tuesday to the next Tuesday): 受理 turns
    # yellow on the Monday, with one working day left.
    worker.run_once()
    assert warnings(clock.api.case(number)) == []
    clock.move_to(in_shanghai("2026-12-07"))
    worker.run_once()
    worker.run_once()
    assert warnings(clock.api.case(number)) == [("受理", "yellow")]
    complete_only_task(clock.api, number, "clerk", {"acceptance_decision": "accept"})
    visit = clock.api.open_task(number, "supervisor")
    due = date.fromisoformat(visit["due_date"])

    worker.run_once()
    clock.move_to(in_shanghai(due - timedelta(days=7)))
    worker.run_once()
    assert warnings(clock.api.case(number)) == [("受理", "yellow")]

    api = clock.move_to(in_shanghai(due))
    assert api.open_task(number, "supervisor")["due_state"] == "yellow"
    worker.run_once()
    api = clock.move_to(in_shanghai(due, 18))
    worker.run_once()
    assert warnings(api.case(number)) == [("受理", "yellow"), ("入户调查", "yellow")]

    for days_late in (1, 2, 3):
        api = clock.move_to(in_shanghai(due + timedelta(days=days_late)))
        worker.run_once()
    assert api.open_task(number, "supervisor")["due_state"] == "red"
    assert warnings(api.case(number)) == [("受理", "yellow"), ("入户调查", "yellow"), ("入户调查", "red")]


def test_worker_once_from_the_command_line(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    number = register_and_visit(clock)
    runner = app.test_cli_runner()
    clock.move_to(PUBLICITY_ENDS - timedelta(hours=1))
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "no jobs due"

    api = clock.move_to(PUBLICITY_ENDS)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    # The timer, then the first deadline check of the task it led to.
    assert result.output.strip() == "done 1, rescheduled 1"
    assert [task["name"] for task in api.case(number)["current_tasks"]] == ["审核确认"]


def test_a_stopping_worker_finishes_the_job_in_hand_and_hands_back_the_rest(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    numbers = visited_households(clock, 3)
    api = clock.move_to(PUBLICITY_ENDS)
    runs: list[int] = []

    def stop_after_one_job() -> bool:
        # Asked before each claim and before each job of a batch.
        runs.append(1)
        return len(runs) > 2

    with app.app_context():
        outcomes = run_due_jobs("stopping-worker", stopping=stop_after_one_job)
    assert outcomes == {Outcome.DONE: 1}
    states = sorted((job.state, job.attempts, job.locked_by) for job in publicity_jobs(app))
    assert states == [
        (JobState.DONE, 1, "stopping-worker"),
        (JobState.PENDING, 0, None),
        (JobState.PENDING, 0, None),
    ]
    assert Worker(app).run_once()[Outcome.DONE] >= 2
    for number in numbers:
        assert actions(api.case(number)).count("timer.fired") == 1


def test_a_claim_takes_no_more_than_the_batch(app: Flask) -> None:
    clock = ClockedApi(app, REGISTERED_AT)
    visited_households(clock, 3)
    clock.move_to(PUBLICITY_ENDS)
    with app.app_context():
        assert len(jobs.claim_due("first", 2)) == 2
        assert len(jobs.claim_due("second", 2)) == 1
        assert jobs.claim_due("third", 2) == []


def test_a_job_over_its_time_limit_fails_with_its_reason_and_the_rest_of_its_batch_runs(
    live_database_url: str, tmp_path: Path
) -> None:
    # The script's own budget is generous here, so only the job's time limit can stop it.
    app = make_app(live_database_url, JOB_TIME_LIMIT_SECONDS=0.5, JOB_MAX_ATTEMPTS=1, SCRIPT_CPU_SECONDS=60)
    # The heavy case is told by its applicant (case data every process has), not by a form field:
    # the process has no form for the field to belong to.
    slow = 'total = sum(1 for a in range(10000) for b in range(10000)) if applicant["name"] == "钱重" else 0'
    install(app, process(slow, after_timer=True), tmp_path)
    client = ApiClient(app.test_client())
    numbers = []
    for heavy in (False, True, False):
        body = case_body(service_code="incident_test", data={})
        body["applicant"]["name"] = "钱重" if heavy else "钱轻"
        response = client.post("/api/v1/cases", "clerk", json=body)
        assert response.status_code == 201, response.json
        numbers.append(response.json["number"])
    began = clock_time.monotonic()
    outcomes = Worker(app).run_once()
    assert clock_time.monotonic() - began < 10
    assert outcomes == {Outcome.DONE: 2, Outcome.FAILED: 1}
    light, heavy_case, other = (client.case(number) for number in numbers)
    assert light["ended_at"] is not None
    assert other["ended_at"] is not None
    assert heavy_case["ended_at"] is None
    with app.app_context():
        (failed,) = db.session.execute(select(Job).where(Job.state == JobState.FAILED)).scalars()
        assert failed.last_error == "JobTimedOut: 运行超过 0.5 秒的时限，已停止"
        db.session.remove()
        db.engine.dispose()

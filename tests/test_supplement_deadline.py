"""A 补正 notice states its deadline; a case still waiting after it is returned (退件) by the worker,
with the applicant told; materials brought in time cancel that."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.support.api import ApiClient
from tests.support.clock import ClockedApi
from tests.support.pdf import document
from tests.support.steps import only_task
from workflow_service.extensions import db
from workflow_service.models import Case, Job, JobKind, JobState, OutboxEvent
from workflow_service.worker import Worker

ID_PROOF = "经营者身份证明"
ASKED_ON = "2026-11-23"  # a Monday
# 10 working days after the notice (the default; the item sets no supplement_limit_days).
DEADLINE = "2026-12-07"
DEADLINE_TEXT = "2026年12月7日"


def in_supplement(api: ApiClient) -> str:
    number = api.start_case()
    task = only_task(api, number, "受理")
    data = {"acceptance_decision": "supplement", "missing_materials": [ID_PROOF]}
    response = api.complete(task["id"], "clerk", data)
    assert response.status_code == 200, response.json
    return number


def deadline_job(app: Flask, number: str) -> Job:
    with app.app_context():
        (job,) = db.session.execute(
            select(Job)
            .join(Case, Case.id == Job.case_id)
            .where(Job.kind == JobKind.SUPPLEMENT_DEADLINE, Case.number == number)
        ).scalars()
        db.session.expunge(job)
        return job


def outbox_kinds(app: Flask, number: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(OutboxEvent).where(OutboxEvent.case_number == number).order_by(OutboxEvent.sequence)
        ).scalars()
        return [(row.kind.value, row.payload["new_status"]) for row in rows]


def test_the_notice_states_the_deadline_and_the_worker_returns_the_case_after_it(app: Flask) -> None:
    clock = ClockedApi(app, ASKED_ON, hour=9)
    number = in_supplement(clock.api)
    text = document(clock.api, number, "supplement")[0]
    assert f"请于{DEADLINE_TEXT}前" in text

    # The deadline day itself is still the applicant's.
    clock.move_to(DEADLINE, hour=17)
    Worker(app).run_once()
    assert clock.api.case(number)["status"]["code"] == "supplement"

    api = clock.move_to("2026-12-08", hour=9)
    Worker(app).run_once()
    case = api.case(number)
    assert case["status"] == {"code": "returned", "label": "退件"}
    assert case["ended_at"] is not None
    assert case["current_tasks"] == []
    assert case["result"]["label"] == "退件"
    assert DEADLINE_TEXT in case["result"]["reason"] and "逾期未补正" in case["result"]["reason"]
    (returned,) = [event for event in case["audit"] if event["action"] == "case.returned"]
    assert returned["actor"] is None  # the worker, not a person
    # The applicant is told: the 退件 is a notice-issued event of the outbox (webhooks, SMS channels).
    assert outbox_kinds(app, number)[-1] == ("notice-issued", "returned")
    assert deadline_job(app, number).state == JobState.DONE

    # Run again: nothing more happens.
    Worker(app).run_once()
    assert api.case(number)["status_history"] == case["status_history"]


def test_materials_brought_in_time_cancel_the_return(app: Flask) -> None:
    clock = ClockedApi(app, ASKED_ON, hour=9)
    number = in_supplement(clock.api)
    api = clock.move_to(DEADLINE, hour=16)
    task = only_task(api, number, "补正材料收取")
    response = api.complete(task["id"], "clerk", {"supplement_receipt_note": "申请人已送来补正材料"})
    assert response.status_code == 200, response.json
    assert deadline_job(app, number).state == JobState.CANCELLED

    api = clock.move_to("2026-12-09")
    Worker(app).run_once()
    case = api.case(number)
    assert case["status"]["code"] == "submitted"
    assert only_task(api, number, "受理")


def test_a_second_notice_has_a_deadline_of_its_own(app: Flask) -> None:
    clock = ClockedApi(app, ASKED_ON, hour=9)
    number = in_supplement(clock.api)
    api = clock.move_to("2026-11-25")
    task = only_task(api, number, "补正材料收取")
    assert api.complete(task["id"], "clerk", {"supplement_receipt_note": "已补正"}).status_code == 200
    task = only_task(api, number, "受理")
    data = {"acceptance_decision": "supplement", "missing_materials": [ID_PROOF]}
    assert api.complete(task["id"], "clerk", data).status_code == 200
    assert "请于2026年12月9日前" in document(api, number, "supplement")[0]

    # The first notice's deadline passes: the case waits on the second one's.
    api = clock.move_to("2026-12-08")
    Worker(app).run_once()
    assert api.case(number)["status"]["code"] == "supplement"
    api = clock.move_to("2026-12-10")
    Worker(app).run_once()
    assert api.case(number)["status"]["code"] == "returned"

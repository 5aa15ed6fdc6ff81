"""What the operators see: /metrics, /readyz's migrations check, request ids, masked JSON logs.

/metrics is read as Prometheus reads it (the text format, parsed by prometheus_client's parser);
the request and transition counters are compared before and after the requests a test makes (the
PostgreSQL app is shared by the tests of a worker, so absolute values belong to no one test).
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text

from tests.support.api import APPLICANT, ApiClient, case_body
from tests.support.clock import Clock
from tests.support.live import Server
from tests.support.statements import counted_statements
from workflow_service.extensions import db
from workflow_service.models import Job, JobKind, JobState, Organisation, Task, TaskState
from workflow_service.schema_revision import code_heads
from workflow_service.structured_logs import formatter, mask_text

WUNING_CENTRE = "330783001-bmfwzx"


def scrape(app: Flask, **kwargs: object) -> dict[tuple[str, frozenset], float]:
    response = app.test_client().get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return parse(response.get_data(as_text=True))


def parse(exposition: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_latency_and_case_transitions(app: Flask, client: ApiClient) -> None:
    client.headers("clerk")  # log in first: the token request is not what is counted here
    before = scrape(app)
    for _ in range(3):
        assert client.get("/api/v1/tasks", "clerk").status_code == 200
    assert app.test_client().get("/api/v1/tasks").status_code == 401
    assert app.test_client().get("/no/such/page/1234").status_code == 404
    number = client.start_case()
    after = scrape(app)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    tasks = {"method": "GET", "endpoint": "/api/v1/tasks"}
    assert delta("workflow_http_requests_total", **tasks, status="200") == 3
    assert delta("workflow_http_requests_total", **tasks, status="401") == 1
    # Unmatched paths share one label, however many a scanner tries.
    unmatched = {"method": "GET", "endpoint": "<unmatched>", "status": "404"}
    assert delta("workflow_http_requests_total", **unmatched) == 1
    assert delta("workflow_http_request_duration_seconds_count", **tasks) == 4
    assert delta("workflow_http_request_duration_seconds_sum", **tasks) > 0
    assert delta("workflow_http_request_duration_seconds_bucket", **tasks, le="+Inf") == 4
    # Registering enters 申请/预审 (the case was nothing before).
    assert delta("workflow_case_transitions_total", from_status="none", to_status="submitted") == 1
    assert client.case(number)["status"]["code"] == "submitted"


def test_a_refused_step_counts_no_transition(app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    accept = {"acceptance_decision": "accept"}
    before = scrape(app)
    assert client.complete(task["id"], "clerk", accept).status_code == 200
    assert client.complete(task["id"], "clerk", accept).status_code == 409  # the task is done
    after = scrape(app)
    moved = {"from_status": "submitted", "to_status": "accepted"}
    assert (
        value(after, "workflow_case_transitions_total", **moved)
        - value(before, "workflow_case_transitions_total", **moved)
        == 1
    )


def test_task_and_job_gauges_are_read_from_the_database_in_two_statements(
    app: Flask, client: ApiClient, clock: Clock
) -> None:
    client.start_case()
    clock.at += timedelta(days=30)  # the window's 受理 step (5 working days) is overdue by now
    with app.app_context():
        due_job = Job(
            kind=JobKind.TIMER,
            case_id=None,
            task_ref="metrics-test",
            run_at=clock.at - timedelta(seconds=90),
            state=JobState.PENDING,
            attempts=0,
            payload={},
            created_at=clock.at - timedelta(days=1),
        )
        db.session.add(due_job)
        db.session.commit()
        expected = dict(
            db.session.execute(
                select(Organisation.code, func.count(Task.id))
                .join(Task, Task.organisation_id == Organisation.id)
                .where(Task.state == TaskState.OPEN)
                .group_by(Organisation.code)
            ).all()
        )
        overdue = dict(
            db.session.execute(
                select(Organisation.code, func.count(Task.id))
                .join(Task, Task.organisation_id == Organisation.id)
                .where(Task.state == TaskState.OPEN, Task.due_date < (clock.at + timedelta(hours=8)).date())
                .group_by(Organisation.code)
            ).all()
        )
        centre_name = db.session.execute(
            select(Organisation.name).where(Organisation.code == WUNING_CENTRE)
        ).scalar_one()
    with counted_statements(app) as statements:
        samples = scrape(app)
    assert len(statements) == 2, statements  # the tasks by organisation, the job queue

    centre = {"organisation": WUNING_CENTRE, "organisation_name": centre_name}
    assert value(samples, "workflow_open_tasks", **centre) == expected[WUNING_CENTRE] >= 1
    assert value(samples, "workflow_overdue_tasks", **centre) == overdue[WUNING_CENTRE] >= 1
    shown = {
        dict(labels)["organisation"]: count
        for (name, labels), count in samples.items()
        if name == "workflow_open_tasks"
    }
    assert shown == expected
    assert value(samples, "workflow_worker_queue_depth", kind="timer") == 1
    assert value(samples, "workflow_worker_queue_lag_seconds", kind="timer") == 90
    assert value(samples, "workflow_failed_jobs", kind="timer") == 0


def problem(response: object) -> dict:
    assert response.mimetype == "application/problem+json"  # type: ignore[attr-defined]
    return response.get_json()  # type: ignore[attr-defined]


def test_metrics_are_refused_outside_a_trusted_network_without_the_token(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = app.test_client()
    outside = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}}
    monkeypatch.setitem(app.config, "METRICS_TRUSTED_NETWORKS", ["10.0.0.0/8"])
    refused = http.get("/metrics", **outside)
    assert refused.status_code == 403
    assert problem(refused)["type"] == "/problems/forbidden"
    assert http.get("/metrics").status_code == 403  # loopback is trusted only by the default list
    assert http.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200

    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-" + "x" * 32)
    missing = http.get("/metrics", **outside)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert problem(missing)["status"] == 401
    wrong = http.get("/metrics", headers={"Authorization": "Bearer scrape-wrong"}, **outside)
    assert wrong.status_code == 401
    right = http.get("/metrics", headers={"Authorization": "Bearer scrape-" + "x" * 32}, **outside)
    assert right.status_code == 200
    assert "workflow_open_tasks" in right.get_data(as_text=True)

    monkeypatch.setitem(app.config, "METRICS_TRUSTED_NETWORKS", "10.0.0.0/8, 192.0.2.0/24")
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    assert http.get("/metrics", **outside).status_code == 200  # the environment's comma-separated form


def set_schema_revision(app: Flask, revision: str) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
        db.session.commit()


def test_readyz_says_whether_the_migrations_are_current(app: Flask) -> None:
    heads, known = code_heads()
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["migrations"] == "ok"
    assert ready.json["details"]["migrations"] == {"database": list(heads), "code": list(heads)}

    older = next(iter(sorted(known - set(heads))))
    set_schema_revision(app, older)
    behind = app.test_client().get("/readyz")
    assert behind.status_code == 503
    assert behind.headers["Retry-After"]
    assert behind.json["status"] == "unavailable"
    assert behind.json["checks"]["migrations"] == "behind"
    assert behind.json["details"]["migrations"]["database"] == [older]

    # A newer release migrated the database (a rolling upgrade): this node still serves.
    set_schema_revision(app, "f00dfeedbeef")
    ahead = app.test_client().get("/readyz")
    assert ahead.status_code == 200
    assert ahead.json["checks"]["migrations"] == "ahead"


def test_every_answer_carries_a_request_id_and_problems_repeat_it(app: Flask) -> None:
    http = app.test_client()
    refused = http.get("/api/v1/tasks")
    assert refused.status_code == 401
    generated = refused.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert problem(refused)["request_id"] == generated
    assert http.get("/api/v1/tasks").headers["X-Request-Id"] != generated

    from_proxy = http.get("/api/v1/tasks", headers={"X-Request-Id": "edge-7f3a9c2e-01"})
    assert from_proxy.headers["X-Request-Id"] == "edge-7f3a9c2e-01"
    assert problem(from_proxy)["request_id"] == "edge-7f3a9c2e-01"
    for malformed in ("short", "has spaces in it", "x" * 129, "semi;colon-1234"):
        replaced = http.get("/api/v1/tasks", headers={"X-Request-Id": malformed})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"]), malformed
        assert problem(replaced)["request_id"] == replaced.headers["X-Request-Id"]

    page = http.get("/healthz")
    assert page.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", page.headers["X-Request-Id"])


@pytest.fixture
def log_lines(app: Flask) -> Iterator[io.StringIO]:
    """The service's log as it is written (the app's own formatter), from INFO up."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    # Migrating a template database ran Alembic's fileConfig, which disables loggers that existed.
    loggers = [logging.getLogger("workflow_service.requests"), app.logger]
    disabled = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = False
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for logger, was in zip(loggers, disabled, strict=True):
            logger.disabled = was


def events(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_a_resident_id_in_a_request_body_is_logged_masked(
    app: Flask, client: ApiClient, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOG_REQUEST_BODIES", True)
    created = client.post("/api/v1/cases", "clerk", json=case_body())
    assert created.status_code == 201
    with app.test_request_context("/api/v1/cases"):
        app.logger.warning("applicant %s called from %s", APPLICANT["id_number"], APPLICANT["phone"])

    written = log_lines.getvalue()
    assert APPLICANT["id_number"] not in written
    assert APPLICANT["phone"] not in written
    [line] = [event for event in events(log_lines) if event.get("path") == "/api/v1/cases"]
    assert line["event"] == "request"
    assert line["method"] == "POST" and line["status"] == 201 and line["level"] == "info"
    assert line["request_id"] == created.headers["X-Request-Id"]
    assert line["body"]["applicant"]["id_number"] == "110105********002X"
    assert line["body"]["applicant"]["phone"] == "138****8000"
    assert line["body"]["data"]["operator_id_number"] == "110105********002X"
    assert line["body"]["applicant"]["name"] == APPLICANT["name"]  # names are not numbers: kept
    [warning] = [event for event in events(log_lines) if event["level"] == "warning"]
    assert warning["event"] == "applicant 110105********002X called from 138****8000"


def test_masking_leaves_case_numbers_and_ids_inside_longer_values_alone() -> None:
    assert mask_text("id 330724198603120311, tel:13912345678.") == "id 330724********0311, tel:139****5678."
    assert mask_text("uuid a330724198603120311b and 1391234567890") == (
        "uuid a330724198603120311b and 1391234567890"
    )
    assert mask_text("33072419860312031x") == "330724********031x"


@pytest.mark.live
def test_metrics_sum_every_gunicorn_worker(live_database_url: str, tmp_path: Path) -> None:
    server = Server(live_database_url, tmp_path / "gunicorn.log", workers=2)
    server.start()
    try:
        # Separate connections, so both workers answer some of them.
        for _ in range(20):
            assert requests.get(f"{server.base}/healthz", timeout=10).status_code == 200
        healthz = {"method": "GET", "endpoint": "/healthz", "status": "200"}
        # Whichever worker answers a scrape, it reports both workers' requests.
        counts = {
            value(
                parse(requests.get(f"{server.base}/metrics", timeout=10).text),
                "workflow_http_requests_total",
                **healthz,
            )
            for _ in range(6)
        }
        assert counts == {20}
        log = (tmp_path / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
        assert '"event": "request"' in log  # the workers' JSON request lines
    finally:
        server.stop()

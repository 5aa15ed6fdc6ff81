"""A process that misbehaves stops at an incident on the case, the caller gets a 422, and the service
goes on answering; one whose scripts the evaluator refuses is not deployed at all."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import make_app
from tests.support.api import APPLICANT, ApiClient, case_body
from tests.support.bpmn import Process, multi_instance, standard_loop
from tests.support.live import Server
from tests.support.pages import Browser, page_text
from tests.test_script_budgets import NESTED_GENERATORS
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.extensions import db
from workflow_service.models import AcceptanceMode, Case, ServiceItem
from workflow_service.services.process.deployment import deploy_process

# Small budgets keep every bomb short.
BUDGETS = {
    "SCRIPT_CPU_SECONDS": 0.3,
    "SCRIPT_MEMORY_MB": 64,
    "ENGINE_STEP_MAX_TASKS": 60,
    "MULTI_INSTANCE_MAX": 20,
}
FORM = "incident_test/check.json"


def process(
    script: str,
    *,
    after_task: bool = False,
    after_timer: bool = False,
    loop: str = "",
    end_condition: str | None = None,
) -> str:
    """A one-lane process: start → (a user task, or a timer that is due at once →) the script task 计算 → end."""
    built = Process("incident_test", "异常测试", lane="window").start(status="submitted")
    if after_task:
        built.user_task("check", "核对", form=FORM)
    elif after_timer:
        built.timer("wait", "等待", duration='"PT0S"')
    return built.script_task("compute", "计算", script, loop=loop).end(condition=end_condition).xml()


ALWAYS_TRUE_LOOP = standard_loop("True")
TEN_MILLION_INSTANCES = multi_instance("10 ** 7")


def forms_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "forms"
    (folder / "incident_test").mkdir(parents=True, exist_ok=True)
    # The case data the scripts and conditions read is a form's field (validation checks the names).
    form = {"type": "object", "properties": {"rounds": {"type": "integer"}}}
    (folder / FORM).write_text(json.dumps(form), encoding="utf-8")
    return folder


def install(app: Flask, bpmn: str, tmp_path: Path) -> None:
    """Deploy the process and offer it as a service item at the demo window."""
    with app.app_context():
        deploy_process(bpmn, "incident_test.bpmn", forms_folder(tmp_path))
        db.session.add(
            ServiceItem(
                code="incident_test",
                short_code="INCI",
                name="流程异常测试",
                department_type="market_regulation",
                process_key="incident_test",
                acceptance_mode=AcceptanceMode.LOCAL,
                legal_limit_days=1,
                promised_limit_days=1,
            )
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def budget_app(live_database_url: str) -> Iterator[Flask]:
    application = make_app(live_database_url, **BUDGETS)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def incident_body() -> dict:
    return case_body(service_code="incident_test", data={"rounds": 0})


def assert_incident_answer(response: object, incident: str) -> str:
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.headers["Content-Type"] == "application/problem+json"  # type: ignore[attr-defined]
    problem = response.json() if callable(response.json) else response.json  # type: ignore[attr-defined]
    assert problem["type"] == "/problems/process-incident"
    assert incident in problem["incident"]
    return problem["case_number"]


@pytest.mark.parametrize(
    ("script", "loop", "incident"),
    [
        (NESTED_GENERATORS, "", "计算: 脚本或条件超出 CPU 时间预算（0.3 秒）"),
        ("fee = 9 ** 9 ** 9", "", "计算: 整数运算结果超过 100000 位"),
        ("text = 'x' * 300_000_000", "", "计算: 重复结果过大，超出脚本内存预算（64 MB）"),
        ("rows = [[0] * 100_000 for i in range(1000)]", "", "计算: 脚本或条件超出内存预算（64 MB）"),
        ("numbers = range(5)", "", "计算: 变量 numbers 无法保存：range 不是可保存的数据"),
        ("rounds = rounds + 1", ALWAYS_TRUE_LOOP, "计算: 一次推进执行的任务超过 60 个"),
        ("checked = 1", TEN_MILLION_INSTANCES, "计算: 多实例数量 10000000 超过上限 20"),
    ],
)
def test_a_bomb_at_registration_is_an_incident_on_the_case_and_a_422(
    budget_app: Flask, tmp_path: Path, script: str, loop: str, incident: str
) -> None:
    install(budget_app, process(script, loop=loop), tmp_path)
    client = ApiClient(budget_app.test_client())
    began = time.monotonic()
    response = client.post("/api/v1/cases", "clerk", json=incident_body())
    assert time.monotonic() - began < 5
    number = assert_incident_answer(response, incident)
    case = client.case(number)
    assert incident in case["incident"]
    assert case["ended_at"] is None
    assert "case.incident" in [event["action"] for event in case["audit"]]
    # The service goes on: the next registration of a well-behaved item works.
    client.start_case()


def test_a_bomb_after_a_completed_task_is_an_incident_and_a_422(budget_app: Flask, tmp_path: Path) -> None:
    install(budget_app, process(NESTED_GENERATORS, after_task=True), tmp_path)
    client = ApiClient(budget_app.test_client())
    response = client.post("/api/v1/cases", "clerk", json=incident_body())
    assert response.status_code == 201, response.json
    task = client.open_task(response.json["number"])
    completed = client.complete(task["id"], "clerk", {})
    number = assert_incident_answer(completed, "计算: 脚本或条件超出 CPU 时间预算")
    case = client.case(number)
    assert case["current_tasks"] == []
    assert "超出 CPU 时间预算" in case["incident"]


def test_a_bomb_over_http_ends_as_a_422_and_gunicorn_answers_the_next_request(
    live_database_url: str, tmp_path: Path
) -> None:
    app = make_app(live_database_url)
    install(app, process(NESTED_GENERATORS), tmp_path)
    with app.app_context():
        db.engine.dispose()
    server = Server(live_database_url, tmp_path / "gunicorn.log")
    server.env.update({f"FLASK_{name}": str(value) for name, value in BUDGETS.items()})
    server.start()
    try:
        token = requests.post(
            f"{server.base}/api/v1/auth/token", json={"username": "clerk", "password": "demo"}, timeout=10
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        began = time.monotonic()
        response = requests.post(
            f"{server.base}/api/v1/cases", json=incident_body(), headers=headers, timeout=20
        )
        assert time.monotonic() - began < 5
        number = assert_incident_answer(response, "计算: 脚本或条件超出 CPU 时间预算（0.3 秒）")
        # Both workers are free: several requests in a row are answered at once.
        for _ in range(4):
            case = requests.get(f"{server.base}/api/v1/cases/{number}", headers=headers, timeout=5)
            assert case.status_code == 200
            assert "超出 CPU 时间预算" in case.json()["incident"]
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_a_case_left_with_nothing_to_do_is_an_incident_and_an_alert(
    budget_app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Migrating the template database ran Alembic's fileConfig, which disables loggers that existed.
    monkeypatch.setattr(budget_app.logger, "disabled", False)
    # A parallel join one of whose branches may end before reaching it: then the join waits for ever.
    deadlock = (
        Process("incident_test", "异常测试", lane="window")
        .start(status="submitted")
        .gateway("fork", parallel=True)
        .user_task("check", "核对", form=FORM)
        .gateway("join", parallel=True)
        .end()
        .gateway("shortcut", "是否补查", default="early_end", after="fork")
        .flow("shortcut", "join", condition="rounds > 0")
        .end("early_end", after="shortcut")
        .xml()
    )
    install(budget_app, deadlock, tmp_path)
    client = ApiClient(budget_app.test_client())
    response = client.post("/api/v1/cases", "clerk", json=incident_body())
    assert response.status_code == 201, response.json
    number = response.json["number"]
    task = client.open_task(number)
    with caplog.at_level(logging.ERROR):
        completed = client.complete(task["id"], "clerk", {})
    assert_incident_answer(completed, "核对: 流程停滞")
    case = client.case(number)
    assert case["current_tasks"] == []
    assert case["ended_at"] is None
    assert case["incident"] == "核对: 流程停滞：没有可办理或等待中的任务，流程也未结束"
    assert "case.incident" in [event["action"] for event in case["audit"]]
    assert f"case {number} stopped at a process incident" in caplog.text


HOSTILE = process("import os\nsecret = os.environ")


def test_a_process_whose_script_the_evaluator_refuses_is_not_deployed(app: Flask, tmp_path: Path) -> None:
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(HOSTILE, "incident_test.bpmn", forms_folder(tmp_path))
    assert "计算（compute）: 脚本不允许 import" in refused.value.detail
    assert refused.value.errors == {"compute": ["计算（compute）: 脚本不允许 import"]}


@pytest.mark.parametrize(
    ("changes", "element"),
    [
        ({"loop": standard_loop("().__class__")}, "计算（compute）"),
        ({"end_condition": "x.__dict__"}, "f2"),  # the flow 计算 → end
    ],
)
def test_a_refused_condition_names_its_element_at_deploy(
    app: Flask, tmp_path: Path, changes: dict[str, str], element: str
) -> None:
    bpmn = process("fee = 1", **changes)
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(bpmn, "incident_test.bpmn", forms_folder(tmp_path))
    assert f"{element}: 脚本被拒绝" in refused.value.detail


def test_flask_deploy_refuses_the_process_naming_the_element(live_database_url: str, tmp_path: Path) -> None:
    bpmn_folder = tmp_path / "bpmn"
    bpmn_folder.mkdir()
    (bpmn_folder / "incident_test.bpmn").write_text(HOSTILE, encoding="utf-8")
    app = make_app(live_database_url, BPMN_FOLDER=str(bpmn_folder), FORMS_FOLDER=str(forms_folder(tmp_path)))
    result = app.test_cli_runner().invoke(args=["deploy"])
    assert result.exit_code != 0
    assert "计算（compute）: 脚本不允许 import" in result.output
    with app.app_context():
        db.engine.dispose()


def test_a_bomb_at_registration_on_the_page_opens_the_case_with_its_incident(
    budget_app: Flask, tmp_path: Path
) -> None:
    install(budget_app, process(NESTED_GENERATORS), tmp_path)
    clerk = Browser(budget_app)
    clerk.log_in("clerk")
    clerk.get("/services/incident_test/apply")
    answer = clerk.post(
        "/services/incident_test/apply",
        {
            "applicant_kind": APPLICANT["kind"],
            "applicant_name": APPLICANT["name"],
            "applicant_id_number": APPLICANT["id_number"],
            "applicant_phone": APPLICANT["phone"],
            "matter_township": "330783001",
            "data": json.dumps({"rounds": 0}),
        },
    )
    # Registered once, and the clerk is taken to the case, never back to a form to submit again.
    assert answer.status_code == 302
    assert "/cases/" in answer.headers["Location"]
    page = page_text(clerk.get(answer.headers["Location"]))
    assert "脚本或条件超出 CPU 时间预算" in page
    with budget_app.app_context():
        assert db.session.execute(select(func.count(Case.id))).scalar_one() == 1

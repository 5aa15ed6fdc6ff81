"""The read models (services/read) load a case or a task in the statements their docstrings state,
whatever the case holds, and the API's schemas and the pages' templates only print them."""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import joinedload

from tests.support.api import ApiClient
from tests.support.clock import Clock
from tests.support.steps import ACCEPT, APPROVE, MAIL, accepted, issue, only_task, review
from tests.test_fees import FEE
from workflow_service.api.case_schemas import CaseSchema
from workflow_service.api.task_schemas import NextTaskSchema, TaskDetailSchema
from workflow_service.extensions import db
from workflow_service.models import Case, Task, TaskKind, TaskState, User
from workflow_service.services.calendar.deadlines import CALENDAR_STATEMENTS
from workflow_service.services.read.cases import CASE_VIEW_STATEMENTS, CaseView, view_case
from workflow_service.services.read.tasks import (
    NEXT_TASKS_STATEMENTS,
    TASK_VIEW_STATEMENTS,
    NextTask,
    TaskView,
    next_tasks,
    view_task,
)

API = Path(__file__).resolve().parent.parent / "workflow_service" / "api"
# Transaction bookkeeping, which differs between SQLite and PostgreSQL and is no read.
BOOKKEEPING = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
View = TypeVar("View")


class Statements:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(BOOKKEEPING):
            self.sent.append(statement)


@contextmanager
def counting() -> Iterator[Statements]:
    statements = Statements()
    event.listen(Engine, "before_cursor_execute", statements)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", statements)


def counted(app: Flask, username: str, build: Callable[[User], View], dump: Callable[[View], Any]) -> int:
    """The statements of building a view as ``username``, in a request's fresh app context (its own
    session, the calendar not yet read); dumping it must send none. The caller comes with their
    organisation, as signing in reads them."""
    with app.app_context():
        caller = db.session.execute(
            select(User).options(joinedload(User.organisation)).where(User.username == username)
        ).scalar_one()
        with counting() as building:
            view = build(caller)
        with counting() as dumping:
            dump(view)
    assert dumping.sent == [], dumping.sent
    return len(building.sent)


def case_statements(app: Flask, number: str, username: str) -> int:
    def build(caller: User) -> CaseView:
        return view_case(caller, number)

    return counted(app, username, build, CaseSchema().dump)


CASE = CASE_VIEW_STATEMENTS + CALENDAR_STATEMENTS


def test_a_case_just_registered_is_read_in_the_stated_statements(app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    assert case_statements(app, number, "clerk") == CASE


def test_a_case_under_review_is_read_in_the_stated_statements(
    app: Flask, client: ApiClient, clock: Clock
) -> None:
    """补正 and its receipt, 容缺, a claimed review, a suspension and its end: no statement more."""
    number = client.start_case()
    task = only_task(client, number, "受理")
    asked = client.complete(
        task["id"], "clerk", {"acceptance_decision": "supplement", "missing_materials": ["经营者身份证明"]}
    )
    assert asked.status_code == 200, asked.json
    receipt = only_task(client, number, "补正材料收取")
    assert client.complete(receipt["id"], "clerk", {"supplement_receipt_note": "已送来"}).status_code == 200
    deferral = {**ACCEPT, "deferred_materials": ["经营场所使用证明"], "deferral_promise": True}
    assert client.complete(only_task(client, number, "受理")["id"], "clerk", deferral).status_code == 200
    review_task = only_task(client, number, "审核", "approver")
    assert client.post(f"/api/v1/tasks/{review_task['id']}/claim", "approver").status_code == 200
    inspection = {"kind": "inspection", "reason": "经营场所需现场核查", "expected_days": 2}
    assert client.post(f"/api/v1/cases/{number}/suspend", "approver", json=inspection).status_code == 200
    assert client.post(f"/api/v1/cases/{number}/resume", "approver").status_code == 200
    case = client.case(number, "approver")
    assert case["status"]["code"] == "under_review"
    assert [len(case[part]) for part in ("supplement_notices", "deferred_materials", "suspensions")] == [
        1,
        1,
        1,
    ]

    assert case_statements(app, number, "approver") == CASE
    assert case_statements(app, number, "clerk") == CASE
    assert case_statements(app, number, "supervisor") == CASE + 1  # their scope: the county of their office


def test_a_closed_case_is_read_in_the_stated_statements(app: Flask, client: ApiClient, clock: Clock) -> None:
    """Paid, granted with a licence, issued and rated 非常不满意 (a rectification task opens): every
    step, person and organisation comes with the rows that name them, not one statement each."""
    charged = client.http.patch(
        "/api/v1/services/individual_business_registration", headers=client.headers("analyst"), json=FEE
    )
    assert charged.status_code == 200, charged.json
    number = accepted(client)
    paid = client.post(
        f"/api/v1/cases/{number}/payment", "clerk", json={"status": "paid", "receipt_number": "R1"}
    )
    assert paid.status_code == 200, paid.json
    assert review(client, number, APPROVE).status_code == 200
    assert issue(client, number, MAIL).status_code == 200
    rating = {"rating": "very_dissatisfied", "comment": "审核时间长"}
    assert client.post(f"/api/v1/cases/{number}/evaluation", "clerk", json=rating).status_code == 201
    case = client.case(number)
    assert case["result"] and case["licence"] and case["fee"] and case["delivery"]
    assert case["evaluation"]["rectification"]["kind"] == "rectification"
    completers = {step["completed_by"]["username"] for step in case["history"]}
    assert len(case["history"]) >= 3 and completers == {"clerk", "approver"}

    assert case_statements(app, number, "clerk") == CASE
    assert case_statements(app, number, "approver") == CASE


def test_a_case_with_a_delegators_claimed_task_reads_their_delegations_once(
    app: Flask, client: ApiClient, clock: Clock
) -> None:
    number = client.start_case()
    task = only_task(client, number, "受理")
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 200
    assert case_statements(app, number, "clerk-wuning") == CASE + 1  # a colleague: who delegates to them


def test_a_task_is_read_in_the_stated_statements(app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    task_id = only_task(client, number, "受理")["id"]

    def build(caller: User) -> TaskView:
        return view_task(caller, task_id)

    assert counted(app, "clerk", build, TaskDetailSchema().dump) == TASK_VIEW_STATEMENTS + CALENDAR_STATEMENTS


def test_a_cases_next_tasks_are_read_in_one_statement_however_many(app: Flask, client: ApiClient) -> None:
    """Two open tasks at two organisations (受理 at the window, a 差评整改 at the station): one
    statement with their organisations, and each says whether the caller may work it."""
    number = client.start_case()
    with app.app_context():
        case_id = db.session.execute(select(Case.id).where(Case.number == number)).scalar_one()
        approver = db.session.execute(select(User).where(User.username == "approver")).scalar_one()
        db.session.add(
            Task(
                id="00000000-0000-4000-8000-000000000001",
                kind=TaskKind.RECTIFICATION,
                case_id=case_id,
                bpmn_id="rectification",
                name="差评整改",
                lane="department",
                organisation_id=approver.organisation_id,
                role=approver.roles[0],
                state=TaskState.OPEN,
            )
        )
        db.session.commit()

    def build(caller: User) -> list[NextTask]:
        found = next_tasks(caller, case_id)
        expected = [("受理", caller.username == "clerk"), ("差评整改", caller.username == "approver")]
        assert [(t.task.name, t.may_work) for t in found] == expected
        return found

    for username in ("clerk", "approver"):
        assert counted(app, username, build, NextTaskSchema(many=True).dump) == NEXT_TASKS_STATEMENTS


# Schema modules that still ask services for what they print (accounts' lockout, delegations' state).
NOT_YET_DUMP_ONLY = {"admin_schemas.py", "delegation_schemas.py"}


def _service_imports(tree: ast.Module) -> Iterator[str]:
    """Names imported from workflow_service.services, outside ``if TYPE_CHECKING:`` blocks."""
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and id(node) not in typing_only:
            module = node.module or ""
            if module == "flask":
                yield from (f"flask.{alias.name}" for alias in node.names if alias.name == "g")
            elif module.startswith("workflow_service.services"):
                yield from (f"{module}.{alias.name}" for alias in node.names)


def _constant_or_value_type(dotted: str) -> bool:
    module, name = dotted.rsplit(".", 1)
    if name.isupper():
        return True
    imported = getattr(importlib.import_module(module), name, None)
    # Value types: enums, and the frozen dataclasses a schema's post_load builds its input into.
    if isinstance(imported, type) and dataclasses.is_dataclass(imported):
        return bool(imported.__dataclass_params__.frozen)  # type: ignore[attr-defined]
    return isinstance(imported, type) and issubclass(imported, enum.Enum)


def test_the_api_schemas_only_dump_what_the_read_models_hold() -> None:
    """No service is called and no ``flask.g`` read while an answer is dumped: schemas may take the
    services' label tables (constants) and value types (enums, e.g. a filter's choices; frozen input
    dataclasses), nothing else."""
    found = []
    for path in sorted(API.glob("*_schemas.py")):
        if path.name in NOT_YET_DUMP_ONLY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            f"{path.name}: {name}" for name in _service_imports(tree) if not _constant_or_value_type(name)
        ]
    assert not (API / "schemas.py").exists(), "the schemas live beside their resources"
    assert found == []


def test_the_pages_have_no_jinja_globals_that_call_services(app: Flask) -> None:
    callers = sorted(
        name
        for name, value in {**app.jinja_env.globals, **app.jinja_env.filters}.items()
        if callable(value) and getattr(value, "__module__", "").startswith("workflow_service.services")
    )
    assert callers == [], "give the page the read model's value instead"

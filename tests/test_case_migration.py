"""Running cases move from version N to N+1 where their current tasks still exist in the same lanes:
a dry run says which and why not, the move runs in batches and is audited per case, and each move can
be undone until something further happens on the case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import ApiClient, audit
from tests.support.bpmn import Process
from tests.support.pages import Browser, page_text
from tests.support.statements import counted_statements
from tests.support.versions import CHECK_FORM, KEY, install_version_one, install_version_two, start
from workflow_service.extensions import db
from workflow_service.models import Case
from workflow_service.services.process.deployment import deploy_process

MIGRATION = f"/api/v1/process-definitions/{KEY}/versions/1/migration"
# The token's user, both versions, the running cases with their workflows.
DRY_RUN_STATEMENTS = 4


@pytest.fixture
def cases(app: Flask, client: ApiClient, tmp_path: Path) -> dict[str, str]:
    """Three cases at 核对 and one moved on to 确认 on v1; then v2 is deployed."""
    install_version_one(app, tmp_path)
    numbers = {name: start(client) for name in ("first", "second", "third", "at_confirm")}
    task = client.open_task(numbers["at_confirm"])
    assert client.complete(task["id"], "clerk", {"note": "已核对"}).status_code == 200
    install_version_two(app, tmp_path)
    return numbers


def version_of(app: Flask, number: str) -> int:
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        return case.process_definition.version


def migrate_everything(client: ApiClient, limit: int = 2) -> tuple[dict[str, int], list[dict]]:
    """Run the batches to the end as the page does; moved case → migration id, and those left behind."""
    moved: dict[str, int] = {}
    refused: list[dict] = []
    after = None
    while True:
        response = client.post(MIGRATION, "analyst", json={"after": after, "limit": limit})
        assert response.status_code == 200, response.json
        moved |= {row["case_number"]: row["migration_id"] for row in response.json["moved"]}
        refused += response.json["not_movable"]
        after = response.json["next_after"]
        if after is None:
            assert response.json["remaining"] == 0
            return moved, refused


def test_the_dry_run_lists_the_movable_cases_and_why_the_others_cannot_move(
    client: ApiClient, cases: dict[str, str]
) -> None:
    response = client.get(MIGRATION, "analyst")
    assert response.status_code == 200, response.json
    run = response.json
    assert (run["from_version"], run["to_version"]) == (1, 2)
    movable = {row["case_number"]: row for row in run["movable"]}
    assert set(movable) == {cases["first"], cases["second"], cases["third"]}
    assert movable[cases["first"]]["current_elements"] == ["check"]
    assert [row["case_number"] for row in run["not_movable"]] == [cases["at_confirm"]]
    assert run["not_movable"][0]["reasons"] == ["当前任务「确认」（confirm）在第 2 版中已不存在"]


def test_a_moved_case_continues_into_the_new_step(
    app: Flask, client: ApiClient, cases: dict[str, str]
) -> None:
    moved, refused = migrate_everything(client)
    assert set(moved) == {cases["first"], cases["second"], cases["third"]}
    assert [row["case_number"] for row in refused] == [cases["at_confirm"]]
    assert version_of(app, cases["first"]) == 2
    assert version_of(app, cases["at_confirm"]) == 1

    task = client.open_task(cases["first"])
    assert task["name"] == "核对材料"
    assert client.complete(task["id"], "clerk", {"note": "齐全", "checked": True}).status_code == 200
    review = client.open_task(cases["first"], "approver")
    assert review["name"] == "复审"
    assert client.complete(review["id"], "approver", {"opinion": "同意"}).status_code == 200
    assert client.case(cases["first"])["current_tasks"] == []

    # The case left behind goes on along v1.
    task = client.open_task(cases["at_confirm"])
    assert task["name"] == "确认"

    rows = audit(app, "case.migrated")
    assert len(rows) == 3
    assert {(row["actor"], row["from_version"], row["to_version"]) for row in rows} == {("analyst", 1, 2)}


def test_undo_restores_the_version_and_the_state(
    app: Flask, client: ApiClient, cases: dict[str, str]
) -> None:
    moved, _ = migrate_everything(client, limit=10)
    response = client.post(f"/api/v1/case-migrations/{moved[cases['second']]}/undo", "analyst")
    assert response.status_code == 200, response.json
    assert response.json["version"] == 1
    assert version_of(app, cases["second"]) == 1
    task = client.open_task(cases["second"])
    assert task["name"] == "核对"
    assert client.complete(task["id"], "clerk", {"note": "已核对"}).status_code == 200
    assert client.open_task(cases["second"])["name"] == "确认"
    assert [row["migration"] for row in audit(app, "case.migration_undone")] == [moved[cases["second"]]]
    # Undone once: a second undo is refused.
    assert client.post(f"/api/v1/case-migrations/{moved[cases['second']]}/undo", "analyst").status_code == 409


def test_undo_after_a_further_step_is_refused(client: ApiClient, cases: dict[str, str]) -> None:
    moved, _ = migrate_everything(client, limit=10)
    task = client.open_task(cases["third"])
    assert client.complete(task["id"], "clerk", {"note": "齐全"}).status_code == 200
    response = client.post(f"/api/v1/case-migrations/{moved[cases['third']]}/undo", "analyst")
    assert response.status_code == 409
    assert response.json["type"] == "/problems/migration-not-undoable"
    assert client.open_task(cases["third"], "approver")["name"] == "复审"


@pytest.mark.parametrize("user", ["clerk", "supervisor", "approver"])
def test_only_analysts_and_admins_migrate(client: ApiClient, cases: dict[str, str], user: str) -> None:
    assert client.get(MIGRATION, user).status_code == 403
    assert client.post(MIGRATION, user, json={}).status_code == 403
    assert client.post("/api/v1/case-migrations/1/undo", user).status_code == 403


def test_admins_migrate_too(client: ApiClient, cases: dict[str, str]) -> None:
    assert client.get(MIGRATION, "admin").status_code == 200


def test_no_next_version_is_404(client: ApiClient, cases: dict[str, str]) -> None:
    assert client.get(f"/api/v1/process-definitions/{KEY}/versions/2/migration", "analyst").status_code == 404


def test_the_command_line_moves_the_cases_in_batches(app: Flask, cases: dict[str, str]) -> None:
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["migrate-cases", KEY, "1", "--as", "analyst", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{cases['at_confirm']}: cannot move" in dry.output
    assert "3 cases would move to version 2, 1 cannot" in dry.output
    assert version_of(app, cases["first"]) == 1

    result = runner.invoke(args=["migrate-cases", KEY, "1", "--as", "analyst", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "3 cases moved to version 2, 1 stay on version 1" in result.output
    assert version_of(app, cases["first"]) == 2
    assert len(audit(app, "case.migrated")) == 3
    # The moved cases' task rows still match their workflows.
    checked = runner.invoke(args=["check-consistency"])
    assert checked.exit_code == 0, checked.output

    refused = runner.invoke(args=["migrate-cases", KEY, "1", "--as", "clerk"])
    assert refused.exit_code != 0


def test_the_migration_page_moves_the_cases_batch_by_batch_and_undoes_one(
    app: Flask, cases: dict[str, str]
) -> None:
    browser = Browser(app)
    browser.log_in("analyst")
    assert 'data-testid="migrate"' in page_text(browser.get(f"/processes/{KEY}/1"))
    page = page_text(browser.get(f"/processes/{KEY}/1/migration"))
    assert "可以迁移（3 件）" in page
    assert "当前任务「确认」（confirm）在第 2 版中已不存在" in page
    # The progress panel asks for the next batch by itself (hx-trigger="load") until none is left.
    fields: dict[str, str] = {"total": "4"}
    while True:
        panel = page_text(browser.post(f"/processes/{KEY}/1/migration/batch", fields))
        if 'data-testid="migration-done"' in panel:
            break
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', panel))
    assert "已迁移 3 件，未迁移 1 件，共 4 件" in panel
    assert version_of(app, cases["first"]) == 2
    page = browser.get(f"/processes/{KEY}/1/migration")
    undo = re.findall(r'action="(/case-migrations/\d+/undo)"', page_text(page))
    assert len(undo) == 3
    assert browser.post(undo[0]).status_code == 302
    assert sum(version_of(app, number) == 1 for number in cases.values()) == 2


def test_the_dry_run_takes_the_same_statements_however_many_cases(
    app: Flask, client: ApiClient, cases: dict[str, str]
) -> None:
    headers = client.headers("analyst")
    with counted_statements(app) as before:
        assert client.http.get(MIGRATION, headers=headers).status_code == 200
    for _ in range(3):
        start(client)
    with counted_statements(app) as after:
        assert client.http.get(MIGRATION, headers=headers).status_code == 200
    assert len(after) == len(before) <= DRY_RUN_STATEMENTS


def test_a_task_moved_to_another_lane_keeps_the_case_where_it_is(
    app: Flask, client: ApiClient, tmp_path: Path
) -> None:
    install_version_one(app, tmp_path)
    at_check = start(client)
    at_confirm = start(client)
    assert client.complete(client.open_task(at_confirm)["id"], "clerk", {"note": "已核对"}).status_code == 200
    moved_lane = (
        Process(KEY, "迁移测试", lane="window")
        .start(status="submitted")
        .user_task("check", "核对", lane="department", form=CHECK_FORM)
        .user_task("confirm", "确认", form=CHECK_FORM)
        .end()
        .xml()
    )
    with app.app_context():
        deploy_process(moved_lane, f"{KEY}.bpmn", tmp_path / "v1")
    reasons = {
        row["case_number"]: row["reasons"] for row in client.get(MIGRATION, "analyst").json["not_movable"]
    }
    assert reasons[at_check] == ["当前任务「核对」（check）的泳道由 window 变为 department"]
    assert reasons == {at_check: reasons[at_check]}  # at 确认: still there, same lane


def test_a_case_waiting_on_a_timer_is_not_moved(app: Flask, client: ApiClient, tmp_path: Path) -> None:
    def waiting(*extra: str) -> str:
        built = Process(KEY, "迁移测试", lane="window").start(status="submitted")
        built.timer("wait", "等待", duration='"P1D"').user_task("check", "核对", form=CHECK_FORM)
        for task in extra:
            built.user_task(task, "复核", form=CHECK_FORM)
        return built.end().xml()

    install_version_one(app, tmp_path, waiting())
    number = start(client)
    install_version_two(app, tmp_path, waiting("recheck"))
    run = client.get(MIGRATION, "analyst").json
    assert run["not_movable"] == [
        {
            "case_number": number,
            "current_elements": ["wait"],
            "reasons": ["正在等待定时器「等待」（wait），迁移会使其重新计时"],
        }
    ]


def test_a_supervisor_sees_no_migration_on_the_version_page(app: Flask, cases: dict[str, str]) -> None:
    browser = Browser(app)
    browser.log_in("supervisor")
    page = page_text(browser.get(f"/processes/{KEY}/1"))
    assert 'data-testid="compare-with"' in page
    assert 'data-testid="migrate"' not in page
    assert browser.get(f"/processes/{KEY}/1/migration").status_code == 403

"""``flask orgs …`` and ``flask users …``: the admin operations at the console, with the API's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import Result
from flask import Flask

from tests.support.api import ApiClient, audit

WUNING_CENTRE = "330783001-bmfwzx"


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def login(client: ApiClient, username: str, password: str = "demo") -> Any:
    return client.http.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_orgs_list_filters_by_kind_and_region(app: Flask) -> None:
    result = run(app, "orgs", "list", "--kind", "station", "--region", "330783001")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "330783-scjgj-wuning",
        "330783-zfj-wuning",
        "330783-zrzyj-chengqu",
    ]
    assert "parent=330783-scjgj" in lines[0]
    assert "covers=330783001" in lines[0]


def test_orgs_list_refuses_an_unknown_region(app: Flask) -> None:
    result = run(app, "orgs", "list", "--region", "999999")
    assert result.exit_code == 1
    assert "region: 没有编码为 999999 的区划" in result.output


def test_orgs_create_a_station(app: Flask, client: ApiClient) -> None:
    result = run(
        app,
        "orgs",
        "create",
        "330783-zrzyj-weishan",
        "--name",
        "巍山自然资源和规划所",
        "--kind",
        "station",
        "--region",
        "330783",
        "--department-type",
        "natural_resources",
        "--parent",
        "330783-zrzyj",
        "--covers",
        "330783101",
        "--covers",
        "330783103",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("created 330783-zrzyj-weishan")
    station = client.get("/api/v1/admin/organisations/330783-zrzyj-weishan", "admin").json
    assert [t["code"] for t in station["covered_townships"]] == ["330783101", "330783103"]
    [created] = audit(app, "organisation.created")
    assert (created["actor"], created["code"]) == (None, "330783-zrzyj-weishan")


def test_orgs_create_reports_every_field_error_and_creates_nothing(app: Flask, client: ApiClient) -> None:
    result = run(
        app,
        *("orgs", "create", "330783-zrzyj-x", "--name", "所", "--kind", "station", "--region", "330783"),
        *("--department-type", "natural_resources", "--parent", "330783-scjgj", "--covers", "330803001"),
    )
    assert result.exit_code == 1
    assert "parent: 派驻机构须与上级部门 330783-scjgj 同类型（department_type）、同县" in result.output
    assert "covered_townships: 不在 东阳市 内：330803001" in result.output
    assert client.get("/api/v1/admin/organisations/330783-zrzyj-x", "admin").status_code == 404


def test_users_list_of_an_organisation(app: Flask) -> None:
    result = run(app, "users", "list", "--organisation", WUNING_CENTRE)
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.output.splitlines()] == ["clerk", "clerk-wuning"]
    assert result.output.splitlines()[0].split("\t")[2:4] == [WUNING_CENTRE, "clerk"]


def test_users_set_roles(app: Flask, client: ApiClient) -> None:
    result = run(app, "users", "set-roles", "clerk-wuning", "clerk", "cooperator")
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/admin/users/clerk-wuning", "admin").json["roles"] == ["clerk", "cooperator"]
    [changed] = audit(app, "user.roles_changed")
    assert (changed["actor"], changed["before"], changed["after"]) == (
        None,
        ["clerk"],
        ["clerk", "cooperator"],
    )
    refused = run(app, "users", "set-roles", "clerk-wuning", "boss")
    assert refused.exit_code == 2  # not a role: click refuses before anything runs


def test_users_disable_returns_claimed_tasks(app: Flask, client: ApiClient) -> None:
    task = client.open_task(client.start_case("clerk"))
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 200
    starts = datetime.now(UTC)
    delegation = {
        "delegate": "clerk-wuning",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(days=3)).isoformat(),
        "reason": "年休假",
    }
    assert client.post("/api/v1/delegations", "clerk", json=delegation).status_code == 201
    result = run(app, "users", "disable", "clerk")
    assert result.exit_code == 0, result.output
    assert "1 claimed task(s) returned to the pool, 1 delegation(s) ended" in result.output
    assert client.get("/api/v1/tasks", "clerk").status_code == 401
    assert [t["id"] for t in client.inbox("clerk-wuning")] == [task["id"]]
    assert "disabled" in run(app, "users", "list", "--organisation", WUNING_CENTRE).output
    assert run(app, "users", "enable", "clerk").exit_code == 0
    assert login(client, "clerk").status_code == 200


def test_users_unlock(app: Flask, client: ApiClient) -> None:
    for _ in range(5):
        login(client, "clerk", "guess")
    assert login(client, "clerk").status_code == 429
    assert "locked" in run(app, "users", "list", "--organisation", WUNING_CENTRE).output.splitlines()[0]
    result = run(app, "users", "unlock", "clerk")
    assert result.exit_code == 0, result.output
    assert login(client, "clerk").status_code == 200
    assert [e["actor"] for e in audit(app, "user.unlocked")] == [None]


def test_users_reset_password_prints_a_temporary_password(app: Flask, client: ApiClient) -> None:
    result = run(app, "users", "reset-password", "clerk")
    assert result.exit_code == 0, result.output
    temporary = result.output.splitlines()[0].rsplit(": ", 1)[1]
    assert login(client, "clerk").status_code == 401
    token = login(client, "clerk", temporary)
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    assert client.http.get("/api/v1/tasks", headers=headers).status_code == 403


def test_unknown_user_is_an_error(app: Flask) -> None:
    for command in ("disable", "unlock", "reset-password", "enable"):
        result = run(app, "users", command, "nobody")
        assert result.exit_code == 1, command
        assert "用户 nobody 不存在" in result.output

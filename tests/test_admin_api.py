"""The admin API: organisations (stations with their coverage) and accounts; admin role only; audited."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient, audit

PROBLEM = "application/problem+json"
WUNING_CENTRE = "330783001-bmfwzx"
NEW_STATION = {
    "code": "330783-zrzyj-weishan",
    "name": "东阳市自然资源和规划局巍山自然资源和规划所",
    "kind": "station",
    "region": "330783",
    "department_type": "natural_resources",
    "parent": "330783-zrzyj",
    "covered_townships": ["330783101", "330783103"],  # 巍山镇, 歌山镇: no natural-resources station yet
}
NEW_USER = {
    "username": "li4",
    "full_name": "李四",
    "organisation": WUNING_CENTRE,
    "roles": ["clerk"],
    "password": "Initial2026",
}


def patch(client: ApiClient, path: str, user: str, body: dict[str, Any]) -> Any:
    return client.http.patch(path, headers=client.headers(user), json=body)


ADMIN_REQUESTS = [
    ("get", "/api/v1/admin/organisations"),
    ("post", "/api/v1/admin/organisations"),
    ("get", "/api/v1/admin/organisations/330783-scjgj"),
    ("patch", "/api/v1/admin/organisations/330783-scjgj"),
    ("get", "/api/v1/admin/users"),
    ("post", "/api/v1/admin/users"),
    ("get", "/api/v1/admin/users/clerk-wuning"),
    ("patch", "/api/v1/admin/users/clerk-wuning"),
    ("post", "/api/v1/admin/users/clerk-wuning/reset-password"),
    ("post", "/api/v1/admin/users/clerk-wuning/unlock"),
    ("post", "/api/v1/admin/users/clerk-wuning/disable"),
    ("post", "/api/v1/admin/users/clerk-wuning/enable"),
]


@pytest.mark.parametrize("user", ["clerk", "approver", "supervisor", "analyst"])
def test_only_admins_may_administer(client: ApiClient, user: str) -> None:
    for method, path in ADMIN_REQUESTS:
        body = {"roles": ["admin"]} if method == "patch" else {}
        response = getattr(client.http, method)(path, headers=client.headers(user), json=body)
        assert response.status_code == 403, (method, path)
        assert response.content_type == PROBLEM
    # Nothing happened to the account the requests were about.
    view = client.get("/api/v1/admin/users/clerk-wuning", "admin").json
    assert (view["roles"], view["active"], view["must_change_password"]) == (["clerk"], True, False)
    assert client.get("/api/v1/tasks", "clerk-wuning").status_code == 200


def test_admin_endpoints_need_a_token(client: ApiClient) -> None:
    for method, path in ADMIN_REQUESTS:
        assert getattr(client.http, method)(path, json={}).status_code == 401, path


def test_list_organisations_by_kind_and_region(client: ApiClient) -> None:
    stations = client.get("/api/v1/admin/organisations?kind=station&region=330783", "admin").json
    codes = [o["code"] for o in stations]
    assert "330783-scjgj-wuning" in codes
    assert codes == sorted(codes)
    assert {o["kind"] for o in stations} == {"station"}
    assert {o["region"]["code"] for o in stations} == {"330783"}
    # A township: its own centre and offices, and the stations that cover it — no other township's.
    wuning = client.get("/api/v1/admin/organisations?region=330783001", "admin").json
    assert {o["code"] for o in wuning} == {
        "330783001-bmfwzx",
        "330783001-dzbgs",
        "330783001-djbgs",
        "330783001-zhzhs",
        "330783-scjgj-wuning",
        "330783-zrzyj-chengqu",
        "330783-zfj-wuning",
    }
    # A city includes its counties' departments.
    city = client.get("/api/v1/admin/organisations?kind=department&region=330700", "admin").json
    assert "330783-scjgj" in {o["code"] for o in city}
    assert "330803-scjgj" not in {o["code"] for o in city}  # 衢江区 is in 衢州市


def test_bad_organisation_filters_are_field_errors(client: ApiClient) -> None:
    response = client.get("/api/v1/admin/organisations?kind=bureau&region=999999", "admin")
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"kind", "region"}


def test_a_station_shows_its_parent_and_coverage(client: ApiClient) -> None:
    response = client.get("/api/v1/admin/organisations/330783-scjgj-wuning", "admin")
    assert response.status_code == 200
    assert response.json["parent"] == {"code": "330783-scjgj", "name": "东阳市市场监督管理局"}
    assert response.json["covered_townships"] == [{"code": "330783001", "name": "吴宁街道"}]
    assert client.get("/api/v1/admin/organisations/no-such-code", "admin").status_code == 404


def test_create_a_station(client: ApiClient, app: Flask) -> None:
    response = client.post("/api/v1/admin/organisations", "admin", json=NEW_STATION)
    assert response.status_code == 201, response.json
    assert response.json["parent"]["code"] == "330783-zrzyj"
    assert [t["code"] for t in response.json["covered_townships"]] == ["330783101", "330783103"]
    assert response.json["active"] is True
    fetched = client.get(f"/api/v1/admin/organisations/{NEW_STATION['code']}", "admin").json
    assert fetched == response.json
    [created] = audit(app, "organisation.created")
    assert created["actor"] == "admin"
    assert created["code"] == NEW_STATION["code"]
    assert created["after"]["covered_townships"] == ["330783101", "330783103"]
    assert created["after"]["parent"] == "330783-zrzyj"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"parent": "330783-scjgj"},
            "parent",
            "派驻机构须与上级部门 330783-scjgj 同类型（department_type）、同县",
        ),
        ({"parent": "330803-scjgj", "department_type": "market_regulation"}, "parent", None),
        ({"parent": "330783001-bmfwzx"}, "parent", "330783001-bmfwzx 不是县级部门"),
        ({"parent": "no-such-org"}, "parent", "没有编码为 no-such-org 的机构"),
        ({"parent": None}, "parent", "派驻机构须有上级部门"),
        ({"covered_townships": ["330803001"]}, "covered_townships", "不在 东阳市 内：330803001"),
        ({"covered_townships": ["330783"]}, "covered_townships", "不是乡镇（街道）区划代码：330783"),
        ({"covered_townships": []}, "covered_townships", "派驻机构须列出覆盖的乡镇（街道）"),
        (
            {"covered_townships": ["330783101", "330783001"]},
            "covered_townships",
            "330783001 已由 330783-zrzyj-chengqu 覆盖",
        ),
        ({"region": "330783101"}, "region", "县级部门和派驻机构的所在区划须为县（市、区）"),
        ({"region": "000000"}, "region", "没有编码为 000000 的区划"),
        ({"department_type": None}, "department_type", "县级部门和派驻机构须有 department_type"),
        ({"kind": "bureau"}, "kind", None),
        ({"name": " "}, "name", "必填"),
    ],
)
def test_station_rules_are_field_errors(
    client: ApiClient, changes: dict[str, Any], field: str, message: str | None
) -> None:
    response = client.post("/api/v1/admin/organisations", "admin", json={**NEW_STATION, **changes})
    assert response.status_code == 422, response.json
    assert response.content_type == PROBLEM
    assert field in response.json["errors"]
    if message is not None:
        assert message in response.json["errors"][field]
    assert client.get(f"/api/v1/admin/organisations/{NEW_STATION['code']}", "admin").status_code == 404


def test_township_organisations_have_no_department_parent_or_coverage(client: ApiClient) -> None:
    response = client.post(
        "/api/v1/admin/organisations",
        "admin",
        json={
            "code": "330783001-rhbgs",
            "name": "吴宁街道融合发展办公室",
            "kind": "office",
            "region": "330783",
            "department_type": "market_regulation",
            "parent": "330783-scjgj",
            "covered_townships": ["330783001"],
        },
    )
    assert response.status_code == 422
    assert response.json["errors"] == {
        "region": ["便民服务中心和乡镇办公室须位于乡镇（街道）"],
        "office_type": ["乡镇办公室须有 office_type（如 party_government, party_building, command_centre）"],
        "department_type": ["只有县级部门和派驻机构有 department_type"],
        "parent": ["只有派驻机构有上级部门"],
        "covered_townships": ["只有派驻机构覆盖乡镇（街道）"],
    }


def test_duplicates_are_conflicts(client: ApiClient) -> None:
    assert client.post("/api/v1/admin/organisations", "admin", json=NEW_STATION).status_code == 201
    again = client.post("/api/v1/admin/organisations", "admin", json=NEW_STATION)
    assert again.status_code == 409
    assert again.content_type == PROBLEM
    assert again.json["detail"] == "机构编码 330783-zrzyj-weishan 已存在"
    # Routing expects one department of a type per county, one office of a type per township.
    second_bureau = {
        "code": "330783-scjgj-2",
        "name": "东阳市第二市场监督管理局",
        "kind": "department",
        "region": "330783",
        "department_type": "market_regulation",
    }
    assert client.post("/api/v1/admin/organisations", "admin", json=second_bureau).status_code == 409
    second_office = {
        "code": "330783001-zhzhs-2",
        "name": "吴宁街道第二指挥室",
        "kind": "office",
        "region": "330783001",
        "office_type": "command_centre",
    }
    assert client.post("/api/v1/admin/organisations", "admin", json=second_office).status_code == 409
    inactive = client.post("/api/v1/admin/organisations", "admin", json={**second_office, "active": False})
    assert inactive.status_code == 201


def test_change_a_stations_coverage(client: ApiClient, app: Flask) -> None:
    assert client.post("/api/v1/admin/organisations", "admin", json=NEW_STATION).status_code == 201
    path = f"/api/v1/admin/organisations/{NEW_STATION['code']}"
    response = patch(
        client, path, "admin", {"covered_townships": ["330783101", "330783104"], "name": "巍山所"}
    )
    assert response.status_code == 200, response.json
    assert [t["code"] for t in response.json["covered_townships"]] == ["330783101", "330783104"]
    assert response.json["name"] == "巍山所"
    [updated] = audit(app, "organisation.updated")
    assert updated["before"] == {
        "name": NEW_STATION["name"],
        "covered_townships": ["330783101", "330783103"],
    }
    assert updated["after"] == {"name": "巍山所", "covered_townships": ["330783101", "330783104"]}
    # Moving a township to a station needs it free first.
    taken = patch(client, path, "admin", {"covered_townships": ["330783001"]})
    assert taken.status_code == 422
    assert taken.json["errors"] == {"covered_townships": ["330783001 已由 330783-zrzyj-chengqu 覆盖"]}


def test_deactivate_an_organisation_and_identity_fields_are_fixed(client: ApiClient, app: Flask) -> None:
    path = "/api/v1/admin/organisations/330783-zfj-wuning"
    # Its one account leaves first (tests/test_deactivation.py: refused while anyone is left).
    assert client.post("/api/v1/admin/users/approver-zhifa/disable", "admin").status_code == 200
    response = patch(client, path, "admin", {"active": False})
    assert response.status_code == 200
    assert response.json["active"] is False
    assert audit(app, "organisation.updated")[0]["after"] == {"active": False}
    fixed = patch(client, path, "admin", {"kind": "department", "code": "x"})
    assert fixed.status_code == 422
    assert set(fixed.json["errors"]) == {"kind", "code"}
    # A department with stations keeps its type (the stations' must match it).
    typed = patch(client, "/api/v1/admin/organisations/330783-scjgj", "admin", {"department_type": "housing"})
    assert typed.status_code == 422
    assert typed.json["errors"] == {"department_type": ["该部门下有派驻机构，不能修改其类型"]}
    unchanged = patch(client, path, "admin", {"active": False})
    assert unchanged.status_code == 200
    assert len(audit(app, "organisation.updated")) == 1


def test_list_users_of_an_organisation(client: ApiClient) -> None:
    response = client.get(f"/api/v1/admin/users?organisation={WUNING_CENTRE}", "admin")
    assert response.status_code == 200
    assert [u["username"] for u in response.json] == ["clerk", "clerk-wuning"]
    assert response.json[0]["organisation"]["code"] == WUNING_CENTRE
    assert "password" not in response.json[0]
    assert "password_hash" not in response.json[0]
    everyone = client.get("/api/v1/admin/users?limit=1000", "admin").json
    assert {"admin", "approver", "clerk-hengdian"} <= {u["username"] for u in everyone}
    unknown = client.get("/api/v1/admin/users?organisation=nowhere", "admin")
    assert unknown.status_code == 422
    assert unknown.json["errors"] == {"organisation": ["没有编码为 nowhere 的机构"]}
    assert client.get("/api/v1/admin/users/nobody", "admin").status_code == 404


def test_create_a_user_who_must_change_the_initial_password(client: ApiClient, app: Flask) -> None:
    response = client.post("/api/v1/admin/users", "admin", json=NEW_USER)
    assert response.status_code == 201, response.json
    assert response.json["organisation"]["code"] == WUNING_CENTRE
    assert response.json["roles"] == ["clerk"]
    assert response.json["must_change_password"] is True
    token = client.http.post("/api/v1/auth/token", json={"username": "li4", "password": "Initial2026"})
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    assert client.http.get("/api/v1/tasks", headers=headers).status_code == 403
    [created] = audit(app, "user.created")
    assert created == {
        "actor": "admin",
        "username": "li4",
        "after": {"full_name": "李四", "organisation": WUNING_CENTRE, "roles": ["clerk"]},
    }
    assert "Initial2026" not in str(created)
    duplicate = client.post("/api/v1/admin/users", "admin", json=NEW_USER)
    assert duplicate.status_code == 409
    assert duplicate.json["detail"] == "用户名 li4 已存在"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"organisation": "nowhere"}, {"organisation": ["没有编码为 nowhere 的机构"]}),
        ({"roles": ["clerk", "boss"]}, {"roles": None}),
        ({"roles": []}, {"roles": ["至少须有一个角色"]}),
        ({"password": "short"}, {"password": ["密码至少 8 个字符", "密码须同时包含字母和数字"]}),
        ({"username": "Li Si"}, {"username": None}),
        ({"full_name": ""}, {"full_name": ["必填"]}),
    ],
)
def test_bad_user_input_is_a_field_error(
    client: ApiClient, changes: dict[str, Any], errors: dict[str, list[str] | None]
) -> None:
    response = client.post("/api/v1/admin/users", "admin", json={**NEW_USER, **changes})
    assert response.status_code == 422
    assert set(response.json["errors"]) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert response.json["errors"][field] == messages
    assert client.get(f"/api/v1/admin/users/{changes.get('username', 'li4')}", "admin").status_code == 404


def test_user_in_an_inactive_organisation_is_refused(client: ApiClient) -> None:
    assert client.post("/api/v1/admin/users/approver-zhifa/disable", "admin").status_code == 200
    patch(client, "/api/v1/admin/organisations/330783-zfj-wuning", "admin", {"active": False})
    response = client.post(
        "/api/v1/admin/users", "admin", json={**NEW_USER, "organisation": "330783-zfj-wuning"}
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"organisation": ["机构 330783-zfj-wuning 已停用"]}


def test_change_roles_and_organisation(client: ApiClient, app: Flask) -> None:
    # clerk-wuning claims a 受理 task, then moves to 横店镇's centre.
    task = client.open_task(client.start_case("clerk"))
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk-wuning").status_code == 200
    response = patch(
        client,
        "/api/v1/admin/users/clerk-wuning",
        "admin",
        {
            "roles": ["cooperator", "clerk", "clerk"],
            "organisation": "330783111-bmfwzx",
            "full_name": "王小明",
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["roles"] == ["clerk", "cooperator"]
    assert response.json["organisation"]["code"] == "330783111-bmfwzx"
    assert response.json["full_name"] == "王小明"
    # The claimed task of the old centre went back to its pool.
    assert [(t["id"], t["assignee"]) for t in client.inbox("clerk")] == [(task["id"], None)]
    [roles] = audit(app, "user.roles_changed")
    assert (roles["actor"], roles["before"], roles["after"]) == ("admin", ["clerk"], ["clerk", "cooperator"])
    [moved] = audit(app, "user.organisation_changed")
    assert (moved["before"], moved["after"], moved["tasks_released"]) == (
        WUNING_CENTRE,
        "330783111-bmfwzx",
        1,
    )
    [renamed] = audit(app, "user.renamed")
    assert (renamed["before"], renamed["after"]) == ("吴宁街道窗口人员", "王小明")


def test_an_admin_cannot_take_away_their_own_admin_role(client: ApiClient) -> None:
    response = patch(client, "/api/v1/admin/users/admin", "admin", {"roles": ["supervisor"]})
    assert response.status_code == 422
    assert response.json["errors"] == {"roles": ["不能取消自己的管理员角色"]}
    assert client.get("/api/v1/admin/users/admin", "admin").json["roles"] == ["admin"]


def test_admin_api_is_in_the_openapi_document(client: ApiClient) -> None:
    paths = client.http.get("/api/openapi.json").json["paths"]
    assert {
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/admin/organisations/{code}",
        "/api/v1/admin/users/{username}/reset-password",
    } <= set(paths)

"""Accounts: who am I, changing one's password, admin resets, lockout after failed logins, disabling leavers."""

from __future__ import annotations

import string
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient, audit

PROBLEM = "application/problem+json"
WUNING_CENTRE = "330783001-bmfwzx"


def login(client: ApiClient, username: str, password: str = "demo") -> Any:
    return client.http.post("/api/v1/auth/token", json={"username": username, "password": password})


def bearer(client: ApiClient, username: str, password: str = "demo") -> dict[str, str]:
    response = login(client, username, password)
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def change_password(client: ApiClient, headers: dict[str, str], current: str, new: str) -> Any:
    return client.http.post(
        "/api/v1/me/password", headers=headers, json={"current_password": current, "new_password": new}
    )


def admin_view(client: ApiClient, username: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/admin/users/{username}", "admin")
    assert response.status_code == 200, response.json
    return response.json


def test_me_says_who_the_caller_is(client: ApiClient) -> None:
    response = client.get("/api/v1/me", "clerk")
    assert response.status_code == 200
    assert response.json == {
        "username": "clerk",
        "full_name": "吴宁街道窗口 陈晓燕",
        "organisation": {"code": WUNING_CENTRE, "name": "吴宁街道便民服务中心"},
        "roles": ["clerk"],
        "must_change_password": False,
        "password_changed_at": None,
    }
    assert client.http.get("/api/v1/me").status_code == 401


def test_changing_the_password_replaces_the_old_one(client: ApiClient, app: Flask) -> None:
    headers = bearer(client, "clerk")
    response = change_password(client, headers, "demo", "Wuning2026")
    assert response.status_code == 204
    assert login(client, "clerk", "demo").status_code == 401
    assert login(client, "clerk", "Wuning2026").status_code == 200
    # The session the change was made in goes on.
    me = client.http.get("/api/v1/me", headers=headers).json
    assert me["password_changed_at"] is not None
    assert [(e["actor"], e["username"]) for e in audit(app, "user.password_changed")] == [("clerk", "clerk")]


@pytest.fixture
def policy_user(client: ApiClient) -> dict[str, str]:
    """A user whose username and password satisfy the policy themselves, so each rule is seen alone."""
    response = client.post(
        "/api/v1/admin/users",
        "admin",
        json={
            "username": "wang5clerk",
            "full_name": "王五",
            "organisation": WUNING_CENTRE,
            "roles": ["clerk"],
            "password": "Start1234",
            "must_change_password": False,
        },
    )
    assert response.status_code == 201, response.json
    return bearer(client, "wang5clerk", "Start1234")


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab3defg", "密码至少 8 个字符"),
        ("abcdefgh", "密码须同时包含字母和数字"),
        ("12345678", "密码须同时包含字母和数字"),
        ("长城长城长城长城1", "密码须同时包含字母和数字"),  # letters means a–z, A–Z
        ("WANG5CLERK", "密码不能与用户名相同"),
        ("Start1234", "新密码不能与当前密码相同"),
        ("a1" * 129, "密码不能超过 256 个字符"),
    ],
)
def test_password_policy_violations_are_field_errors(
    client: ApiClient, policy_user: dict[str, str], new_password: str, message: str
) -> None:
    response = change_password(client, policy_user, "Start1234", new_password)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert response.json["errors"] == {"new_password": [message]}
    assert login(client, "wang5clerk", "Start1234").status_code == 200


def test_every_broken_rule_is_named_at_once(client: ApiClient) -> None:
    response = change_password(client, bearer(client, "clerk"), "wrong", "abc")
    assert response.status_code == 422
    assert response.json["errors"] == {
        "current_password": ["当前密码不正确"],
        "new_password": ["密码至少 8 个字符", "密码须同时包含字母和数字"],
    }


def test_wrong_current_password_is_a_field_error_not_401(client: ApiClient) -> None:
    headers = bearer(client, "clerk")
    response = change_password(client, headers, "not-my-password", "Wuning2026")
    assert response.status_code == 422
    assert response.json["errors"] == {"current_password": ["当前密码不正确"]}
    assert login(client, "clerk", "Wuning2026").status_code == 401
    assert login(client, "clerk", "demo").status_code == 200
    # Still logged in.
    assert client.http.get("/api/v1/me", headers=headers).status_code == 200


def test_reset_password_forces_a_change_before_any_other_work(client: ApiClient, app: Flask) -> None:
    old_session = bearer(client, "clerk")
    response = client.post("/api/v1/admin/users/clerk/reset-password", "admin")
    assert response.status_code == 200
    temporary = response.json["temporary_password"]
    assert response.json["must_change_password"] is True
    assert len(temporary) >= 12
    assert set(temporary) & set(string.ascii_letters)
    assert set(temporary) & set(string.digits)
    # Sessions opened with the old password end; the old password no longer works.
    assert client.http.get("/api/v1/me", headers=old_session).status_code == 401
    assert login(client, "clerk", "demo").status_code == 401

    headers = bearer(client, "clerk", temporary)
    me = client.http.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json["must_change_password"] is True
    for method, path in [
        ("get", "/api/v1/tasks"),
        ("get", "/api/v1/services"),
        ("post", "/api/v1/cases"),
        ("get", "/api/v1/admin/users"),
    ]:
        refused = getattr(client.http, method)(path, headers=headers, json={})
        assert refused.status_code == 403, path
        assert refused.content_type == PROBLEM
        assert refused.json["title"] == "须先修改密码"
        assert refused.json["detail"].startswith("须先修改密码")

    assert change_password(client, headers, temporary, "Wuning2026").status_code == 204
    assert client.http.get("/api/v1/tasks", headers=headers).status_code == 200
    assert client.http.get("/api/v1/me", headers=headers).json["must_change_password"] is False
    assert login(client, "clerk", temporary).status_code == 401
    [reset] = audit(app, "user.password_reset")
    assert (reset["actor"], reset["username"], reset["tokens_revoked"]) == ("admin", "clerk", 1)
    assert temporary not in str(reset)


def test_the_temporary_password_cannot_be_kept(client: ApiClient) -> None:
    temporary = client.post("/api/v1/admin/users/clerk/reset-password", "admin").json["temporary_password"]
    response = change_password(client, bearer(client, "clerk", temporary), temporary, temporary)
    assert response.status_code == 422
    assert response.json["errors"] == {"new_password": ["新密码不能与当前密码相同"]}


def test_five_failed_logins_block_the_address_not_the_open_token(client: ApiClient, app: Flask) -> None:
    session = bearer(client, "clerk")
    for _ in range(5):
        assert login(client, "clerk", "guess").status_code == 401
    assert login(client, "clerk", "demo").status_code == 429
    assert [e["username"] for e in audit(app, "user.locked")] == ["clerk"]
    reasons = [e["reason"] for e in audit(app, "auth.login_failed")]
    assert reasons == ["wrong_password"] * 5 + ["blocked"]
    # The block stops password guessing; a token issued before it goes on.
    assert client.http.get("/api/v1/tasks", headers=session).status_code == 200

    response = client.post("/api/v1/admin/users/clerk/unlock", "admin")
    assert response.status_code == 200
    assert (response.json["locked_until"], response.json["failed_login_count"]) == (None, 0)
    assert login(client, "clerk", "demo").status_code == 200
    [unlocked] = audit(app, "user.unlocked")
    assert (unlocked["actor"], unlocked["username"]) == ("admin", "clerk")


def test_guessing_the_current_password_also_blocks_the_address(client: ApiClient) -> None:
    headers = bearer(client, "clerk")
    for _ in range(5):
        assert change_password(client, headers, "guess", "Wuning2026").status_code == 422
    response = change_password(client, headers, "demo", "Wuning2026")
    assert response.status_code == 429
    assert login(client, "clerk", "demo").status_code == 429  # from this address


def test_unknown_users_failures_are_audited_and_counted_like_wrong_passwords(
    client: ApiClient, app: Flask
) -> None:
    assert login(client, "nobody", "demo").status_code == 401
    assert audit(app, "auth.login_failed") == [
        {"actor": None, "username": "nobody", "reason": "unknown_user", "failed_count": 1}
    ]


def test_admin_reset_also_unlocks(client: ApiClient) -> None:
    for _ in range(5):
        login(client, "clerk", "guess")
    temporary = client.post("/api/v1/admin/users/clerk/reset-password", "admin").json["temporary_password"]
    assert login(client, "clerk", temporary).status_code == 200


def test_disabling_a_leaver_ends_their_session_and_returns_their_tasks(client: ApiClient, app: Flask) -> None:
    number = client.start_case("clerk")
    task = client.open_task(number)
    assert task["name"] == "受理"
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 200
    assert client.inbox("clerk-wuning") == []  # claimed by a colleague

    response = client.post("/api/v1/admin/users/clerk/disable", "admin")
    assert response.status_code == 200
    assert response.json["tasks_released"] == 1
    assert response.json["user"]["active"] is False
    assert response.json["user"]["disabled_at"] is not None

    # The leaver's existing token stops working at once, and they cannot log in again.
    assert client.get("/api/v1/tasks", "clerk").status_code == 401
    assert login(client, "clerk", "demo").status_code == 401
    # The task is back in the centre's pool: a colleague sees it and can take it.
    pool = client.inbox("clerk-wuning")
    assert [(t["id"], t["assignee"]) for t in pool] == [(task["id"], None)]
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk-wuning").status_code == 200

    trail = client.case(number, "clerk-wuning")["audit"]
    released = [e for e in trail if e["action"] == "task.released"]
    assert [(e["actor"], e["task_id"], e["summary"]["from"]) for e in released] == [
        ("admin", task["id"], "clerk")
    ]
    [disabled] = audit(app, "user.disabled")
    assert (disabled["actor"], disabled["username"], disabled["tasks_released"]) == ("admin", "clerk", 1)
    assert disabled["tokens_revoked"] >= 1


def test_enabling_gives_the_account_back(client: ApiClient, app: Flask) -> None:
    assert client.post("/api/v1/admin/users/clerk/disable", "admin").status_code == 200
    response = client.post("/api/v1/admin/users/clerk/enable", "admin")
    assert response.status_code == 200
    assert (response.json["active"], response.json["disabled_at"]) == (True, None)
    assert client.http.get("/api/v1/tasks", headers=bearer(client, "clerk")).status_code == 200
    assert [e["username"] for e in audit(app, "user.enabled")] == ["clerk"]


def test_disabling_releases_only_open_tasks_and_only_the_leavers(client: ApiClient) -> None:
    mine = client.open_task(client.start_case("clerk"))
    theirs = client.open_task(client.start_case("clerk"))
    done_number = client.start_case("clerk")
    done = client.open_task(done_number)
    assert client.post(f"/api/v1/tasks/{mine['id']}/claim", "clerk").status_code == 200
    assert client.post(f"/api/v1/tasks/{theirs['id']}/claim", "clerk-wuning").status_code == 200
    assert client.complete(done["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200

    response = client.post("/api/v1/admin/users/clerk/disable", "admin")
    assert response.json["tasks_released"] == 1
    inbox = {t["id"]: t["assignee"] for t in client.inbox("clerk-wuning")}
    assert inbox[mine["id"]] is None
    assert inbox[theirs["id"]]["username"] == "clerk-wuning"
    assert done["id"] not in inbox
    history = client.case(done_number, "clerk-wuning")["history"]
    assert history[0]["completed_by"]["username"] == "clerk"


def test_an_admin_cannot_disable_themselves(client: ApiClient) -> None:
    response = client.post("/api/v1/admin/users/admin/disable", "admin")
    assert response.status_code == 403
    assert response.json["detail"] == "不能停用自己的账户"
    assert client.get("/api/v1/admin/users/admin", "admin").json["active"] is True

"""Login protection: wrong passwords block one (account, address) pair with a backoff that doubles up
to LOGIN_LOCKOUT_MINUTES (an admin may lift it sooner), so a stranger cannot lock a clerk out; failed
logins from one address over all accounts are throttled with 429, except for accounts that work from
there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient, audit, problem_body
from tests.support.clock import MONDAY_9AM, Clock, service_clock
from tests.support.pages import Browser, page_text

PROBLEM = "application/problem+json"
LOCKED_AT = MONDAY_9AM  # where the clock fixture stands
OTHER_CLIENT = {"REMOTE_ADDR": "198.51.100.7"}
STRANGER = {"REMOTE_ADDR": "203.0.113.66"}


def login(client: ApiClient, username: str, password: str = "demo", **kwargs: Any) -> Any:
    return client.http.post("/api/v1/auth/token", json={"username": username, "password": password}, **kwargs)


def lock_out(client: ApiClient, app: Flask, username: str = "clerk", **kwargs: Any) -> None:
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        assert login(client, username, "guess", **kwargs).status_code == 401


def admin_client(app: Flask) -> ApiClient:
    """An admin at another computer, logging in afresh (on the moved clock, outside the throttled address)."""
    http = app.test_client()
    http.environ_base.update(OTHER_CLIENT)
    return ApiClient(http)


def admin_view(app: Flask, username: str) -> dict[str, Any]:
    response = admin_client(app).get(f"/api/v1/admin/users/{username}", "admin")
    assert response.status_code == 200, response.json
    return response.json


def test_a_stranger_blocks_only_their_own_address_and_the_clerk_logs_in(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    lock_out(client, app, environ_base=STRANGER)
    blocked = login(client, "clerk", environ_base=STRANGER)  # even the right password, from there
    assert blocked.status_code == 429
    assert blocked.content_type == PROBLEM
    assert blocked.json["title"] == "登录失败次数过多，请稍后再试"
    assert blocked.headers["Retry-After"] == "60"
    [locked] = audit(app, "user.locked")
    assert locked["client_address"] == STRANGER["REMOTE_ADDR"]
    assert datetime.fromisoformat(locked["locked_until"]) == LOCKED_AT + timedelta(minutes=1)

    # The clerk at the window is not locked out by it.
    assert login(client, "clerk").status_code == 200
    view = admin_view(app, "clerk")
    assert datetime.fromisoformat(view["locked_until"]) == LOCKED_AT + timedelta(minutes=1)
    assert view["login_blocks"] == [
        {
            "client_address": STRANGER["REMOTE_ADDR"],
            "failed_count": 5,
            "blocked_until": (LOCKED_AT + timedelta(minutes=1)).isoformat(),
        }
    ]


def test_each_further_failure_doubles_the_block_up_to_the_lockout_minutes(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    lock_out(client, app, environ_base=STRANGER)
    elapsed = timedelta(minutes=1)
    for block_minutes in (2, 4, 8, 15, 15):
        clock.set(LOCKED_AT + timedelta(seconds=elapsed.total_seconds()))
        assert login(client, "clerk", "guess", environ_base=STRANGER).status_code == 401
        until = datetime.fromisoformat(admin_view(app, "clerk")["locked_until"])
        assert until == clock.at + timedelta(minutes=block_minutes)
        clock.set(
            LOCKED_AT
            + timedelta(seconds=(elapsed + timedelta(minutes=block_minutes, seconds=-1)).total_seconds())
        )
        assert login(client, "clerk", environ_base=STRANGER).status_code == 429  # a second before it ends
        elapsed += timedelta(minutes=block_minutes)
    assert len(audit(app, "user.locked")) == 6

    clock.set(LOCKED_AT + timedelta(seconds=elapsed.total_seconds()))
    assert login(client, "clerk", environ_base=STRANGER).status_code == 200
    assert admin_view(app, "clerk")["failed_login_count"] == 0
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"] - 1):
        assert login(client, "clerk", "guess", environ_base=STRANGER).status_code == 401
    assert (
        login(client, "clerk", environ_base=STRANGER).status_code == 200
    )  # a fresh count: four lock nothing


def test_failures_are_forgotten_a_day_after_the_last(client: ApiClient, app: Flask, clock: Clock) -> None:
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"] - 1):
        assert login(client, "clerk", "guess").status_code == 401
    clock.set(LOCKED_AT + timedelta(hours=24, seconds=1))
    assert login(client, "clerk", "guess").status_code == 401
    assert admin_view(app, "clerk")["failed_login_count"] == 1
    assert login(client, "clerk").status_code == 200


def test_unknown_usernames_are_blocked_alike(client: ApiClient, app: Flask, clock: Clock) -> None:
    lock_out(client, app, "clerk", environ_base=STRANGER)
    lock_out(client, app, "no-such-clerk", environ_base=STRANGER)
    known = login(client, "clerk", environ_base=STRANGER)
    unknown = login(client, "no-such-clerk", environ_base=STRANGER)
    assert (known.status_code, problem_body(known.json)) == (unknown.status_code, problem_body(unknown.json))
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]


def test_an_admin_unblocks_before_the_lapse(client: ApiClient, app: Flask, clock: Clock) -> None:
    lock_out(client, app, environ_base=STRANGER)
    clock.set(LOCKED_AT + timedelta(seconds=30))
    response = admin_client(app).post("/api/v1/admin/users/clerk/unlock", "admin")
    assert response.status_code == 200
    assert (response.json["locked_until"], response.json["login_blocks"]) == (None, [])
    assert login(client, "clerk", environ_base=STRANGER).status_code == 200
    [unlocked] = audit(app, "user.unlocked")
    assert datetime.fromisoformat(unlocked["locked_until"]) == LOCKED_AT + timedelta(minutes=1)
    assert unlocked["addresses"] == 1


def test_the_backoff_is_a_setting(
    client: ApiClient, app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_BACKOFF_SECONDS", 600)
    lock_out(client, app)
    clock.set(LOCKED_AT + timedelta(minutes=9, seconds=59))
    assert login(client, "clerk").status_code == 429
    clock.set(LOCKED_AT + timedelta(minutes=10))
    assert login(client, "clerk").status_code == 200


def test_an_address_over_its_limit_lets_in_only_the_accounts_that_work_from_it(
    client: ApiClient, app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.config["LOGIN_RATE_LIMIT"] == "20 per minute"
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    # Successful logins do not count: a centre behind one address logs in at opening time.
    for _ in range(5):
        assert login(client, "clerk").status_code == 200
    for username in ("nobody", "cooperator", "approver"):  # password spraying from the centre's address
        assert login(client, username, "guess").status_code == 401

    limited = login(client, "approver")
    assert limited.status_code == 429
    assert limited.content_type == PROBLEM
    assert limited.json["status"] == 429
    assert limited.json["title"] == "登录失败次数过多，请稍后再试"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert login(client, "admin").status_code == 429  # never logged in from here
    # Refused unasked: no account is counted or audited for it.
    assert admin_view(app, "approver")["failed_login_count"] == 1
    assert len(audit(app, "auth.login_failed")) == 3

    # The clerk has worked from this address lately, and logs in.
    assert login(client, "clerk").status_code == 200
    assert login(client, "approver", environ_base=OTHER_CLIENT).status_code == 200


def test_the_api_and_the_page_share_one_count_per_address(
    client: ApiClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    browser = Browser(app)
    browser.get("/login")
    assert browser.post("/login", {"username": "clerk", "password": "guess"}).status_code == 401
    assert login(client, "clerk", "guess").status_code == 401
    assert login(client, "approver").status_code == 429
    assert browser.post("/login", {"username": "approver", "password": "demo"}).status_code == 429


@pytest.fixture
def page_app(live_app: Flask) -> Iterator[Flask]:
    service_clock(live_app, LOCKED_AT)
    yield live_app


def test_the_login_page_says_429_in_words_and_the_owner_logs_in_elsewhere(page_app: Flask) -> None:
    intruder = Browser(page_app)
    intruder.http.environ_base.update(STRANGER)
    for _ in range(page_app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        assert intruder.log_in("clerk", "guess").status_code == 401
    intruder.get("/login")
    limited = intruder.post("/login", {"username": "clerk", "password": "demo"})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    text = page_text(limited)
    assert "登录失败次数过多，请 1 分钟后再试" in text
    assert 'value="clerk"' in text  # the form comes back, ready to try again later

    clerk = Browser(page_app)
    assert clerk.log_in("clerk").status_code == 302


def test_admins_see_from_where_and_until_when_an_account_is_blocked(page_app: Flask) -> None:
    intruder = Browser(page_app)
    intruder.http.environ_base.update(STRANGER)
    for _ in range(page_app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        intruder.log_in("approver", "guess")
    refused = intruder.log_in("approver")
    assert refused.status_code == 429
    assert "09:01" not in page_text(refused)  # the time is for admins only

    admin = Browser(page_app)
    admin.log_in("admin")
    listed = page_text(admin.get("/admin/users?q=approver"))
    assert "已锁定" in listed and "至 2026-11-23 09:01" in listed
    page = page_text(admin.get("/admin/users/approver"))
    assert "锁定至" in page and "2026-11-23 09:01" in page and "来自 203.0.113.66" in page
    assert "解除锁定" in page
    assert "连续登录失败，账户锁定（来自 203.0.113.66，连续失败 5 次），锁定至 2026-11-23 09:01" in page
    assert "登录失败：该地址已被锁定，锁定至 2026-11-23 09:01" in page

    service_clock(page_app, LOCKED_AT + timedelta(minutes=1))
    admin = Browser(page_app)
    admin.log_in("admin")
    page = page_text(admin.get("/admin/users/approver"))
    assert 'badge yellow">已锁定' not in page and 'badge ok">在用' in page
    assert "<dt>锁定至</dt>" not in page
    assert 'action="/admin/users/approver/unlock"' not in page
    assert intruder.log_in("approver").status_code == 302


def test_a_block_does_not_throw_an_open_session_out(page_app: Flask) -> None:
    clerk = Browser(page_app)
    clerk.log_in("clerk")
    assert clerk.get("/window").status_code == 200

    intruder = Browser(page_app)
    intruder.http.environ_base.update(clerk.http.environ_base)  # even from the clerk's own address
    for _ in range(page_app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        assert intruder.log_in("clerk", "guess").status_code == 401
    assert intruder.log_in("clerk").status_code == 429  # blocked: the password no longer opens a session

    # The clerk at the window, logged in before, works on.
    assert "我的窗口" in page_text(clerk.get("/window"))

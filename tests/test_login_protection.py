"""Login protection: a lockout lapses by itself after LOGIN_LOCKOUT_MINUTES (an admin may lift it
sooner), and failed logins from one client address are throttled with 429 on the API and the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.page_client import Browser, page_text
from tests.support import ApiClient, audit

PROBLEM = "application/problem+json"
LOCKED_AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
OTHER_CLIENT = {"REMOTE_ADDR": "198.51.100.7"}


class Clock:
    def __init__(self, app: Flask) -> None:
        self.at = LOCKED_AT
        app.config["CLOCK"] = lambda: self.at

    def after(self, **delta: float) -> None:
        self.at = LOCKED_AT + timedelta(**delta)


@pytest.fixture
def clock(app: Flask) -> Iterator[Clock]:
    yield Clock(app)
    app.config["CLOCK"] = None


def login(client: ApiClient, username: str, password: str = "demo", **kwargs: Any) -> Any:
    return client.http.post("/api/v1/auth/token", json={"username": username, "password": password}, **kwargs)


def lock_out(client: ApiClient, app: Flask, username: str = "clerk") -> None:
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        assert login(client, username, "guess").status_code == 401


def admin_client(app: Flask) -> ApiClient:
    """An admin at another computer, logging in afresh (on the moved clock, outside the throttled address)."""
    http = app.test_client()
    http.environ_base.update(OTHER_CLIENT)
    return ApiClient(http)


def admin_view(app: Flask, username: str) -> dict[str, Any]:
    response = admin_client(app).get(f"/api/v1/admin/users/{username}", "admin")
    assert response.status_code == 200, response.json
    return response.json


def test_the_lockout_lapses_after_the_lockout_minutes_not_before(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    lock_out(client, app)
    assert app.config["LOGIN_LOCKOUT_MINUTES"] == 15
    until = LOCKED_AT + timedelta(minutes=15)
    view = admin_view(app, "clerk")
    assert datetime.fromisoformat(view["locked_at"]) == LOCKED_AT
    assert datetime.fromisoformat(view["locked_until"]) == until
    [locked] = audit(app, "user.locked")
    assert datetime.fromisoformat(locked["locked_until"]) == until

    clock.after(minutes=14, seconds=59)
    refused = login(client, "clerk")
    assert refused.status_code == 401
    # Still the answer to a wrong password: nothing tells a guesser the account is locked, nor until when.
    assert refused.json == login(client, "nobody", "guess").json
    assert "locked" not in refused.get_data(as_text=True)
    refusals = [e for e in audit(app, "auth.login_failed") if e["reason"] == "locked"]
    assert [datetime.fromisoformat(e["locked_until"]) for e in refusals] == [until]

    clock.after(minutes=15)
    assert login(client, "clerk").status_code == 200
    view = admin_view(app, "clerk")
    assert (view["locked_at"], view["locked_until"], view["failed_login_count"]) == (None, None, 0)


def test_after_the_lapse_the_count_goes_on_until_a_success(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    lock_out(client, app)
    clock.after(minutes=20)
    lapsed = admin_view(app, "clerk")
    assert (lapsed["locked_at"], lapsed["locked_until"], lapsed["failed_login_count"]) == (None, None, 5)

    # One more wrong password locks again at once, for a fresh period.
    assert login(client, "clerk", "guess").status_code == 401
    assert login(client, "clerk").status_code == 401
    view = admin_view(app, "clerk")
    assert datetime.fromisoformat(view["locked_until"]) == LOCKED_AT + timedelta(minutes=35)
    assert view["failed_login_count"] == 6
    assert len(audit(app, "user.locked")) == 2

    clock.after(minutes=35)
    assert login(client, "clerk").status_code == 200
    assert admin_view(app, "clerk")["failed_login_count"] == 0
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"] - 1):
        assert login(client, "clerk", "guess").status_code == 401
    assert login(client, "clerk").status_code == 200  # a fresh count: four failures lock nothing


def test_an_admin_still_unlocks_before_the_lapse(client: ApiClient, app: Flask, clock: Clock) -> None:
    lock_out(client, app)
    clock.after(minutes=3)
    response = admin_client(app).post("/api/v1/admin/users/clerk/unlock", "admin")
    assert response.status_code == 200
    assert (response.json["locked_at"], response.json["locked_until"]) == (None, None)
    assert login(client, "clerk").status_code == 200
    [unlocked] = audit(app, "user.unlocked")
    assert datetime.fromisoformat(unlocked["locked_until"]) == LOCKED_AT + timedelta(minutes=15)


def test_the_lockout_period_is_a_setting(
    client: ApiClient, app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LOCKOUT_MINUTES", 60)
    lock_out(client, app)
    clock.after(minutes=59)
    assert login(client, "clerk").status_code == 401
    clock.after(minutes=60)
    assert login(client, "clerk").status_code == 200


def test_too_many_failures_from_one_address_are_429_even_with_the_right_password(
    client: ApiClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.config["LOGIN_RATE_LIMIT"] == "20 per minute"
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    # Successful logins do not count: a centre behind one address logs in at opening time.
    for _ in range(5):
        assert login(client, "clerk").status_code == 200
    for username in ("nobody", "clerk", "approver"):
        assert login(client, username, "guess").status_code == 401

    limited = login(client, "clerk")
    assert limited.status_code == 429
    assert limited.content_type == PROBLEM
    assert limited.json["status"] == 429
    assert limited.json["title"] == "登录失败次数过多，请稍后再试"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # Throttled attempts touch no account: no count, no lock, no audit row.
    assert admin_view(app, "clerk")["failed_login_count"] == 1
    assert len(audit(app, "auth.login_failed")) == 3

    assert login(client, "clerk", environ_base=OTHER_CLIENT).status_code == 200


def test_the_api_and_the_page_share_one_count_per_address(
    client: ApiClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    browser = Browser(app)
    browser.get("/login")
    assert browser.post("/login", {"username": "clerk", "password": "guess"}).status_code == 401
    assert login(client, "clerk", "guess").status_code == 401
    assert login(client, "clerk").status_code == 429
    assert browser.post("/login", {"username": "clerk", "password": "demo"}).status_code == 429


@pytest.fixture
def page_app(live_app: Flask) -> Iterator[Flask]:
    live_app.config["CLOCK"] = lambda: LOCKED_AT
    yield live_app


def test_the_login_page_says_429_in_words_and_other_computers_log_in(
    page_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(page_app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    intruder = Browser(page_app)
    for _ in range(3):
        assert intruder.log_in("clerk", "guess").status_code == 401
    intruder.get("/login")
    limited = intruder.post("/login", {"username": "clerk", "password": "demo"})
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    text = page_text(limited)
    assert "登录失败次数过多，请 1 分钟后再试" in text
    assert 'value="clerk"' in text  # the form comes back, ready to try again later

    colleague = Browser(page_app)
    colleague.get("/login", environ_base=OTHER_CLIENT)
    response = colleague.post("/login", {"username": "clerk", "password": "demo"}, environ_base=OTHER_CLIENT)
    assert response.status_code == 302


def test_admins_see_until_when_an_account_is_locked(page_app: Flask) -> None:
    intruder = Browser(page_app)
    for _ in range(page_app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        intruder.log_in("approver", "guess")
    refused = intruder.log_in("approver")
    assert refused.status_code == 401
    assert "用户名或密码错误" in page_text(refused)
    assert "09:15" not in page_text(refused)  # the time is for admins only

    admin = Browser(page_app)
    admin.log_in("admin")
    listed = page_text(admin.get("/admin/users?q=approver"))
    assert "已锁定" in listed and "至 2026-11-23 09:15" in listed
    page = page_text(admin.get("/admin/users/approver"))
    assert "锁定至" in page and "2026-11-23 09:15" in page
    assert "解除锁定" in page
    assert "连续登录失败，账户锁定（连续失败 5 次），锁定至 2026-11-23 09:15" in page
    assert "登录失败：账户已锁定，锁定至 2026-11-23 09:15" in page

    page_app.config["CLOCK"] = lambda: LOCKED_AT + timedelta(minutes=15)
    admin = Browser(page_app)
    admin.log_in("admin")
    page = page_text(admin.get("/admin/users/approver"))
    assert 'badge yellow">已锁定' not in page and 'badge ok">在用' in page
    assert "<dt>锁定至</dt>" not in page
    assert 'action="/admin/users/approver/unlock"' not in page
    assert Browser(page_app).log_in("approver").status_code == 302


def test_a_lockout_does_not_throw_an_open_session_out(page_app: Flask) -> None:
    clerk = Browser(page_app)
    clerk.log_in("clerk")
    assert clerk.get("/window").status_code == 200

    intruder = Browser(page_app)
    intruder.http.environ_base.update(OTHER_CLIENT)
    for _ in range(page_app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        assert intruder.log_in("clerk", "guess").status_code == 401
    assert intruder.log_in("clerk").status_code == 401  # locked: the password no longer opens a session

    # The clerk at the window, logged in before, works on.
    assert clerk.get("/window").status_code == 200
    assert "我的窗口" in page_text(clerk.get("/window"))

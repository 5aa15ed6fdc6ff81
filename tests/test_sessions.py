"""Sessions and tokens an attacker cannot forge or revive: a session is a server-side credential named
by a random token in the signed cookie; logout, a password change, a reset or disabling end it at once;
the service does not start with a key others know; demo accounts exist only when asked for and every
page says so; a rate limit of N holds across gunicorn workers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select, update

from tests.support.api import ApiClient
from tests.support.live import Server
from tests.support.pages import Browser, page_text
from workflow_service import MissingSecretKey, create_app
from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db
from workflow_service.models import User
from workflow_service.services.directory.directory_import import import_directory
from workflow_service.services.directory.import_files import Row
from workflow_service.services.seed.demo_mode import _READING

ADMIN_PAGE = "/admin/users"


def session_cookie(browser: Browser) -> str:
    cookie = browser.http.get_cookie("session")
    assert cookie is not None
    return cookie.value


def signed(app: Flask, values: dict[str, Any]) -> str:
    """A session cookie signed with the service's own key: what an attacker who knew it could send."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.dumps(values)


def decoded(app: Flask, cookie: str) -> dict[str, Any]:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.loads(cookie)


def with_cookie(app: Flask, cookie: str) -> Browser:
    browser = Browser(app)
    browser.http.set_cookie("session", cookie)
    return browser


def test_a_cookie_re_signed_with_the_admins_id_opens_nothing(app: Flask) -> None:
    clerk = Browser(app)
    clerk.log_in("clerk")
    own = decoded(app, session_cookie(clerk))
    assert "clerk" not in str(own) and "password" not in str(own)  # only a random token names the session
    with app.app_context():
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        admin_id, admin_hash = admin.id, admin.password_hash
    # What the earlier fingerprint scheme accepted, and plain ids, and the clerk's token under another id.
    fingerprint = hashlib.sha256(admin_hash.encode()).hexdigest()[:16]
    for forged_id in (f"{admin_id}:{fingerprint}", str(admin_id), f"{own['_user_id']}:{admin_id}"):
        forged = with_cookie(app, signed(app, {**own, "_user_id": forged_id}))
        response = forged.get(ADMIN_PAGE)
        assert response.status_code == 302, forged_id
        assert response.headers["Location"].startswith("/login")
    assert clerk.get("/window").status_code == 200


def test_logout_ends_the_session_on_the_server(app: Flask) -> None:
    clerk = Browser(app)
    clerk.log_in("clerk")
    kept = session_cookie(clerk)
    assert clerk.post("/logout").status_code == 302
    replayed = with_cookie(app, kept)  # the cookie as it was before logout, still validly signed
    assert replayed.get("/window").status_code == 302


def test_a_password_change_ends_every_other_session_and_token_but_the_one_in_use(app: Flask) -> None:
    client = ApiClient(app.test_client())
    elsewhere = ApiClient(app.test_client())
    browser = Browser(app)
    browser.log_in("clerk")
    in_use, other = client.headers("clerk"), elsewhere.headers("clerk")
    changed = client.http.post(
        "/api/v1/me/password",
        headers=in_use,
        json={"current_password": "demo", "new_password": "Wuning2026"},
    )
    assert changed.status_code == 204
    assert client.http.get("/api/v1/tasks", headers=in_use).status_code == 200
    assert elsewhere.http.get("/api/v1/tasks", headers=other).status_code == 401
    assert browser.get("/window").status_code == 302

    # Changed on the page, the page's session goes on and the token from before ends.
    page = Browser(app)
    page.log_in("clerk", "Wuning2026")
    page.get("/password")
    response = page.post(
        "/password",
        {"current_password": "Wuning2026", "new_password": "Wuning2027", "repeat_password": "Wuning2027"},
    )
    assert response.status_code == 302
    assert page.get("/window").status_code == 200
    assert client.http.get("/api/v1/tasks", headers=in_use).status_code == 401


def test_disabling_and_resetting_end_open_sessions_at_once(app: Flask) -> None:
    clerk, approver = Browser(app), Browser(app)
    clerk.log_in("clerk")
    approver.log_in("approver")
    admin = ApiClient(app.test_client())
    assert admin.post("/api/v1/admin/users/clerk/disable", "admin").status_code == 200
    assert admin.post("/api/v1/admin/users/approver/reset-password", "admin").status_code == 200
    assert clerk.get("/window").status_code == 302
    assert approver.get("/inbox").status_code == 302


def test_the_api_logout_revokes_the_token_it_came_with(client: ApiClient) -> None:
    headers = client.headers("clerk")
    second_headers = ApiClient(client.http).headers("clerk")  # a second token of the same user
    response = client.http.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code == 204
    refused = client.http.get("/api/v1/tasks", headers=headers)
    assert refused.status_code == 401
    assert refused.content_type == "application/problem+json"
    assert client.http.get("/api/v1/tasks", headers=second_headers).status_code == 200
    assert client.http.post("/api/v1/auth/logout").status_code == 401


def test_the_service_refuses_to_start_without_a_key_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(MissingSecretKey, match="FLASK_SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for known in ("dev-only-not-secret", "short-key"):
        with pytest.raises(MissingSecretKey, match="too short or publicly known"):
            create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": known})
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 32}).secret_key == "k" * 32


def test_gunicorn_without_a_key_says_how_to_set_one(tmp_path: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if name != "FLASK_SECRET_KEY"}
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    started = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "FLASK_SECRET_KEY is not set" in started.stderr
    assert "secrets.token_hex(32)" in started.stderr


def test_imported_accounts_with_the_default_password_must_change_it_first(app: Flask) -> None:
    with app.app_context():
        row = Row(
            section="users",
            line=1,
            values={
                "username": "newclerk",
                "full_name": "新窗口人员",
                "organisation": "330783001-bmfwzx",
                "roles": ["clerk"],
            },
        )
        import_directory([row], default_password="Welcome2026", source="test.csv")
    client = ApiClient(app.test_client())
    token = client.http.post("/api/v1/auth/token", json={"username": "newclerk", "password": "Welcome2026"})
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    refused = client.http.get("/api/v1/tasks", headers=headers)
    assert refused.status_code == 403
    assert "须先修改密码" in refused.json["detail"]
    page = Browser(app)
    page.log_in("newclerk", "Welcome2026")
    assert page.get("/window").headers["Location"] == "/password"


def test_every_page_warns_while_demo_accounts_are_active(app: Flask) -> None:
    app.extensions.pop(_READING, None)
    banner = "演示环境：存在使用公开密码的演示账户"
    assert banner in page_text(Browser(app).get("/login"))
    clerk = Browser(app)
    clerk.log_in("clerk")
    assert banner in page_text(clerk.get("/window"))
    assert "演示环境" in page_text(Browser(app).get("/track"))

    with app.app_context():
        db.session.execute(update(User).where(User.demo_account.is_(True)).values(demo_account=False))
        db.session.commit()
    app.extensions.pop(_READING, None)  # the reading is kept a minute per process
    try:
        assert banner not in page_text(Browser(app).get("/login"))
    finally:
        app.extensions.pop(_READING, None)


@pytest.mark.live
def test_a_login_limit_of_n_holds_with_four_workers(live_database_url: str, tmp_path: Path) -> None:
    server = Server(live_database_url, tmp_path / "gunicorn.log", workers=4, LOGIN_RATE_LIMIT="5 per minute")
    server.start()
    try:
        answers = []
        for attempt in range(12):
            with requests.Session() as fresh:  # a new connection each time, so any worker may answer
                response = fresh.post(
                    f"{server.base}/api/v1/auth/token",
                    json={"username": f"guess-{attempt}", "password": "wrong-password-1"},
                    headers={"Connection": "close"},
                    timeout=30,
                )
            answers.append(response.status_code)
    finally:
        server.stop()
    assert answers == [401] * 5 + [429] * 7

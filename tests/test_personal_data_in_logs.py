"""Resident IDs and phone numbers never reach a log: not the access log, not gunicorn's, not the app's.

A real gunicorn with its access log on serves a clerk's searches for every demo applicant's ID and
phone (with the Referer a browser sends), a login that comes back to such a search, registrations
and refused requests carrying them; then every log line of the run is searched for them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.support.api import APPLICANT, case_body
from tests.support.live import Server
from workflow_service.config import PROJECT_ROOT
from workflow_service.error_log import log_unexpected
from workflow_service.extensions import db


def demo_ids_and_phones() -> set[str]:
    """Every resident ID, credit code and phone number of the demo cases and the tests' applicant."""
    found: set[str] = {APPLICANT["id_number"], APPLICANT["phone"]}

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and ("id_number" in key or "phone" in key):
                    found.add(value)
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(yaml.safe_load((PROJECT_ROOT / "catalog" / "demo_cases.yaml").read_text(encoding="utf-8")))
    return found


def logged_in_page_session(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    login = browser.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    response = browser.post(
        f"{base}/login", data={"csrf_token": token, "username": username, "password": "demo"}, timeout=10
    )
    assert response.status_code == 200, response.text[:500]
    return browser


def test_no_resident_id_or_phone_in_any_log(live_database_url: str, tmp_path: Path) -> None:
    secrets = demo_ids_and_phones()
    assert len(secrets) > 10
    access_log, error_log = tmp_path / "access.log", tmp_path / "gunicorn.log"
    # Over plain HTTP, as `make run` serves: requests would not send a Secure session cookie back.
    server = Server(
        live_database_url, error_log, ("--access-logfile", str(access_log)), SESSION_COOKIE_SECURE="false"
    )
    server.start()
    try:
        base = server.base
        clerk = logged_in_page_session(base, "clerk")
        previous = f"{base}/window"
        for value in sorted(secrets):
            search = clerk.get(
                f"{base}/search", params={"q": value}, headers={"Referer": previous}, timeout=10
            )
            assert search.status_code == 200
            previous = search.url
        stranger = requests.get(f"{base}/search", params={"q": APPLICANT["id_number"]}, timeout=10)
        assert "/login?next=" in stranger.url  # the login remembers the search it comes back to

        token = requests.post(
            f"{base}/api/v1/auth/token", json={"username": "clerk", "password": "demo"}, timeout=10
        ).json()["access_token"]
        api = {"Authorization": f"Bearer {token}"}
        created = requests.post(f"{base}/api/v1/cases", json=case_body(), headers=api, timeout=30)
        assert created.status_code == 201
        refused = case_body()
        refused["applicant"]["name"] = APPLICANT["id_number"] * 10  # beyond the column: 422
        refused["applicant"]["phone"] = APPLICANT["phone"] + "\x00"
        assert requests.post(f"{base}/api/v1/cases", json=refused, headers=api, timeout=10).status_code == 422
        cursor = requests.get(
            f"{base}/api/v1/tasks", params={"cursor": APPLICANT["phone"]}, headers=api, timeout=10
        )
        assert cursor.status_code < 500
        lookup = {"number": APPLICANT["id_number"], "password": APPLICANT["phone"][:6]}
        assert requests.post(f"{base}/api/v1/track", json=lookup, timeout=10).status_code == 404
    finally:
        server.stop()

    access = access_log.read_text(encoding="utf-8", errors="replace")
    assert "GET /search?q=*** HTTP/1.1" in access  # the log was on, and recorded the searches
    logs = access + error_log.read_text(encoding="utf-8", errors="replace")
    leaked = sorted(value for value in secrets if value.lower() in logs.lower())
    assert leaked == []


def test_an_unexpected_database_error_is_logged_without_the_values(
    app: Flask, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Migrating the template database ran Alembic's fileConfig, which disables loggers that existed.
    monkeypatch.setattr(app.logger, "disabled", False)
    phone = APPLICANT["phone"]
    with app.test_request_context("/api/v1/cases", method="POST"):
        try:
            # No full name: NOT NULL fails, and PostgreSQL's DETAIL quotes the row ("Failing row contains").
            db.session.execute(
                text("INSERT INTO app_user (username) VALUES (:username)"), {"username": phone}
            )
        except DBAPIError as error:
            failure = error
        db.session.rollback()
        assert "parameters hidden" in str(failure)  # hide_parameters: SQLAlchemy's own text has none
        with caplog.at_level(logging.ERROR):
            log_unexpected(failure)
    assert "unhandled database error on POST /api/v1/cases: " in caplog.text
    assert phone not in caplog.text

"""Headers that keep the browser on the service's side: CSP without inline script, no framing, no
sniffing, a referrer policy; and the session cookie's Secure flag, on unless turned off for local HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_app
from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db

TEMPLATES = PROJECT_ROOT / "workflow_service" / "templates"


def directives(response: object) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def script_sources(response: object) -> list[str]:
    found = directives(response)
    return found.get("script-src", found["default-src"])


def assert_not_framed_or_sniffed(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"same-origin", "no-referrer"}


@pytest.fixture
def client(live_app: Flask) -> ApiClient:
    return ApiClient(live_app.test_client())


def test_staff_pages_run_only_the_services_own_scripts(live_app: Flask) -> None:
    browser = Browser(live_app)
    login = browser.get("/login")
    assert script_sources(login) == ["'self'"]
    assert_not_framed_or_sniffed(login)
    browser.log_in("clerk")
    for path in ("/inbox", "/window", "/services/individual_business_registration/apply"):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert script_sources(page) == ["'self'"], path
        assert "'unsafe-eval'" not in directives(page)["default-src"], path
        assert directives(page)["object-src"] == ["'none'"] and directives(page)["base-uri"] == ["'none'"]
        assert_not_framed_or_sniffed(page)
        # Nothing inline for the policy to refuse: every script is a file (JSON data blocks run nothing).
        for tag in re.findall(r"<script\b[^>]*>", page_text(page)):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
    # An error page too.
    missing = browser.get("/cases/330783-NO-SUCH-CASE")
    assert missing.status_code == 404 and script_sources(missing) == ["'self'"]
    assert_not_framed_or_sniffed(missing)


def test_no_template_has_inline_script_or_event_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "hx-on" not in text and "js:" not in text, template.name
        # An htmx trigger filter ("every 60s [expression]") is JavaScript htmx would eval.
        assert not re.search(r'hx-trigger="[^"]*\[', text), template.name


def test_api_answers_are_never_framed_sniffed_or_run(client: ApiClient) -> None:
    listed = client.get("/api/v1/tasks", "clerk")
    assert listed.status_code == 200
    assert directives(listed)["default-src"] == ["'none'"]
    assert_not_framed_or_sniffed(listed)
    refused = client.http.get("/api/v1/tasks")  # no token: a problem+json 401
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"
    assert directives(refused)["default-src"] == ["'none'"]
    assert_not_framed_or_sniffed(refused)
    spec = client.http.get("/api/openapi.json")
    assert directives(spec)["default-src"] == ["'none'"]


def test_the_api_docs_start_swagger_ui_from_a_file(client: ApiClient) -> None:
    docs = client.http.get("/api/docs")
    assert docs.status_code == 200
    assert script_sources(docs) == ["'self'"]
    assert_not_framed_or_sniffed(docs)
    html = docs.get_data(as_text=True)
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/vendor/swagger-ui-dist/swagger-ui-standalone-preset.js">',
        '<script src="/static/vendor/swagger-ui-dist/swagger-ui-bundle.js">',
        '<script src="/static/web/api-docs.js">',
    ]
    assert 'data-spec-url="/api/openapi.json"' in html
    script = client.http.get("/static/web/api-docs.js")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.data
    script.close()


def test_the_public_status_page_runs_no_script(client: ApiClient) -> None:
    number = client.start_case()
    page = client.http.get(f"/track/{number}")
    assert page.status_code == 200
    assert script_sources(page) == ["'none'"]
    assert "'unsafe-inline'" not in script_sources(page)
    assert_not_framed_or_sniffed(page)


def session_cookie(response: object) -> str:
    cookies = response.headers.getlist("Set-Cookie")  # type: ignore[attr-defined]
    (cookie,) = [value for value in cookies if value.startswith("session=")]
    return cookie


def test_the_session_cookie_is_secure_by_default(live_app: Flask) -> None:
    login = Browser(live_app).log_in("clerk")
    assert login.status_code == 302
    attributes = [part.strip().lower() for part in session_cookie(login).split(";")]
    assert "secure" in attributes and "httponly" in attributes and "samesite=lax" in attributes


def test_local_http_turns_the_secure_flag_off_explicitly(
    live_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SECURE", "false")
    app = make_app(live_database_url)
    login = Browser(app).log_in("clerk")
    assert login.status_code == 302
    assert "secure" not in [part.strip().lower() for part in session_cookie(login).split(";")]
    with app.app_context():
        db.engine.dispose()
    assert "FLASK_SESSION_COOKIE_SECURE ?= false" in (PROJECT_ROOT / "Makefile").read_text()

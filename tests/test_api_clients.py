"""API clients (portals, line systems): OAuth2 client credentials at /oauth/token, scopes, disabling,
rotating secrets, the per-client rate limit, the regions a client may submit for, and the admin's
CLI, API and page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import HENGDIAN, WUNING, ApiClient
from tests.support.clock import Clock
from tests.support.pages import Browser, page_text
from tests.support.portal import COUNTY, PortalClient, client_headers, register_client, request_token
from workflow_service.api.client_authentication import current_client, require_client_scope
from workflow_service.errors import NotAuthenticated
from workflow_service.extensions import db
from workflow_service.models import ApiClient as ApiClientRow
from workflow_service.models import ApiClientToken, Region
from workflow_service.services.portal.clients import InsufficientScope, client_may_submit_for

CATALOGUE = "/api/v1/services"


@pytest.fixture
def portal(app: Flask) -> PortalClient:
    return register_client(app)


def test_a_client_gets_a_bearer_token_with_the_scopes_it_asks_for(
    client: ApiClient, portal: PortalClient
) -> None:
    answer = request_token(client.http, portal, scope="services:read")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json["token_type"] == "Bearer"
    assert answer.json["expires_in"] == 3600
    assert answer.json["scope"] == "services:read"
    # No scope asked for: all of the client's. Credentials in the form work as HTTP Basic does.
    form = {"grant_type": "client_credentials", "client_id": portal.client_id, "client_secret": portal.secret}
    everything = client.http.post("/oauth/token", data=form)
    assert everything.status_code == 200
    assert everything.json["scope"] == "services:read applications:write"


def test_a_token_expires_after_its_lifetime_on_the_service_clock(
    app: Flask, client: ApiClient, portal: PortalClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = client_headers(client.http, portal)
    assert client.http.get(CATALOGUE, headers=headers).status_code == 200
    clock.at += timedelta(minutes=59)
    assert client.http.get(CATALOGUE, headers=headers).status_code == 200
    clock.at += timedelta(minutes=1)
    expired = client.http.get(CATALOGUE, headers=headers)
    assert expired.status_code == 401
    assert expired.mimetype == "application/problem+json"
    assert "WWW-Authenticate" in expired.headers

    monkeypatch.setitem(app.config, "CLIENT_TOKEN_TTL_SECONDS", 300)
    assert request_token(client.http, portal).json["expires_in"] == 300


def test_refusals_at_the_token_endpoint_are_rfc_6749_errors(client: ApiClient, portal: PortalClient) -> None:
    wrong = request_token(client.http, portal, secret="not-the-secret")
    assert (wrong.status_code, wrong.json["error"]) == (401, "invalid_client")
    assert wrong.headers["WWW-Authenticate"].startswith("Basic ")
    unknown = client.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "pc-nobody", "client_secret": "x"},
    )
    assert (unknown.status_code, unknown.json["error"]) == (401, "invalid_client")
    assert "WWW-Authenticate" in unknown.headers
    nothing = client.http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert (nothing.status_code, nothing.json["error"]) == (401, "invalid_client")
    for scope in ("events:write", "no:such-scope", "services:read webhooks:manage"):
        refused = request_token(client.http, portal, scope=scope)
        assert (refused.status_code, refused.json["error"]) == (400, "invalid_scope"), scope
    password = client.http.post("/oauth/token", data={"grant_type": "password"}, headers=portal.basic())
    assert (password.status_code, password.json["error"]) == (400, "unsupported_grant_type")


def test_only_hashes_of_secrets_and_tokens_are_stored(
    app: Flask, client: ApiClient, portal: PortalClient
) -> None:
    token = request_token(client.http, portal).json["access_token"]
    with app.app_context():
        row = db.session.execute(
            select(ApiClientRow).where(ApiClientRow.client_id == portal.client_id)
        ).scalar_one()
        stored = db.session.execute(
            select(ApiClientToken).where(ApiClientToken.client_id == row.id)
        ).scalar_one()
        assert portal.secret not in row.secret_hash
        assert row.secret_hash == hashlib.sha256(portal.secret.encode()).hexdigest()
        assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()


def test_a_token_without_the_scope_is_403(app: Flask, client: ApiClient) -> None:
    writer = register_client(app, "12345热线", scopes=["applications:write", "events:write"])
    refused = client.http.get(CATALOGUE, headers=client_headers(client.http, writer))
    assert refused.status_code == 403
    assert refused.json["type"].endswith("insufficient-scope")
    portal = register_client(app)
    narrowed = client_headers(client.http, portal, scope="applications:write")
    assert client.http.get(CATALOGUE, headers=narrowed).status_code == 403


def test_staff_and_client_tokens_are_not_taken_for_each_other(
    app: Flask, client: ApiClient, portal: PortalClient
) -> None:
    portal_token = client_headers(client.http, portal)
    assert client.http.get("/api/v1/tasks", headers=portal_token).status_code == 401
    assert client.http.get("/api/v1/me", headers=portal_token).status_code == 401
    staff = client.headers("admin")

    writes = require_client_scope("applications:write")
    with app.test_request_context(headers=staff), pytest.raises(NotAuthenticated):
        writes()
    with (
        app.test_request_context(headers={"Authorization": "Bearer not-a-token"}),
        pytest.raises(NotAuthenticated),
    ):
        writes()
    reader = client_headers(client.http, portal, "services:read")
    with app.test_request_context(headers=reader), pytest.raises(InsufficientScope):
        writes()
    with app.test_request_context(headers=portal_token):
        writes()
        assert current_client().name == "浙里办"

    @require_client_scope("applications:write")
    def submit() -> str:
        return current_client().client_id

    with app.test_request_context(headers=portal_token):
        assert submit() == portal.client_id
    with app.test_request_context(headers=staff), pytest.raises(NotAuthenticated):
        submit()


def test_a_disabled_client_is_refused_at_once_and_enabled_again(
    client: ApiClient, portal: PortalClient
) -> None:
    headers = client_headers(client.http, portal)
    assert client.http.get(CATALOGUE, headers=headers).status_code == 200
    disabled = client.post(f"/api/v1/admin/clients/{portal.client_id}/disable", "admin", json={})
    assert disabled.status_code == 200
    assert disabled.json["active"] is False
    assert client.http.get(CATALOGUE, headers=headers).status_code == 401
    assert request_token(client.http, portal).status_code == 401

    assert client.post(f"/api/v1/admin/clients/{portal.client_id}/enable", "admin", json={}).json["active"]
    assert client.http.get(CATALOGUE, headers=headers).status_code == 401  # its old tokens ended
    assert client.http.get(CATALOGUE, headers=client_headers(client.http, portal)).status_code == 200


def test_a_rotated_secret_refuses_the_old_one_and_its_tokens(client: ApiClient, portal: PortalClient) -> None:
    headers = client_headers(client.http, portal)
    rotated = client.post(f"/api/v1/admin/clients/{portal.client_id}/rotate-secret", "admin", json={})
    assert rotated.status_code == 200
    new_secret = rotated.json["client_secret"]
    assert new_secret != portal.secret
    assert rotated.json["client"]["secret_rotated_at"]
    assert request_token(client.http, portal).status_code == 401
    assert client.http.get(CATALOGUE, headers=headers).status_code == 401
    assert request_token(client.http, portal, secret=new_secret).status_code == 200


def test_each_client_is_limited_per_minute(
    app: Flask, client: ApiClient, portal: PortalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CLIENT_RATE_LIMIT_PER_MINUTE", 3)
    headers = client_headers(client.http, portal)
    assert [client.http.get(CATALOGUE, headers=headers).status_code for _ in range(3)] == [200] * 3
    limited = client.http.get(CATALOGUE, headers=headers)
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = register_client(app, "12345热线", scopes=["services:read"])
    assert client.http.get(CATALOGUE, headers=client_headers(client.http, other)).status_code == 200
    # Staff are not counted against a client's limit.
    assert client.get(CATALOGUE, "clerk").status_code == 200


def test_a_client_may_submit_for_its_regions_a_county_covering_its_townships(app: Flask) -> None:
    register_client(app, "县级门户", regions=[COUNTY])
    register_client(app, "吴宁街道", regions=[WUNING])
    with app.app_context():
        by_name = {c.name: c for c in db.session.execute(select(ApiClientRow)).scalars()}
        region = {r.code: r for r in db.session.execute(select(Region)).scalars()}
        assert client_may_submit_for(by_name["县级门户"], region[WUNING])
        assert client_may_submit_for(by_name["县级门户"], region[HENGDIAN])
        assert client_may_submit_for(by_name["县级门户"], region[COUNTY])
        assert client_may_submit_for(by_name["吴宁街道"], region[WUNING])
        assert not client_may_submit_for(by_name["吴宁街道"], region[HENGDIAN])
        assert not client_may_submit_for(by_name["吴宁街道"], region[COUNTY])
        elsewhere = [r for r in region.values() if r.parent is not None and r.parent.code not in (COUNTY,)]
        elsewhere = [r for r in elsewhere if r.code != COUNTY and not r.code.startswith(COUNTY)]
        assert all(not client_may_submit_for(by_name["县级门户"], r) for r in elsewhere)


def test_the_cli_prints_the_secret_once(app: Flask, client: ApiClient) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["create-client", "浙里办", "--scopes", "services:read", "--regions", COUNTY]
    )
    assert created.exit_code == 0, created.output
    client_id = re.search(r"client_id: (\S+)", created.output).group(1)  # type: ignore[union-attr]
    secret = re.search(r"client_secret: (\S+)", created.output).group(1)  # type: ignore[union-attr]
    portal = PortalClient(client_id, secret)
    assert request_token(client.http, portal).status_code == 200

    listed = runner.invoke(args=["clients", "list"])
    assert client_id in listed.output and "services:read" in listed.output and secret not in listed.output
    assert "disabled" in runner.invoke(args=["clients", "disable", client_id]).output
    assert request_token(client.http, portal).status_code == 401
    assert "active" in runner.invoke(args=["clients", "enable", client_id]).output
    rotated = runner.invoke(args=["clients", "rotate-secret", client_id])
    new_secret = re.search(r"client_secret: (\S+)", rotated.output).group(1)  # type: ignore[union-attr]
    assert request_token(client.http, portal).status_code == 401
    assert request_token(client.http, portal, secret=new_secret).status_code == 200

    refused = runner.invoke(args=["create-client", "坏的", "--scopes", "everything", "--regions", "999999"])
    assert refused.exit_code == 1
    assert "scopes" in refused.output and "regions" in refused.output
    assert runner.invoke(args=["create-client", "浙里办", "--scopes", "services:read"]).exit_code == 1


def test_the_admin_api_registers_lists_and_refuses(client: ApiClient) -> None:
    body = {"name": "浙里办", "scopes": ["services:read", "applications:read"], "regions": [COUNTY]}
    created = client.post("/api/v1/admin/clients", "admin", json=body)
    assert created.status_code == 201
    client_id = created.json["client"]["client_id"]
    assert created.json["client"]["scopes"] == ["services:read", "applications:read"]
    assert created.json["client_secret"]
    listed = client.get("/api/v1/admin/clients", "admin").json
    assert [c["client_id"] for c in listed] == [client_id]
    assert "client_secret" not in listed[0] and "secret_hash" not in listed[0]
    assert client.get(f"/api/v1/admin/clients/{client_id}", "admin").json["regions"] == [COUNTY]

    assert client.post("/api/v1/admin/clients", "admin", json=body).status_code == 409
    bad = client.post("/api/v1/admin/clients", "admin", json={**body, "name": "x", "scopes": ["all"]})
    assert bad.status_code == 422 and "scopes.0" in bad.json["errors"]
    nowhere = client.post("/api/v1/admin/clients", "admin", json={**body, "name": "y", "regions": ["999999"]})
    assert nowhere.status_code == 422 and "regions" in nowhere.json["errors"]
    assert client.get("/api/v1/admin/clients", "clerk").status_code == 403
    assert client.get("/api/v1/admin/clients/pc-nobody", "admin").status_code == 404


def test_the_admin_page_registers_shows_the_secret_once_and_disables(app: Flask, client: ApiClient) -> None:
    admin = Browser(app)
    admin.log_in("admin")
    assert "还没有接入系统" in page_text(admin.get("/admin/clients"))
    created = admin.post(
        "/admin/clients", {"name": "浙里办", "scopes": ["services:read"], "regions": f"{COUNTY}，{WUNING}"}
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    text = page_text(created)
    secret = re.search(r'class="mono temp-password">([^<]+)<', text).group(1)  # type: ignore[union-attr]
    client_id = re.search(r"client_id <strong class=\"mono\">([^<]+)<", text).group(1)  # type: ignore[union-attr]
    portal = PortalClient(client_id, secret)
    assert request_token(client.http, portal).status_code == 200
    assert secret not in page_text(admin.get("/admin/clients"))

    assert admin.post(f"/admin/clients/{client_id}/disable").status_code == 302
    assert "已停用" in page_text(admin.get("/admin/clients"))
    assert request_token(client.http, portal).status_code == 401
    assert admin.post(f"/admin/clients/{client_id}/enable").status_code == 302
    rotated = admin.post(f"/admin/clients/{client_id}/rotate-secret")
    new_secret = re.search(r'class="mono temp-password">([^<]+)<', page_text(rotated)).group(1)  # type: ignore[union-attr]
    assert request_token(client.http, portal, secret=new_secret).status_code == 200

    refused = admin.post("/admin/clients", {"name": "", "regions": "999999"})
    assert refused.status_code == 422
    assert 'data-testid="error-summary"' in page_text(refused)
    clerk = Browser(app)
    clerk.log_in("clerk")
    assert clerk.get("/admin/clients").status_code == 403

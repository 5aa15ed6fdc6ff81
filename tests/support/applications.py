"""Online applications for the tests: a portal client with both application scopes, and its body."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from flask import Flask

from tests.support.api import APPLICANT, APPLICATION, SERVICE, WUNING, ApiClient
from tests.support.portal import PortalClient, client_headers, register_client

PATH = "/api/v1/applications"
SCOPES = ("applications:write", "applications:read")


def application_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_code": SERVICE,
        "matter_township": WUNING,
        "applicant": copy.deepcopy(APPLICANT),
        "contact": "13800138000",
        "channel": "app",
        "data": copy.deepcopy(APPLICATION),
    }
    body.update(overrides)
    return body


def portal_client(app: Flask, name: str = "浙里办", regions: tuple[str, ...] = ("330783",)) -> PortalClient:
    return register_client(app, name=name, scopes=SCOPES, regions=regions)


def submit(
    client: ApiClient, headers: dict[str, str], body: dict[str, Any] | None = None, key: str | None = None
) -> Any:
    """``POST /api/v1/applications`` with an idempotency key (a fresh one unless given): the answer."""
    key_header = {"Idempotency-Key": key or uuid.uuid4().hex}
    return client.http.post(PATH, json=body or application_body(), headers={**headers, **key_header})


def submitted(client: ApiClient, headers: dict[str, str], **overrides: Any) -> str:
    response = submit(client, headers, application_body(**overrides))
    assert response.status_code == 201, response.json
    return response.json["number"]


def headers_for(client: ApiClient, portal: PortalClient) -> dict[str, str]:
    return client_headers(client.http, portal)

"""Registered API clients for the tests: register one, and get a token with its client credentials."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask

from workflow_service.services.portal import clients

COUNTY = "330783"  # 东阳市


@dataclass(frozen=True)
class PortalClient:
    client_id: str
    secret: str

    def basic(self, secret: str | None = None) -> dict[str, str]:
        pair = f"{self.client_id}:{secret or self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def register_client(
    app: Flask,
    name: str = "浙里办",
    scopes: Sequence[str] = ("services:read", "applications:write"),
    regions: Sequence[str] = (COUNTY,),
) -> PortalClient:
    """A client registered by the operator (as ``flask create-client`` does)."""
    with app.app_context():
        issued = clients.create_client(None, name, list(scopes), list(regions))
        return PortalClient(issued.client.client_id, issued.secret)


def request_token(
    http: Any, client: PortalClient, scope: str | None = None, secret: str | None = None
) -> Any:
    """``POST /oauth/token`` with HTTP Basic client authentication: the answer."""
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return http.post("/oauth/token", data=form, headers=client.basic(secret))


def client_headers(http: Any, client: PortalClient, scope: str | None = None) -> dict[str, str]:
    response = request_token(http, client, scope)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}

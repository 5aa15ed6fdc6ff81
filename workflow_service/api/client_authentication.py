"""Client-token authentication for the portal API: ``require_client_scope`` and ``current_client``.

A client token (from ``POST /oauth/token``) is only ever looked up among the clients' tokens and a
staff token only among the staff's, told apart by the client tokens' prefix: a staff token where a
client token is required, or a client token at a staff endpoint, names no credential there and is
401 like any unknown token. A client token without the scope is 403 (DESIGN §6: known, but may not).
Every request a client token authenticates counts against the client's rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from workflow_service.api.authentication import require_bearer_token
from workflow_service.errors import NotAuthenticated
from workflow_service.models import ApiClient, ApiClientToken
from workflow_service.services.portal import client_limits, clients

CLIENT_TOKEN_REQUIRED = "须使用接入系统的访问令牌（POST /oauth/token 获取）"  # noqa: S105 (a message, no secret)


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def carries_client_token() -> bool:
    token = _bearer()
    return token is not None and clients.is_client_token(token)


def _authenticate_client(scope: str) -> None:
    token = _bearer()
    if token is None or not clients.is_client_token(token):
        raise NotAuthenticated(CLIENT_TOKEN_REQUIRED)
    credential = clients.client_for_token(token)
    client_limits.count_request(credential.client)
    clients.require_scope(credential, scope)
    g.client_credential = credential


class require_client_scope:
    """A client token granted ``scope``: ``blp.before_request(require_client_scope("x"))``, or
    ``@require_client_scope("x")`` on a view."""

    def __init__(self, scope: str) -> None:
        if scope not in clients.SCOPES:
            raise ValueError(f"unknown scope {scope}")
        self.scope = scope

    def __call__(self, view: Callable[..., Any] | None = None) -> Any:
        if view is None:  # as a before_request hook
            _authenticate_client(self.scope)
            return None

        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            _authenticate_client(self.scope)
            return view(*args, **kwargs)

        return guarded


def require_staff_or_client_scope(scope: str) -> None:
    """For what staff and clients both read: a client token granted ``scope``, or a staff token."""
    if carries_client_token():
        _authenticate_client(scope)
    else:
        require_bearer_token()


def current_credential() -> ApiClientToken:
    """The client token of this request, with the scopes it was granted (after ``require_client_scope``)."""
    credential: ApiClientToken | None = g.get("client_credential")
    if credential is None:
        raise RuntimeError("current_credential() outside a view guarded by require_client_scope")
    return credential


def current_client() -> ApiClient:
    """The client whose token this request carries (after ``require_client_scope``)."""
    return current_credential().client


# The OpenAPI document's scheme for client tokens, beside the staff's ``bearerAuth``.
SECURITY_SCHEME = {
    "type": "oauth2",
    "description": (
        "接入系统（门户、条线系统）令牌 / token of a registered portal or line system: OAuth2 client "
        "credentials (RFC 6749 §4.4). POST /oauth/token, form-encoded `grant_type=client_credentials` "
        "(optionally `scope`), the client authenticated by HTTP Basic or `client_id`/`client_secret` in "
        "the form; errors there are RFC 6749 §5.2 JSON (`invalid_client` 401, `invalid_scope`, "
        "`unsupported_grant_type`). Send the token as `Authorization: Bearer …`."
    ),
    "flows": {
        "clientCredentials": {
            "tokenUrl": "/oauth/token",
            "scopes": {
                "services:read": "读取事项目录 / read the service catalogue",
                "applications:write": "提交网上申请与材料 / submit online applications and materials",
                "applications:read": "查询本系统提交的申请 / read the applications this client submitted",
                "applications:read-all": "经管理员授权，另可查询所辖区划内其他接入系统提交的申请（只读）/ "
                "granted by an admin: also read other clients' online applications in this client's regions",
                "events:write": "上报基层治理事件 / report grassroots governance events",
                "webhooks:manage": "管理回调订阅 / manage webhook subscriptions",
            },
        }
    },
}

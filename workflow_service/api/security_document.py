"""Every operation of the OpenAPI document states its own security, as the server checks it.

``StatedSecurity`` is an apispec plugin that runs before ``problems.ProblemResponses``: an operation
that names no security of its own (``@blp.doc(security=…)``) is one for staff with a bearer token from
``POST /api/v1/auth/token``, and says so itself rather than through the document's default, so a reader
(or a generator) of one operation never needs the rest of the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apispec import BasePlugin

STAFF: list[dict[str, list[str]]] = [{"bearerAuth": []}]
BEARER_SCHEMES = ("bearerAuth", "clientCredentials")
STAFF_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "工作人员令牌：POST /api/v1/auth/token（用户名、密码）取得，"
    "以 Authorization: Bearer 发送 / "
    "staff token: POST /api/v1/auth/token with username and password, sent as `Authorization: Bearer …`",
}
# The token endpoint's client authentication (RFC 6749 §2.3.1): HTTP Basic, or the form's fields.
CLIENT_SECRET_BASIC = {
    "type": "http",
    "scheme": "basic",
    "description": "接入系统以 client_id:client_secret 作 HTTP Basic 认证（或放在表单中）/ "
    "the client's id and secret as HTTP Basic (or as `client_id`/`client_secret` in the form)",
}


def takes_bearer_token(operation: Mapping[str, Any]) -> bool:
    """Whether the operation is refused without a bearer token of either kind."""
    return any(scheme in requirement for requirement in operation["security"] for scheme in BEARER_SCHEMES)


class StatedSecurity(BasePlugin):
    """apispec plugin: each operation's ``security``, the staff bearer token unless it names its own."""

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            operation.setdefault("security", list(STAFF))

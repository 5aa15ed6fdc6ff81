"""``POST /oauth/token`` in the OpenAPI document: the form it takes, the token it answers, and its errors
as Authlib sends them (RFC 6749 §5.2 JSON, not problem+json; the request guard's and the database's
refusals are problem+json as everywhere under ``/oauth/``).

The endpoint is a plain Flask view (Authlib's), so flask-smorest does not see it; ``document`` adds it
to the spec by hand, where ``problems.ProblemResponses`` adds the statuses of its kind.
"""

from __future__ import annotations

import copy
from typing import Any

from apispec import APISpec
from flask import Flask

from workflow_service.api.problems import NOT_A_PROBLEM

PATH = "/oauth/token"
TOKEN_EXAMPLE = {
    "access_token": "pc.Vq3N2y7kXb0mJd8rT5sWc1aLh9uE4fGz6pQoR2iYtKw",
    "token_type": "Bearer",
    "expires_in": 3600,
    "scope": "services:read applications:write applications:read",
}
OAUTH_ERRORS = ("invalid_request", "invalid_client", "invalid_scope", "unsupported_grant_type")
SCHEMAS: dict[str, dict[str, Any]] = {
    "ClientTokenRequest": {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "scope": {
                "type": "string",
                "description": "以空格分隔；缺省为本系统获授的全部范围 / space-separated; all of the "
                "client's scopes when left out",
            },
            "client_id": {"type": "string", "description": "不用 HTTP Basic 时 / without HTTP Basic"},
            "client_secret": {"type": "string", "description": "不用 HTTP Basic 时 / without HTTP Basic"},
        },
    },
    "ClientToken": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {"type": "string", "description": "以 pc. 开头 / starts with `pc.`"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "秒 / seconds"},
            "scope": {"type": "string", "description": "所授范围，以空格分隔 / the scopes granted"},
        },
        "additionalProperties": False,
    },
    "OAuthError": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "enum": list(OAUTH_ERRORS)},
            "error_description": {"type": "string"},
        },
        "description": "RFC 6749 §5.2 错误 / an RFC 6749 §5.2 error",
    },
}


def _oauth_error(description: str, error: str, detail: str, headers: dict[str, Any] | None = None) -> dict:
    response: dict[str, Any] = {
        "description": description,
        NOT_A_PROBLEM: True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/OAuthError"},
                "example": {"error": error, "error_description": detail},
            }
        },
    }
    if headers:
        response["headers"] = headers
    return response


OPERATION: dict[str, Any] = {
    "tags": ["oauth"],
    "operationId": "oauth_token",
    "summary": "接入系统取访问令牌 / Get a client's access token",
    "description": (
        "OAuth2 客户端凭证模式（RFC 6749 §4.4）：接入系统以 client_id、client_secret（HTTP Basic 或"
        "表单）换取短期访问令牌，随后以 Authorization: Bearer 调用门户接口。所请求的范围须已获授，否则"
        " invalid_scope；"
        "错误为 RFC 6749 的 JSON，不是 problem+json。\n\n"
        "OAuth2 client credentials (RFC 6749 §4.4): a registered portal or line system exchanges its "
        "`client_id` and `client_secret` (HTTP Basic, or in the form) for a short-lived bearer token and "
        "sends it as `Authorization: Bearer …` to the portal API. A scope the client was not granted is "
        "`invalid_scope`; errors are RFC 6749 JSON, not problem+json."
    ),
    "security": [{"clientSecretBasic": []}, {}],
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"$ref": "#/components/schemas/ClientTokenRequest"},
                "example": {"grant_type": "client_credentials", "scope": "services:read applications:write"},
            }
        },
    },
    "responses": {
        "200": {
            "description": "访问令牌 / the access token",
            "headers": {
                "Cache-Control": {"description": "`no-store`", "schema": {"type": "string"}},
            },
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ClientToken"},
                    "example": TOKEN_EXAMPLE,
                }
            },
        },
        "400": _oauth_error(
            "请求有误、范围未获授或授权类型不支持 / a malformed request, a scope not granted, or a grant "
            "type other than client_credentials",
            "invalid_scope",
            "not granted to this client: webhooks:manage",
        ),
        "401": _oauth_error(
            "客户端未知、已停用或密钥错误 / an unknown or disabled client, or a wrong secret",
            "invalid_client",
            "The client cannot authenticate with methods: ['client_secret_basic', 'client_secret_post']",
            {"WWW-Authenticate": {"description": "`Basic …`", "schema": {"type": "string"}}},
        ),
    },
}


def document(spec: APISpec, app: Flask) -> None:
    """Add the token endpoint (registered on ``app`` already), its schemas and its tag to ``spec``."""
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    spec.tag({"name": "oauth", "description": "接入系统认证（OAuth2）/ client authentication (OAuth2)"})
    rule = next(rule for rule in app.url_map.iter_rules() if rule.rule == PATH)
    spec.path(rule=rule, operations={"post": copy.deepcopy(OPERATION)})

"""``POST /oauth/token``: OAuth2 client credentials (RFC 6749 §4.4) for portals and line systems, by Authlib.

The client authenticates by HTTP Basic or by ``client_id``/``client_secret`` in the form; it gets a
bearer token for ``CLIENT_TOKEN_TTL_SECONDS`` with the scopes it asked for (all of its own when it
asks for none). Errors are RFC 6749 §5.2 JSON, not problem+json, as OAuth2 client libraries read
them: ``invalid_client`` (always 401 with ``WWW-Authenticate``), ``invalid_scope`` (a scope the client
was not granted), ``unsupported_grant_type``, ``invalid_request``. Authlib's view is no flask-smorest
one: ``oauth_document`` puts the endpoint in the OpenAPI document by hand (with those errors as they are),
and the document names it as the ``tokenUrl`` of its ``clientCredentials`` security scheme.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from flask import Blueprint, Flask, current_app
from werkzeug.wrappers import Response

from workflow_service.models import ApiClient
from workflow_service.services.portal import clients

blp = Blueprint("oauth", __name__, url_prefix="/oauth")
_EXTENSION = "oauth_server"
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class _Client(ClientMixin):
    """Authlib's view of a registered client (the model stays free of Authlib)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        requested = scope_to_list(scope) if scope else None
        return " ".join(s for s in self.client.scopes if requested is None or s in requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return clients.secret_matches(self.client, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE


class _ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # RFC 6749 §5.2: a scope beyond the client's grant is refused, not silently narrowed.
        refused = clients.unknown_scopes(
            self.request.client.client, scope_to_list(self.request.payload.scope) or []
        )
        if refused:
            raise InvalidScopeError(description=f"not granted to this client: {' '.join(refused)}")


class _Server(AuthorizationServer):
    def authenticate_client(self, request: Any, methods: list[str], endpoint: str = "token") -> _Client:
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            # Authlib answers 400 to a form-authenticated unknown client; every refusal is alike here.
            error.status_code = 401
            raise


def _query_client(client_id: str) -> _Client | None:
    client = clients.active_client(client_id)
    return _Client(client) if client is not None else None


def _save_token(token: dict[str, Any], request: Any) -> None:
    clients.issue_token(
        request.client.client,
        token["access_token"],
        scope_to_list(token.get("scope")) or [],
        token["expires_in"],
    )


def _lifetime(_client: _Client, _grant_type: str) -> int:
    return int(current_app.config["CLIENT_TOKEN_TTL_SECONDS"])


def init_app(app: Flask) -> None:
    server = _Server()
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda **_: clients.new_access_token(), expires_generator=_lifetime
        ),
    )
    server.scopes_supported = list(clients.SCOPES)
    server.register_grant(_ClientCredentials)
    app.extensions[_EXTENSION] = server
    app.register_blueprint(blp)


@blp.post("/token")
def token() -> Response:
    """Exchange client credentials for a short-lived bearer token (form-encoded, RFC 6749 §4.4)."""
    server: _Server = current_app.extensions[_EXTENSION]
    return server.create_token_response()

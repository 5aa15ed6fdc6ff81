"""The errors in the OpenAPI document: every error response of every operation is problem+json.

``ProblemResponses`` is an apispec plugin that runs over each operation after flask-smorest's own
helpers. It declares the statuses any operation of its kind can be answered with — the request
guard's (400, 413, 422), the bearer token's (401, 403), a path naming nothing (404), an unreachable
database (503), a surprise (500) — keeps those a view declares itself with ``@blp.alt_response``
(409, 429 …, with the view's own description), and points each at the ``Problem`` schema under
``application/problem+json``. flask-smorest's default ``{code, status, message}`` error is switched
off in ``extensions``: the server never sends it. ``tests/test_openapi_errors.py`` provokes every
documented error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apispec import APISpec, BasePlugin

from workflow_service.api.security_document import takes_bearer_token
from workflow_service.problem_document import PROBLEM_MEDIA_TYPE, ProblemSchema

# An operation the caller may use while an admin's password reset is pending (``/api/v1/me``, logging
# out): set with ``@blp.doc(**{ALLOWED_BEFORE_PASSWORD_CHANGE: True})``; every other one with a
# bearer token answers 403 until the password is changed.
ALLOWED_BEFORE_PASSWORD_CHANGE = "x-allowed-before-password-change"  # noqa: S105 (a name, no secret)


# A declared error response sent as something else than problem+json (the token endpoint's RFC 6749
# errors): kept as the operation declares it.
NOT_A_PROBLEM = "x-not-problem-json"
RETRY_AFTER = {"description": "seconds until a retry may succeed", "schema": {"type": "integer"}}
# What each status means wherever it is documented; a view's alt_response may say more.
MEANINGS: Mapping[int, str] = {
    400: "The JSON body cannot be read, or is nested deeper than allowed",
    401: "No bearer token, or one that is invalid, expired or revoked",
    403: "In scope, but the caller's role may not do this, the task is claimed by someone else, "
    "or the caller must change their password first",
    404: "Does not exist, or lies outside the caller's scope (the two are indistinguishable)",
    409: "The state of the case, task or record does not allow this now",
    413: "The body is larger than allowed",
    422: "Invalid input: field errors in `errors` (NUL bytes or lone surrogates anywhere in the request too)",
    429: "Too many attempts: `Retry-After` says when to try again",
    500: "An unexpected error: it is logged, and the answer says nothing more",
    503: "The database cannot be reached: `Retry-After` says when to try again",
}
HEADERS: Mapping[int, Mapping[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {"Retry-After": RETRY_AFTER},
    503: {"Retry-After": RETRY_AFTER},
}
# Statuses every operation can be answered with: the request guard checks every query string
# (422), and any request can meet an unreachable database or an unexpected error.
EVERY_OPERATION = (422, 500, 503)


def documented_problem(status: int, description: str | None = None) -> dict[str, Any]:
    """The response object of one error status: problem+json with the Problem schema."""
    response: dict[str, Any] = {
        "description": description or MEANINGS.get(status, "Error"),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": "Problem"}},
    }
    if status in HEADERS:
        response["headers"] = dict(HEADERS[status])
    return response


def statuses_of_kind(operation: Mapping[str, Any], path_parameters: bool) -> set[int]:
    """The error statuses an operation can send by what the document already says about it."""
    statuses = set(EVERY_OPERATION)
    if takes_bearer_token(operation):  # security_document.StatedSecurity ran first
        statuses.add(401)
        if not operation.get(ALLOWED_BEFORE_PASSWORD_CHANGE):
            statuses.add(403)
    if path_parameters:
        statuses.add(404)
    body = operation.get("requestBody")
    if body:
        statuses.add(413)
        if "application/json" in body.get("content", {}):
            statuses.add(400)
    return statuses


def _is_error(status: str | int) -> bool:
    return str(status).isdigit() and int(status) >= 400


class ProblemResponses(BasePlugin):
    """apispec plugin: the error responses of every operation, as the server sends them."""

    def init_spec(self, spec: APISpec) -> None:
        spec.components.schema("Problem", schema=ProblemSchema)
        for status in MEANINGS:
            spec.components.response(f"Problem{status}", documented_problem(status), lazy=True)

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        path_parameters = "{" in (path or "")
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            declared = {int(status): response for status, response in responses.items() if _is_error(status)}
            for status in declared:
                responses.pop(status, None)
                responses.pop(str(status), None)
            for status in sorted(set(declared) | statuses_of_kind(operation, path_parameters)):
                view_says = declared.get(status)
                if isinstance(view_says, Mapping) and view_says.get(NOT_A_PROBLEM):
                    responses[status] = view_says
                elif isinstance(view_says, Mapping) and view_says.get("description"):
                    responses[status] = documented_problem(status, view_says["description"])
                else:
                    responses[status] = f"Problem{status}"

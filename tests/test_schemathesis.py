"""A bounded schemathesis run: requests generated from /api/openapi.json never get a 5xx, and every
answer they get, success or refusal, is one the document declares for the operation, with its
status, media type, headers and schema (a refusal's the Problem schema).

Every operation of the API document is called with generated requests (valid and not) through the
WSGI app on the test database, and again over HTTP against a live gunicorn with the document it
serves, as a demo window clerk or administrator with a bearer token, or as a registered portal
with a client token (services:read, applications:read and :write; live, webhooks:manage too). Path
parameters are now and then replaced by things that exist (a case, its open task, a service item,
an organisation, a colleague), so the calls get past 404 to the checks behind it. Hypothesis is
driven directly, one operation at a time, with a fixed number of examples: the run stays short.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api import SERVICE, WUNING, ApiClient
from tests.support.live import Server
from tests.support.portal import PortalClient, client_headers, register_client
from tests.test_portal_client_doc import created_client

EXAMPLES_PER_OPERATION = 30
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
USERS = ("clerk", "admin")
# Refused by gunicorn before the app (a request line over ``limit_request_line``): not in the document.
SERVER_REFUSALS = {414}
# What every answer is checked for against the document (tests/test_openapi_errors.py provokes each refusal).
AS_DOCUMENTED = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def existing_values(client: ApiClient, portal_client_id: str) -> dict[str, list[Any]]:
    """For each path parameter, values that name something in the database."""
    number = client.start_case()
    task = client.open_task(number)
    return {
        "number": [number],
        "task_id": [task["id"]],
        "code": [SERVICE, WUNING, "SP-001"],
        # Not the callers themselves: a generated disable would end the run's own tokens.
        "username": ["approver", "clerk-wuning", "supervisor"],
        "year": [2026, 2027],
        "attachment_id": [1],
        "material_id": [1],
        "delegation_id": [1],
        "client_id": [portal_client_id],
    }


def requests_for(operation: Any) -> st.SearchStrategy:
    """Requests that fit the operation's schema, and requests that break it where it can be broken."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    with contextlib.suppress(schemathesis.errors.InvalidSchema):  # nothing to break: every value is valid
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def refused_operations(
    schema: Any, tokens: list[dict[str, str]], existing: dict[str, list[Any]], **call: Any
) -> list[str]:
    """Every operation of ``schema`` called with bounded generated requests, each with one of ``tokens``
    (``call`` goes to ``Case.call``: a base URL for a live server): the first failure of each operation
    that had one."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    refused: list[str] = []

    for operation in operations:

        @BOUNDED
        @given(case=requests_for(operation), data=st.data())
        def call_operation(case: schemathesis.Case, data: st.DataObject) -> None:
            for name, values in existing.items():
                if name in (case.path_parameters or {}) and data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(values))
            response = case.call(headers=data.draw(st.sampled_from(tokens)), **call)
            where = f"{case.method} {case.formatted_path} {case.body!r}"
            assert response.status_code < 500, f"{where}: {response.text[:300]}"
            if response.status_code in SERVER_REFUSALS and "base_url" in call:
                return  # gunicorn's own answer to a generated query string too long: the app never saw it
            try:
                case.validate_response(response, checks=AS_DOCUMENTED)
            except FailureGroup as failures:
                titles = "; ".join(failure.title for failure in failures.exceptions)
                raise AssertionError(f"{where}: {response.status_code} {titles}") from None

        try:
            call_operation()
        except AssertionError as error:
            refused.append(str(error).splitlines()[0])
    return refused


@pytest.mark.schemathesis
def test_no_generated_request_gets_a_server_error(app: Flask, client: ApiClient) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    portal = register_client(app, scopes=["services:read", "applications:read", "applications:write"])
    tokens = [client.headers(user) for user in USERS] + [client_headers(client.http, portal)]
    assert refused_operations(schema, tokens, existing_values(client, portal.client_id)) == []


@pytest.mark.live
@pytest.mark.schemathesis
def test_the_live_server_answers_generated_requests_as_its_document_says(server: Server) -> None:
    """The same run against gunicorn over HTTP, reading the document the live server serves."""
    schema = schemathesis.openapi.from_url(f"{server.base}/api/openapi.json")
    staff = server.api()
    client_id, secret = created_client(server)
    portal = PortalClient(client_id, secret)
    tokens = [staff.headers(user) for user in USERS] + [client_headers(staff.http, portal)]
    refused = refused_operations(schema, tokens, existing_values(staff, client_id), base_url=server.base)
    assert refused == []

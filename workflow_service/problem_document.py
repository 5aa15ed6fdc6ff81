"""The RFC 9457 problem document: built here for the app's error handler and gunicorn's own answers,
and described here for the OpenAPI document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import INCLUDE, Schema, fields

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_document(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_slug: str | None = None,
    instance: str | None = None,
    errors: Mapping[str, Any] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The members in the order clients read them; ``errors`` holds field messages by field path."""
    body: dict[str, Any] = {
        "type": f"/problems/{type_slug}" if type_slug else "about:blank",
        "title": title,
        "status": status,
    }
    if instance:
        body["instance"] = instance
    if detail and detail != title:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)  # never over a standard member
    return body


class ProblemSchema(Schema):
    """An RFC 9457 problem document, as every error of the service is answered."""

    class Meta:
        unknown = INCLUDE  # further members some problems carry (RFC 9457 extension members)

    type = fields.String(
        required=True,
        metadata={"description": "`/problems/<kind>` for the service's own errors, else `about:blank`"},
    )
    title = fields.String(required=True, metadata={"description": "what went wrong, the same for each kind"})
    status = fields.Integer(required=True, metadata={"description": "the HTTP status code"})
    detail = fields.String(metadata={"description": "this occurrence, when it says more than the title"})
    instance = fields.String(metadata={"description": "the path of the request"})
    request_id = fields.String(
        metadata={"description": "the request's id, as in the `X-Request-Id` header and the service's logs"}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": 'field errors by field path, e.g. `{"data.premises": ["必填"]}`'},
    )
    existing_cases = fields.List(
        fields.String(), metadata={"description": "duplicate-application: the applicant's open cases"}
    )
    case_number = fields.String(metadata={"description": "process-incident: the case the step was kept on"})
    incident = fields.String(metadata={"description": "process-incident: where the process stopped"})
    open_tasks = fields.Integer(metadata={"description": "organisation-in-use: its open tasks"})
    active_users = fields.List(
        fields.Dict(), metadata={"description": "organisation-in-use: its active accounts"}
    )
    fee = fields.Dict(metadata={"description": "fee-unpaid: the fee still to be paid or waived"})

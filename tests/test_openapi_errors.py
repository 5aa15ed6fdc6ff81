"""Every error response the OpenAPI document declares is one the server sends, as the document says.

The walk takes every operation of /api/openapi.json and every 4xx and 5xx it documents, and
provokes each against the app. The statuses an operation has by its kind are provoked the same
way for all: no token (401), a pending password change (403), a path naming nothing (404), a body
nested too deep (400) or too large (413), a NUL in the query string (422), a database that cannot
be reached (503) or is not a database at all (500). The refusals a view declares itself (409, 429,
the look-up's 404 …) each have a step of their own in ``DECLARED``, as have the token endpoint's
RFC 6749 errors (400, 401), which are JSON of their own rather than problem documents. Every answer must carry the
documented status, media type and headers, with a body the documented schema accepts.
"""

from __future__ import annotations

import io
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft7Validator
from werkzeug.test import TestResponse

from tests.support.api import WUNING, ApiClient, case_body
from tests.support.applications import SCOPES as APPLICATION_SCOPES
from tests.support.applications import application_body, headers_for, submit
from tests.support.applications import portal_client as application_client
from tests.support.portal import PortalClient, client_headers, register_client
from tests.support.steps import (
    ACCEPT,
    accept,
    accepted,
    decided,
    inbox_task,
    issued,
    only_task,
    tracked_case,
)
from tests.support.versions import KEY as VERSIONED_KEY
from tests.support.versions import install_version_one, install_version_two, start
from tests.support.webhooks import deliveries, portal_client, submitted_by, subscribe
from workflow_service import create_app
from workflow_service.api.problems import NOT_A_PROBLEM
from workflow_service.extensions import db
from workflow_service.models import ApiClient as ClientRow
from workflow_service.models import IdempotencyKey, IdempotencyState
from workflow_service.services.portal import webhook_delivery

Spec = dict[str, Any]
Operation = tuple[str, str]  # (method, path template) as the document spells them
ERROR = re.compile(r"^[45]\d\d$")

# Values for path parameters that name nothing, and values that look real (for a database that fails).
MISSING = {
    "number": "330783-GTDJ-20000101-9999",
    "task_id": str(uuid.UUID(int=1)),
    "code": "no-such-code",
    "username": "nobody",
    "kind": "acceptance",
    "year": 0,  # years are ids in the URL: 0 matches no route
    "attachment_id": 999999,
    "material_id": 999999,
    "delegation_id": 999999,
    "extension_id": 999999,
    "client_id": "pc-nobody",
    "delivery_id": 999999,
    "subscription_id": 999999,
    "key": "no_such_process",
    "version": 999999,
    "migration_id": 999999,
    "notice_id": 999999,
    "draft_id": 999999,
    "name": "no_such_process/no_such_form.json",
}
PLAUSIBLE = MISSING | {
    "year": 2026,
    "attachment_id": 1,
    "material_id": 1,
    "delegation_id": 1,
    "delivery_id": 1,
    "extension_id": 1,
    "key": "individual_business_registration",
    "version": 1,
    "migration_id": 1,
    "notice_id": 1,
    "draft_id": 1,
    "name": "individual_business_registration/review.json",
}
SUSPENSION = {"kind": "inspection", "reason": "经营场所需现场核查", "expected_days": 2}
EXTENSION = {"reason": "需征求消防部门意见", "days": 5}
# Bodies the operations' schemas accept, so a refusal comes from behind the schema; others take {}.
BODIES: dict[Operation, dict[str, Any]] = {
    ("post", "/api/v1/auth/token"): {"username": "clerk", "password": "demo"},
    ("post", "/api/v1/cases/{number}/suspend"): SUSPENSION,
    ("post", "/api/v1/cases/{number}/extensions"): EXTENSION,
    ("post", "/api/v1/cases/{number}/supervision-notices"): {"reason": "已超期，请说明原因"},
    ("post", "/api/v1/supervision-notices/{notice_id}/reply"): {"reply": "已于今日办结"},
    ("post", "/api/v1/cases/{number}/extensions/{extension_id}/refuse"): {"note": "无须延期"},
    ("post", "/api/v1/cases/{number}/withdraw"): {"reason": "申请人撤回"},
    ("patch", "/api/v1/admin/clients/{client_id}"): {"scopes": ["services:read"]},
    ("post", "/api/v1/applications/{number}/withdraw"): {"reason": "申请人撤回"},
    ("post", "/api/v1/applications/{number}/rating"): {"rating": "satisfied"},
    ("post", "/api/v1/tasks/{task_id}/complete"): {"data": {}},
    ("post", "/api/v1/events"): {
        "type": "other",
        "place": {"region_code": WUNING, "address": "吴宁街道西街"},
        "description": "路灯损坏多日",
        "reporter": {"channel": "anonymous"},
    },
    ("post", "/api/v1/track"): {"number": MISSING["number"], "password": "000000"},
    ("put", "/api/v1/process-drafts/{draft_id}/bpmn"): {"bpmn_xml": "<definitions/>", "version": 1},
    ("post", "/api/v1/process-definitions/{key}/versions/{version}/dry-run"): {"township": WUNING},
    ("post", "/api/v1/process-drafts/{draft_id}/dry-run"): {"township": WUNING},
    ("put", "/api/v1/process-drafts/{draft_id}/forms/{name}"): {"schema": {"type": "object"}, "version": 1},
    ("post", "/api/v1/track/evaluation"): {
        "number": MISSING["number"],
        "password": "000000",
        "rating": "satisfied",
    },
}
TOKEN_ENDPOINT = ("post", "/oauth/token")
# Forms the form-encoded operations accept (the token endpoint's, for a client that does not exist).
FORMS: dict[Operation, dict[str, str]] = {TOKEN_ENDPOINT: {"grant_type": "client_credentials"}}
USERS = ("clerk", "approver", "supervisor", "admin")


def document(app: Flask) -> Spec:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(spec: Spec) -> Iterator[tuple[Operation, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield (method, path), operation


def documented_errors(spec: Spec) -> dict[Operation, set[int]]:
    return {
        key: {int(status) for status in operation["responses"] if ERROR.match(status)}
        for key, operation in operations(spec)
    }


def resolve(spec: Spec, item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        kind, name = item["$ref"].split("/")[-2:]
        item = spec["components"][kind][name]
    return item


def url(path: str, values: dict[str, Any], query: str = "") -> str:
    filled = re.sub(r"\{(\w+)\}", lambda match: str(values[match[1]]), path)
    return f"{filled}?{query}" if query else filled


def mismatch(spec: Spec, operation: Operation, status: int, response: TestResponse) -> str | None:
    """What differs between the answer and the documented response of ``status``; None if nothing."""
    method, path = operation
    where = f"{method.upper()} {path} {status}"
    if response.status_code != status:
        return f"{where}: answered {response.status_code} {response.get_data(as_text=True)[:200]}"
    documented = resolve(spec, spec["paths"][path][method]["responses"][str(status)])
    content = documented.get("content", {})
    if response.mimetype not in content:
        return f"{where}: {response.mimetype} is not among {sorted(content)}"
    schema = resolve(spec, content[response.mimetype]["schema"])
    body = response.get_json()
    wrong = [error.message for error in Draft7Validator(schema).iter_errors(body)]
    if wrong:
        return f"{where}: {wrong} in {body}"
    if response.mimetype == "application/problem+json" and body["status"] != status:
        return f"{where}: the body says status {body['status']}"
    missing = sorted(set(documented.get("headers", {})) - set(response.headers.keys()))
    return f"{where}: no {missing} header" if missing else None


def body_type(spec: Spec, operation: Operation) -> str | None:
    method, path = operation
    body = spec["paths"][path][method].get("requestBody")
    return next(iter(body["content"])) if body else None


def call(
    app: Flask,
    spec: Spec,
    operation: Operation,
    values: dict[str, Any],
    headers: dict[str, str] | None = None,
    query: str = "",
    **body: Any,
) -> TestResponse:
    """The operation with ``values`` in its path; a JSON body its schema accepts unless one is given."""
    method, path = operation
    if not body and body_type(spec, operation) == "application/json":
        body = {"json": BODIES.get(operation, {})}
    elif not body and body_type(spec, operation) == "application/x-www-form-urlencoded":
        body = {"data": FORMS[operation]}
    return app.test_client().open(url(path, values, query), method=method.upper(), headers=headers, **body)


# The refusals a view documents itself, each provoked by a step of its own: (client, app) → answer.
Step = Callable[[ApiClient, Flask], TestResponse]


def _wrong_logins(client: ApiClient, app: Flask) -> TestResponse:
    for _ in range(5):
        client.http.post("/api/v1/auth/token", json={"username": "clerk", "password": "guess"})
    return client.http.post("/api/v1/auth/token", json={"username": "clerk", "password": "demo"})


def _wrong_current_passwords(client: ApiClient, app: Flask) -> TestResponse:
    change = {"current_password": "guess-1234", "new_password": "Another-pass-2026"}
    for _ in range(5):
        client.post("/api/v1/me/password", "clerk", json=change)
    return client.post("/api/v1/me/password", "clerk", json=change)


def _lookups(path: str, body: dict[str, Any]) -> Step:
    """Failed look-ups past the limit (one, in ``CONFIG``)."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        client.http.post(path, json=body)
        return client.http.post(path, json=body)

    return step


def _duplicate(client: ApiClient, app: Flask) -> TestResponse:
    client.start_case()
    return client.post("/api/v1/cases", "clerk", json=case_body(confirm_duplicate=None))


def _twice(path: str, user: str, body: dict[str, Any] | None = None, make: str = "accepted") -> Step:
    """The action done once, then again: the second time the case no longer allows it."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        number = _case(client, make)
        client.post(path.format(number=number), user, json=body or {})
        return client.post(path.format(number=number), user, json=body or {})

    return step


def _on(path: str, user: str, make: str, body: dict[str, Any] | None = None, get: bool = False) -> Step:
    """The action on a case in a state that does not allow it."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        number = _case(client, make)
        if get:
            return client.get(path.format(number=number), user)
        return client.post(path.format(number=number), user, json=body or {})

    return step


def _case(client: ApiClient, make: str) -> str:
    if make == "submitted":
        return client.start_case()
    if make == "accepted":
        return accepted(client)
    if make == "decided":
        return decided(client)
    if make == "issued":
        return issued(client)
    if make == "archived":
        number = issued(client)
        assert client.post(f"/api/v1/cases/{number}/archive", "clerk").status_code == 200
        return number
    raise AssertionError(make)


def _finished_task(action: str, user: str, body: dict[str, Any] | None = None) -> Step:
    def step(client: ApiClient, app: Flask) -> TestResponse:
        number = client.start_case()
        task = only_task(client, number, "受理")
        accept(client, number)
        return client.post(f"/api/v1/tasks/{task['id']}/{action}", user, json=body or {})

    return step


def _extension_decided_twice(action: str) -> Step:
    """The approver, made the station's head too, approves its request; then ``action`` on it again."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        number = accepted(client)
        path = f"/api/v1/cases/{number}/extensions"
        extension = client.post(path, "approver", json=EXTENSION).json["extensions"][0]
        roles = {"roles": ["approver", "head"]}
        patched = client.http.patch(
            "/api/v1/admin/users/approver", headers=client.headers("admin"), json=roles
        )
        assert patched.status_code == 200, patched.json
        approve = f"{path}/{extension['id']}/approve"
        assert client.post(approve, "approver", json={}).status_code == 200
        return client.post(f"{path}/{extension['id']}/{action}", "approver", json={"note": "再次审批"})

    return step


def _batch_without_the_notice(client: ApiClient, app: Flask) -> TestResponse:
    number = client.start_case()
    return client.get(f"/api/v1/documents/batch.pdf?cases={number}&kind=acceptance", "clerk")


def _deferred_received_twice(client: ApiClient, app: Flask) -> TestResponse:
    number = client.start_case()
    deferred = {**ACCEPT, "deferred_materials": ["经营场所使用证明"], "deferral_promise": True}
    assert client.complete(only_task(client, number, "受理")["id"], "clerk", deferred).status_code == 200
    (material,) = client.case(number)["deferred_materials"]
    received = f"/api/v1/cases/{number}/deferred-materials/{material['id']}/received"
    client.post(received, "clerk", json={})
    return client.post(received, "clerk", json={})


def _revoked_twice(client: ApiClient, app: Flask) -> TestResponse:
    now = datetime.now(UTC)
    created = client.post(
        "/api/v1/delegations",
        "clerk",
        json={
            "delegate": "clerk-wuning",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=1)).isoformat(),
            "reason": "年休假",
        },
    ).json
    client.post(f"/api/v1/delegations/{created['id']}/revoke", "clerk")
    return client.post(f"/api/v1/delegations/{created['id']}/revoke", "clerk")


def _migration_undone_twice(client: ApiClient, app: Flask) -> TestResponse:
    install_version_one(app, Path(tempfile.mkdtemp()))
    start(client)
    install_version_two(app, Path(tempfile.mkdtemp()))
    batch = client.post(
        f"/api/v1/process-definitions/{VERSIONED_KEY}/versions/1/migration", "analyst", json={}
    )
    undo = f"/api/v1/case-migrations/{batch.json['moved'][0]['migration_id']}/undo"
    client.post(undo, "analyst")
    return client.post(undo, "analyst")


def _taken_code(client: ApiClient, app: Flask) -> TestResponse:
    organisation = client.get(f"/api/v1/admin/organisations?region={WUNING}", "admin").json[0]
    body = {"code": organisation["code"], "name": "重复", "kind": "station", "region": WUNING}
    return client.post("/api/v1/admin/organisations", "admin", json=body)


def _organisation_in_use(client: ApiClient, app: Flask) -> TestResponse:
    clerk = client.get("/api/v1/admin/users/clerk", "admin").json
    code = clerk["organisation"]["code"]
    return client.http.patch(
        f"/api/v1/admin/organisations/{code}", headers=client.headers("admin"), json={"active": False}
    )


def _stale_service_item(client: ApiClient, app: Flask) -> TestResponse:
    path = "/api/v1/services/individual_business_registration"
    version = client.get(path, "analyst").json["item"]["version"]
    headers = client.headers("analyst")
    client.http.patch(path, headers=headers, json={"version": version, "service_hours": "工作日 9:00–17:00"})
    return client.http.patch(path, headers=headers, json={"version": version, "service_hours": "全天"})


def _taken_username(client: ApiClient, app: Flask) -> TestResponse:
    organisation = client.get("/api/v1/admin/users/clerk", "admin").json["organisation"]["code"]
    body = {
        "username": "clerk",
        "full_name": "重名",
        "organisation": organisation,
        "roles": ["clerk"],
        "password": "Long-enough-2026",
    }
    return client.post("/api/v1/admin/users", "admin", json=body)


def _enable_in_deactivated_organisation(client: ApiClient, app: Flask) -> TestResponse:
    station = {
        "code": "330783-zrzyj-weishan",
        "name": "东阳市自然资源和规划局巍山自然资源和规划所",
        "kind": "station",
        "region": "330783",
        "department_type": "natural_resources",
        "parent": "330783-zrzyj",
        "covered_townships": ["330783101"],
    }
    assert client.post("/api/v1/admin/organisations", "admin", json=station).status_code == 201, station
    user = {
        "username": "station-clerk",
        "full_name": "站内人员",
        "organisation": station["code"],
        "roles": ["clerk"],
        "password": "Long-enough-2026",
    }
    assert client.post("/api/v1/admin/users", "admin", json=user).status_code == 201
    assert client.post("/api/v1/admin/users/station-clerk/disable", "admin", json={}).status_code == 200
    admin = client.headers("admin")
    closed = client.http.patch(
        f"/api/v1/admin/organisations/{station['code']}", headers=admin, json={"active": False}
    )
    assert closed.status_code == 200, closed.json
    return client.post("/api/v1/admin/users/station-clerk/enable", "admin", json={})


def _upload_to_archived(client: ApiClient, app: Flask) -> TestResponse:
    number = _case(client, "archived")
    upload = {"material_name": "x", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")}
    return client.post(
        f"/api/v1/cases/{number}/attachments", "clerk", data=upload, content_type="multipart/form-data"
    )


def _evaluate_before_the_end(client: ApiClient, app: Flask) -> TestResponse:
    number, password = tracked_case(client)
    body = {"number": number, "password": password, "rating": "satisfied"}
    return client.http.post("/api/v1/track/evaluation", json=body)


def _receipt_before_acceptance(client: ApiClient, app: Flask) -> TestResponse:
    number, password = tracked_case(client)
    path = f"/api/v1/cases/{number}/documents/acceptance.pdf"
    return client.post(path, "clerk", json={"query_password": password})


def _live_delivery(action: str) -> Step:
    """Redeliver or skip a delivery that has not died: one waiting for its first try."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        portal = portal_client(app)
        subscribe(app, portal, "http://127.0.0.1:1/hooks")
        submitted_by(app, client.start_case(), portal)
        with app.app_context():
            webhook_delivery.dispatch_outbox()
        (pending,) = deliveries(app)
        return client.post(f"/api/v1/admin/webhook-deliveries/{pending.id}/{action}", "admin", json={})

    return step


def _wrong_lookup(path: str, extra: dict[str, Any]) -> Step:
    def step(client: ApiClient, app: Flask) -> TestResponse:
        number, _password = tracked_case(client)
        return client.http.post(path, json={"number": number, "password": "000000", **extra})

    return step


def _portal_requests(path: str) -> Step:
    """A client's requests past its limit (one a minute, in ``CONFIG``)."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        headers = client_headers(client.http, register_client(app, scopes=["services:read"]))
        client.http.get(path, headers=headers)
        return client.http.get(path, headers=headers)

    return step


def _taken_client_name(client: ApiClient, app: Flask) -> TestResponse:
    register_client(app, "浙里办")
    body = {"name": "浙里办", "scopes": ["services:read"], "regions": []}
    return client.post("/api/v1/admin/clients", "admin", json=body)


def _supervision_replied_twice(client: ApiClient, app: Flask) -> TestResponse:
    number = _case(client, "accepted")
    notice = client.post(
        f"/api/v1/cases/{number}/supervision-notices", "supervisor", json={"reason": "已超期"}
    )
    assert notice.status_code == 201, notice.json
    path = f"/api/v1/supervision-notices/{notice.json['id']}/reply"
    assert client.post(path, "approver", json={"reply": "已办结"}).status_code == 200
    return client.post(path, "approver", json={"reply": "已办结"})


def _photo_after_the_end(client: ApiClient, app: Flask) -> TestResponse:
    line = client_headers(client.http, register_client(app, "12345热线", scopes=["events:write"]))
    body = BODIES[("post", "/api/v1/events")]
    number = client.http.post("/api/v1/events", json=body, headers={**line, "Idempotency-Key": "k1"}).json[
        "number"
    ]
    triage = inbox_task(client, "command", number)
    client.complete(triage["id"], "command", {"triage_decision": "reject", "triage_reason": "重复反映"})
    photo = {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "a.png")}
    return client.http.post(f"/api/v1/events/{number}/photos", data=photo, headers=line)


def _application(client: ApiClient, app: Flask) -> tuple[str, dict[str, str]]:
    """An online application and the headers of the client that submitted it."""
    headers = headers_for(client, application_client(app))
    answer = submit(client, headers)
    assert answer.status_code == 201, answer.json
    return answer.json["number"], headers


def _application_twice(action: str, body: dict[str, Any]) -> Step:
    """Withdrawn, then withdrawn again; rated before its 办结."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        number, headers = _application(client, app)
        path = f"/api/v1/applications/{number}/{action}"
        if action == "withdraw":
            client.http.post(path, json=body, headers=headers)
        return client.http.post(path, json=body, headers=headers)

    return step


def _application_for_another_township(client: ApiClient, app: Flask) -> TestResponse:
    headers = headers_for(client, application_client(app, regions=("330783111",)))
    return submit(client, headers)


def _application_key_in_use(client: ApiClient, app: Flask) -> TestResponse:
    """The first request with the key never finishes (its row stays running): the second gives up."""
    _number, headers = _application(client, app)
    with app.app_context():
        done = db.session.execute(db.select(IdempotencyKey)).scalar_one()
        stuck = IdempotencyKey(
            client_id=done.client_id,
            key="stuck",
            body_hash=done.body_hash,
            state=IdempotencyState.RUNNING,
            created_at=done.created_at,
        )
        db.session.add(stuck)
        db.session.commit()
    return submit(client, headers, application_body(), key="stuck")


def _application_upload_to_archived(client: ApiClient, app: Flask) -> TestResponse:
    number = _case(client, "archived")
    portal = register_client(app, "门户", scopes=APPLICATION_SCOPES)
    with app.app_context():
        client_id = db.session.execute(
            db.select(ClientRow.id).where(ClientRow.client_id == portal.client_id)
        ).scalar_one()
    submitted_by(app, number, client_id)
    upload = {"material_name": "x", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")}
    return client.http.post(
        f"/api/v1/applications/{number}/attachments",
        data=upload,
        content_type="multipart/form-data",
        headers=client_headers(client.http, portal),
    )


def _draft_saved_elsewhere(action: str) -> Step:
    """A process draft saved once from version 1, then ``action`` again from the same version 1."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        draft = client.post(
            "/api/v1/process-drafts", "analyst", json={"process_key": VERSIONED_KEY + "_new"}
        ).json
        path = f"/api/v1/process-drafts/{draft['id']}"
        headers = client.headers("analyst")
        form = f"{path}/forms/{VERSIONED_KEY}_new/handling.json"
        client.http.put(f"{path}/bpmn", headers=headers, json={"bpmn_xml": draft["bpmn_xml"], "version": 1})
        if action == "bpmn":
            return client.http.put(
                f"{path}/bpmn", headers=headers, json={"bpmn_xml": draft["bpmn_xml"], "version": 1}
            )
        if action == "form":
            return client.http.put(form, headers=headers, json={"schema": {"type": "object"}, "version": 1})
        if action == "delete-form":
            return client.http.delete(f"{form}?version=1", headers=headers)
        client.post(f"{path}/deploy", "analyst", json={})
        return client.post(f"{path}/deploy", "analyst", json={})  # unchanged since the first deploy

    return step


def _token_request(form: dict[str, str], secret: str | None = None) -> Step:
    """``POST /oauth/token`` by a registered portal with ``form`` (with a wrong secret if given)."""

    def step(client: ApiClient, app: Flask) -> TestResponse:
        portal = register_client(app, "门户", scopes=["services:read"])
        return client.http.post(TOKEN_ENDPOINT[1], data=form, headers=portal.basic(secret))

    return step


TRACK_BODY = BODIES[("post", "/api/v1/track")]
EVALUATION_BODY = BODIES[("post", "/api/v1/track/evaluation")]
DECLARED: dict[tuple[str, str, int], Step] = {
    (*TOKEN_ENDPOINT, 400): _token_request({"grant_type": "client_credentials", "scope": "webhooks:manage"}),
    (*TOKEN_ENDPOINT, 401): _token_request({"grant_type": "client_credentials"}, secret="wrong"),
    ("post", "/api/v1/auth/token", 401): lambda client, app: client.http.post(
        "/api/v1/auth/token", json={"username": "clerk", "password": "guess"}
    ),
    ("post", "/api/v1/auth/token", 429): _wrong_logins,
    ("post", "/api/v1/me/password", 429): _wrong_current_passwords,
    ("post", "/api/v1/track", 404): _wrong_lookup("/api/v1/track", {}),
    ("post", "/api/v1/track", 429): _lookups("/api/v1/track", TRACK_BODY),
    ("post", "/api/v1/track/evaluation", 404): _wrong_lookup(
        "/api/v1/track/evaluation", {"rating": "satisfied"}
    ),
    ("post", "/api/v1/track/evaluation", 409): _evaluate_before_the_end,
    ("post", "/api/v1/track/evaluation", 429): _lookups("/api/v1/track/evaluation", EVALUATION_BODY),
    ("post", "/api/v1/cases", 409): _duplicate,
    ("post", "/api/v1/applications", 403): _application_for_another_township,
    ("post", "/api/v1/applications", 409): _application_key_in_use,
    ("post", "/api/v1/applications/{number}/withdraw", 409): _application_twice(
        "withdraw", {"reason": "申请人撤回"}
    ),
    ("post", "/api/v1/applications/{number}/rating", 409): _application_twice(
        "rating", {"rating": "satisfied"}
    ),
    ("post", "/api/v1/applications/{number}/attachments", 409): _application_upload_to_archived,
    ("post", "/api/v1/cases/{number}/suspend", 409): _twice(
        "/api/v1/cases/{number}/suspend", "approver", SUSPENSION
    ),
    ("post", "/api/v1/cases/{number}/supervision-notices", 409): _twice(
        "/api/v1/cases/{number}/supervision-notices", "supervisor", {"reason": "已超期，请说明原因"}
    ),
    ("post", "/api/v1/supervision-notices/{notice_id}/reply", 409): _supervision_replied_twice,
    ("post", "/api/v1/cases/{number}/extensions", 409): _twice(
        "/api/v1/cases/{number}/extensions", "approver", EXTENSION
    ),
    ("post", "/api/v1/cases/{number}/extensions/{extension_id}/approve", 409): _extension_decided_twice(
        "approve"
    ),
    ("post", "/api/v1/cases/{number}/extensions/{extension_id}/refuse", 409): _extension_decided_twice(
        "refuse"
    ),
    ("get", "/api/v1/documents/batch.pdf", 409): _batch_without_the_notice,
    ("post", "/api/v1/cases/{number}/resume", 409): _on(
        "/api/v1/cases/{number}/resume", "approver", "accepted"
    ),
    ("post", "/api/v1/cases/{number}/withdraw", 409): _on(
        "/api/v1/cases/{number}/withdraw", "clerk", "decided", {"reason": "申请人撤回"}
    ),
    (
        "post",
        "/api/v1/cases/{number}/deferred-materials/{material_id}/received",
        409,
    ): _deferred_received_twice,
    ("post", "/api/v1/tasks/{task_id}/claim", 409): _finished_task("claim", "clerk"),
    ("post", "/api/v1/tasks/{task_id}/unclaim", 409): _finished_task("unclaim", "clerk"),
    ("post", "/api/v1/tasks/{task_id}/complete", 409): _finished_task("complete", "clerk", {"data": ACCEPT}),
    ("post", "/api/v1/tasks/{task_id}/reassign", 409): _finished_task(
        "reassign", "supervisor", {"organisation": WUNING, "reason": "改派"}
    ),
    ("post", "/api/v1/delegations/{delegation_id}/revoke", 409): _revoked_twice,
    ("post", "/api/v1/case-migrations/{migration_id}/undo", 409): _migration_undone_twice,
    ("post", "/api/v1/process-drafts", 404): lambda client, app: client.http.post(
        "/api/v1/process-drafts",
        headers=client.headers("analyst"),
        json={"process_key": "individual_business_registration", "from_version": 999999},
    ),
    ("put", "/api/v1/process-drafts/{draft_id}/bpmn", 409): _draft_saved_elsewhere("bpmn"),
    ("put", "/api/v1/process-drafts/{draft_id}/forms/{name}", 409): _draft_saved_elsewhere("form"),
    ("delete", "/api/v1/process-drafts/{draft_id}/forms/{name}", 409): _draft_saved_elsewhere("delete-form"),
    ("post", "/api/v1/process-drafts/{draft_id}/deploy", 409): _draft_saved_elsewhere("deploy"),
    ("post", "/api/v1/admin/organisations", 409): _taken_code,
    ("post", "/api/v1/admin/clients", 409): _taken_client_name,
    ("get", "/api/v1/services", 429): _portal_requests("/api/v1/services"),
    ("get", "/api/v1/services/{code}", 429): _portal_requests(
        "/api/v1/services/individual_business_registration"
    ),
    ("patch", "/api/v1/admin/organisations/{code}", 409): _organisation_in_use,
    ("patch", "/api/v1/services/{code}", 409): _stale_service_item,
    ("post", "/api/v1/admin/users", 409): _taken_username,
    ("post", "/api/v1/admin/users/{username}/enable", 409): _enable_in_deactivated_organisation,
    ("post", "/api/v1/admin/webhook-deliveries/{delivery_id}/redeliver", 409): _live_delivery("redeliver"),
    ("post", "/api/v1/admin/webhook-deliveries/{delivery_id}/skip", 409): _live_delivery("skip"),
    ("post", "/api/v1/cases/{number}/attachments", 409): _upload_to_archived,
    ("get", "/api/v1/cases/{number}/documents/{kind}.pdf", 409): _on(
        "/api/v1/cases/{number}/documents/completion.pdf", "clerk", "accepted", get=True
    ),
    ("post", "/api/v1/cases/{number}/documents/acceptance.pdf", 409): _receipt_before_acceptance,
    ("post", "/api/v1/cases/{number}/archive", 409): _on(
        "/api/v1/cases/{number}/archive", "clerk", "decided"
    ),
    ("post", "/api/v1/cases/{number}/return", 409): _on(
        "/api/v1/cases/{number}/return", "clerk", "accepted", {"reason": "退件"}
    ),
    ("post", "/api/v1/cases/{number}/void", 409): _on(
        "/api/v1/cases/{number}/void", "clerk", "decided", {"reason": "误登"}
    ),
    ("post", "/api/v1/cases/{number}/payment", 409): _on(
        "/api/v1/cases/{number}/payment", "clerk", "accepted", {"status": "paid", "receipt_number": "1"}
    ),
    ("post", "/api/v1/cases/{number}/evaluation", 409): _on(
        "/api/v1/cases/{number}/evaluation", "clerk", "accepted", {"rating": "satisfied"}
    ),
    ("post", "/api/v1/events/{number}/photos", 409): _photo_after_the_end,
    ("get", "/api/v1/cases/{number}/licence.pdf", 409): _on(
        "/api/v1/cases/{number}/licence.pdf", "clerk", "accepted", get=True
    ),
}
# Settings a step needs, for its own test alone (the PostgreSQL tests share one app).
ONE_LOOKUP = {"TRACK_ATTEMPT_LIMIT": "1 per 15 minutes"}
ONE_REQUEST = {"CLIENT_RATE_LIMIT_PER_MINUTE": 1}
CONFIG: dict[tuple[str, str, int], dict[str, Any]] = {
    ("get", "/api/v1/services", 429): ONE_REQUEST,
    ("get", "/api/v1/services/{code}", 429): ONE_REQUEST,
    ("post", "/api/v1/track", 429): ONE_LOOKUP,
    ("post", "/api/v1/applications", 409): {"IDEMPOTENCY_WAIT_SECONDS": 0.0},
    ("post", "/api/v1/track/evaluation", 429): ONE_LOOKUP,
}
# The statuses an operation has by its kind, provoked alike for every operation below.
BY_KIND = {400, 401, 403, 404, 413, 422, 500, 503}


def client_only(spec: Spec, operation: Operation) -> bool:
    """An operation only API clients call (its security names no staff bearer token)."""
    method, path = operation
    security = spec["paths"][path][method].get("security", spec.get("security", []))
    return bool(security) and not any("bearerAuth" in requirement for requirement in security)


def kind_statuses(spec: Spec, status: int) -> list[Operation]:
    return sorted(
        operation
        for operation, statuses in documented_errors(spec).items()
        if status in statuses and (*operation, status) not in DECLARED
    )


def test_every_documented_error_is_problem_json_with_the_problem_schema(app: Flask) -> None:
    spec = document(app)
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors", "request_id"} <= set(
        problem["properties"]
    )
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's {code, status, message}
    for (method, path), operation in operations(spec):
        errors = {
            status: response for status, response in operation["responses"].items() if status[0] in "45"
        }
        assert errors, (method, path)
        assert "default" not in operation["responses"], (method, path)
        for status, response in errors.items():
            if response.get(NOT_A_PROBLEM):  # the token endpoint's RFC 6749 errors
                assert (method, path) == ("post", "/oauth/token"), (method, path, status)
                content = response["content"]
                assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/OAuthError"}
                continue
            content = resolve(spec, response)["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_each_status_is_provoked_by_kind_or_by_a_step_of_its_own(app: Flask) -> None:
    documented = {
        (*operation, status)
        for operation, statuses in documented_errors(document(app)).items()
        for status in statuses
    }
    without_a_way = sorted(key for key in documented - set(DECLARED) if key[2] not in BY_KIND)
    assert without_a_way == []
    assert sorted(set(DECLARED) - documented) == []


@pytest.mark.parametrize("key", sorted(DECLARED), ids=lambda key: f"{key[0]} {key[1]} {key[2]}")
def test_a_refusal_a_view_declares_is_sent_as_documented(
    client: ApiClient, app: Flask, monkeypatch: pytest.MonkeyPatch, key: tuple[str, str, int]
) -> None:
    method, path, status = key
    for name, value in CONFIG.get(key, {}).items():
        monkeypatch.setitem(app.config, name, value)
    response = DECLARED[key](client, app)
    assert mismatch(document(app), (method, path), status, response) is None


def test_without_a_token_every_staff_operation_is_401(app: Flask) -> None:
    spec = document(app)
    wrong = [mismatch(spec, op, 401, call(app, spec, op, PLAUSIBLE)) for op in kind_statuses(spec, 401)]
    assert [problem for problem in wrong if problem] == []


def test_before_a_pending_password_change_every_other_staff_operation_is_403(
    client: ApiClient, app: Flask
) -> None:
    temporary = client.post("/api/v1/admin/users/clerk/reset-password", "admin", json={}).json[
        "temporary_password"
    ]
    token = client.http.post("/api/v1/auth/token", json={"username": "clerk", "password": temporary}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    spec = document(app)
    wrong = [
        mismatch(spec, op, 403, call(app, spec, op, PLAUSIBLE, headers))
        for op in kind_statuses(spec, 403)
        if not client_only(spec, op)  # a staff token there is no client token at all: 401
    ]
    assert [problem for problem in wrong if problem] == []
    # The operations documented as open meanwhile answer as usual (logging out last: it ends the token).
    open_ones = sorted(
        (operation for operation, item in operations(spec) if item.get("x-allowed-before-password-change")),
        key=lambda operation: "logout" in operation[1],
    )
    assert [path for _method, path in open_ones] == [
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/auth/logout",
    ]
    answers = [call(app, spec, operation, PLAUSIBLE, headers).status_code for operation in open_ones]
    assert answers == [200, 422, 204]  # the password change asks for its fields


def test_a_path_naming_nothing_is_404_for_every_operation_with_one(client: ApiClient, app: Flask) -> None:
    spec = document(app)
    wrong = []
    portal = client_headers(
        client.http,
        register_client(app, "门户", scopes=["webhooks:manage", "events:write", *APPLICATION_SCOPES]),
    )
    for operation in kind_statuses(spec, 404):
        if client_only(spec, operation):
            answers = [call(app, spec, operation, MISSING, portal)]
        else:
            answers = [call(app, spec, operation, MISSING, client.headers(user)) for user in USERS]
        found = next((answer for answer in answers if answer.status_code == 404), answers[0])
        wrong.append(mismatch(spec, operation, 404, found))
    assert [problem for problem in wrong if problem] == []


def test_a_json_body_nested_too_deep_is_400_for_every_operation_taking_one(app: Flask) -> None:
    spec = document(app)
    deep = "[" * 40 + "]" * 40
    wrong = [
        mismatch(spec, op, 400, call(app, spec, op, PLAUSIBLE, data=deep, content_type="application/json"))
        for op in kind_statuses(spec, 400)
    ]
    assert [problem for problem in wrong if problem] == []


def test_a_body_too_large_is_413_for_every_operation_taking_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "JSON_MAX_BYTES", 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    spec = document(app)
    wrong = []
    for operation in kind_statuses(spec, 413):
        if body_type(spec, operation) == "application/json":
            body: dict[str, Any] = {"data": '{"x": "' + "a" * 2048 + '"}', "content_type": "application/json"}
        else:
            upload = {"file": (io.BytesIO(b"a" * 8192), "big.pdf")}
            body = {"data": upload, "content_type": "multipart/form-data"}
        wrong.append(mismatch(spec, operation, 413, call(app, spec, operation, PLAUSIBLE, **body)))
    assert [problem for problem in wrong if problem] == []


def test_a_nul_in_the_query_string_is_422_for_every_operation(app: Flask) -> None:
    spec = document(app)
    wrong = [
        mismatch(spec, op, 422, call(app, spec, op, PLAUSIBLE, query="q=%00"))
        for op in kind_statuses(spec, 422)
    ]
    assert [problem for problem in wrong if problem] == []


def unknown_token(spec: Spec, operation: Operation) -> dict[str, str]:
    """A token of the operation's kind that no database holds: looking it up needs the database (at the
    token endpoint, client credentials: looking the client up does)."""
    if operation == TOKEN_ENDPOINT:
        return PortalClient("pc-nobody", "secret").basic()
    return {"Authorization": f"Bearer {'pc.' if client_only(spec, operation) else ''}some-token"}


def test_an_unreachable_database_is_503_for_every_operation() -> None:
    # Nothing listens on port 1: every query fails to connect.
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://127.0.0.1:1/none"})
    spec = document(app)
    wrong = [
        mismatch(spec, op, 503, call(app, spec, op, PLAUSIBLE, unknown_token(spec, op)))
        for op in kind_statuses(spec, 503)
    ]
    assert [problem for problem in wrong if problem] == []


def test_a_database_that_is_not_one_is_500_for_every_operation(tmp_path: Path) -> None:
    # A file SQLite cannot read: every query fails with an error no handler expects.
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database " * 512)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{broken}"})
    spec = document(app)
    wrong = [
        mismatch(spec, op, 500, call(app, spec, op, PLAUSIBLE, unknown_token(spec, op)))
        for op in kind_statuses(spec, 500)
    ]
    assert [problem for problem in wrong if problem] == []

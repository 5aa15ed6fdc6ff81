"""Input the database cannot store is a 4xx problem+json naming the field, never a 500 or a failed statement.

Each class of bad input (NUL, lone surrogates, text beyond its column, ids beyond 32 bits, deep,
large or numerically absurd JSON) is refused before a view runs or by its schema, so no SQL
statement fails for it: PostgreSQL never logs the statement or the values of a failed one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from marshmallow import Schema, fields
from sqlalchemy import event, text

from tests.support.api import APPLICANT, ApiClient, case_body
from tests.support.pages import Browser, page_text
from tests.test_web_intake import INTAKE, form
from workflow_service import create_app
from workflow_service.api.input_fields import Int, Text
from workflow_service.extensions import db

PROBLEM = "application/problem+json"
FORBIDDEN = "含有不允许的字符（空字符或不成对的代理字符）"


@pytest.fixture
def failed_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement that fails while the test runs (there should be none)."""
    failures: list[str] = []
    with app.app_context():
        engine = db.engine.engine  # on PostgreSQL the tests' connection stands in for the engine

    def record(context: object) -> None:
        failures.append(str(getattr(context, "original_exception", context)))

    event.listen(engine, "handle_error", record)
    yield failures
    event.remove(engine, "handle_error", record)


def raw_json(client: ApiClient, path: str, body: str, user: str | None = None) -> object:
    headers = client.headers(user) if user else {}
    return client.http.post(path, data=body.encode(), content_type="application/json", headers=headers)


def assert_field_error(response: object, field: str, status: int = 422) -> list[str]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    assert field in response.json["errors"], response.json
    return response.json["errors"][field]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/auth/token", {"username": "cl\x00erk", "password": "demo"}, "username"),
        ("/api/v1/track", {"number": "330783\x00", "password": "123456"}, "number"),
        ("/api/v1/evaluation", {"number": "x", "password": "1\x00", "rating": "satisfied"}, "password"),
    ],
)
def test_nul_byte_without_logging_in_is_a_field_error(
    client: ApiClient, failed_statements: list[str], path: str, body: dict, field: str
) -> None:
    assert assert_field_error(client.http.post(path, json=body), field) == [FORBIDDEN]
    assert failed_statements == []


def test_nul_byte_in_a_case_its_form_and_its_url(client: ApiClient, failed_statements: list[str]) -> None:
    body = case_body()
    body["applicant"]["name"] = "张\x00三"
    body["data"]["premises"] = "东阳市\x00吴宁街道"
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert assert_field_error(response, "applicant.name") == [FORBIDDEN]
    assert response.json["errors"]["data.premises"] == [FORBIDDEN]
    in_url = client.get("/api/v1/cases/330783%00", "clerk")
    assert_field_error(in_url, "_path")
    in_query = client.get("/api/v1/tasks?cursor=a%00b", "clerk")
    assert_field_error(in_query, "cursor")
    assert client.inbox("clerk") == []
    assert failed_statements == []


def test_lone_surrogate_is_a_field_error(client: ApiClient, failed_statements: list[str]) -> None:
    response = raw_json(client, "/api/v1/auth/token", '{"username": "\\ud800", "password": "demo"}')
    assert assert_field_error(response, "username") == [FORBIDDEN]
    response = raw_json(client, "/api/v1/track", '{"number": "a\\udfffb", "password": "1"}')
    assert_field_error(response, "number")
    # A proper pair is a character like any other (U+1F600), not refused.
    paired = raw_json(client, "/api/v1/auth/token", '{"username": "\\ud83d\\ude00", "password": "x"}')
    assert paired.status_code == 401
    assert failed_statements == []


def test_applicant_name_beyond_its_column_is_a_field_error_and_stores_nothing(
    client: ApiClient, failed_statements: list[str]
) -> None:
    for name in ("张" * 129, "张" * 100_000):
        body = case_body()
        body["applicant"]["name"] = name
        response = client.post("/api/v1/cases", "clerk", json=body)
        assert assert_field_error(response, "applicant.name") == ["最多 128 个字符"]
    exactly = case_body()
    exactly["applicant"]["name"] = "张" * 128
    assert client.post("/api/v1/cases", "clerk", json=exactly).status_code == 201
    assert len(client.inbox("clerk")) == 1
    assert failed_statements == []


def test_every_text_field_is_held_to_its_column(client: ApiClient, failed_statements: list[str]) -> None:
    long_phone = case_body()
    long_phone["applicant"]["phone"] = "1" * 33
    assert_field_error(client.post("/api/v1/cases", "clerk", json=long_phone), "applicant.phone")
    agent = {"name": "李" * 129, "id_number": "33252519760403037X", "phone": "13906790372"}
    agent |= {"relationship": "子" * 65}
    response = client.post("/api/v1/cases", "clerk", json=case_body(agent=agent))
    assert_field_error(response, "agent.name")
    assert "agent.relationship" in response.json["errors"]
    too_long_user = {"username": "u" * 65, "password": "demo"}
    assert_field_error(client.http.post("/api/v1/auth/token", json=too_long_user), "username")
    assert failed_statements == []


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/delegations/{2**31}/revoke",
        f"/api/v1/delegations/{2**64}/revoke",
        f"/api/v1/delegations/{'9' * 5000}/revoke",
        "/api/v1/delegations/0/revoke",
    ],
)
def test_ids_beyond_32_bits_in_urls_are_not_found(
    client: ApiClient, failed_statements: list[str], path: str
) -> None:
    response = client.post(path, "approver")
    assert response.status_code == 404
    assert response.content_type == PROBLEM
    assert failed_statements == []


def test_integers_beyond_their_range_in_bodies_and_queries(
    client: ApiClient, failed_statements: list[str]
) -> None:
    number = client.start_case()
    response = client.post(
        f"/api/v1/cases/{number}/suspend",
        "clerk",
        json={"kind": "inspection", "reason": "核查", "expected_days": 2**31},
    )
    assert assert_field_error(response, "expected_days") == ["须在 1 至 365 之间"]
    offset = client.get(f"/api/v1/admin/users?offset={2**31}", "admin")
    assert assert_field_error(offset, "offset") == ["须在 0 至 2147483647 之间"]
    assert client.get(f"/api/v1/admin/users?offset={2**31 - 1}", "admin").status_code == 200
    assert failed_statements == []


@pytest.mark.parametrize(
    ("literal", "field"),
    [("9" * 5000, "username"), (str(2**64), "username"), ("1e400", "username"), ("NaN", "username")],
)
def test_huge_or_non_finite_json_numbers_are_field_errors(
    client: ApiClient, failed_statements: list[str], literal: str, field: str
) -> None:
    response = raw_json(client, "/api/v1/auth/token", f'{{"username": {literal}, "password": "demo"}}')
    assert_field_error(response, field)
    assert failed_statements == []


def test_huge_number_inside_a_form_names_its_field(client: ApiClient) -> None:
    body = json.dumps(case_body()).replace('"capital_wan_yuan": 5', '"capital_wan_yuan": ' + "9" * 30)
    response = raw_json(client, "/api/v1/cases", body, "clerk")
    assert assert_field_error(response, "data.capital_wan_yuan") == ["数值超出允许范围"]


def test_deeply_nested_json_is_refused(client: ApiClient, failed_statements: list[str]) -> None:
    deep = raw_json(client, "/api/v1/auth/token", "[" * 10_000 + "]" * 10_000)
    assert deep.status_code == 400
    assert deep.content_type == PROBLEM
    data = case_body()
    nested: dict = {}
    data["data"]["extra"] = nested
    for _ in range(40):
        nested["x"] = {}
        nested = nested["x"]
    response = client.post("/api/v1/cases", "clerk", json=data)
    assert response.status_code == 400
    assert response.json["detail"] == "JSON 嵌套超过 32 层"
    assert failed_statements == []


def test_json_body_beyond_its_limit_is_too_large(client: ApiClient, app: Flask) -> None:
    body = case_body()
    body["data"]["business_scope"] = "小" * app.config["JSON_MAX_BYTES"]
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 413
    assert response.content_type == PROBLEM
    assert client.inbox("clerk") == []


def test_pages_refuse_nul_with_a_readable_message(app: Flask, failed_statements: list[str]) -> None:
    browser = Browser(app)
    browser.get("/login")
    login = browser.post("/login", {"username": "cl\x00erk", "password": "demo"})
    assert login.status_code == 422
    assert login.content_type.startswith("text/html")
    assert "输入中含有不允许的字符" in page_text(login)
    browser.log_in("clerk")
    search = browser.get("/search?q=3307%00")
    assert search.status_code == 422
    assert "输入中含有不允许的字符" in page_text(search)
    assert browser.get(f"/search?q={APPLICANT['id_number']}").status_code == 200
    assert failed_statements == []


def test_page_intake_refuses_a_name_beyond_its_column(app: Flask, failed_statements: list[str]) -> None:
    browser = Browser(app)
    browser.log_in("clerk")
    browser.get(INTAKE)
    response = browser.post(INTAKE, form(applicant={**APPLICANT, "name": "张" * 129}))
    assert response.status_code == 422
    assert re.search(r'id="err-applicant-name">最多 128 个字符', page_text(response))
    assert failed_statements == []


def _request_schemas(app: Flask) -> Iterator[tuple[str, Schema]]:
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        methods = [getattr(view_class, m.lower(), None) for m in rule.methods or ()] if view_class else [view]
        for method in filter(None, methods):
            for argument in getattr(method, "_apidoc", {}).get("arguments", {}).get("parameters", []):
                schema = argument["schema"]
                yield rule.rule, schema() if isinstance(schema, type) else schema


def _unbounded(field: fields.Field, where: str) -> Iterator[str]:
    if field.dump_only:
        return
    if isinstance(field, fields.Nested):
        for name, inner in field.schema.fields.items():
            yield from _unbounded(inner, f"{where}.{name}")
    elif isinstance(field, fields.List):
        yield from _unbounded(field.inner, f"{where}[]")
    elif isinstance(field, fields.String | fields.Integer) and not isinstance(field, Text | Int):
        yield where


def test_every_request_schema_bounds_its_strings_and_integers() -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    schemas = list(_request_schemas(app))
    assert len(schemas) > 20
    unbounded = [
        f"{route} {where}"
        for route, schema in schemas
        for name, field in schema.fields.items()
        for where in _unbounded(field, f"{type(schema).__name__}.{name}")
    ]
    assert unbounded == []


def test_database_unavailable_is_503_with_retry_after() -> None:
    # Nothing listens on port 1: every query fails to connect.
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://127.0.0.1:1/none"})
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"username": "clerk", "password": "demo"})
    assert response.status_code == 503
    assert response.content_type == PROBLEM
    assert response.headers["Retry-After"] == str(app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["Retry-After"] == "30"


def test_postgresql_sessions_keep_failed_statements_out_of_the_server_log(
    app: Flask, backend: object
) -> None:
    if getattr(backend, "name", "") != "postgresql":
        pytest.skip("PostgreSQL's own log settings")
    with app.app_context():
        settings = {
            name: db.session.execute(text(f"SHOW {name}")).scalar()
            for name in ("log_min_error_statement", "log_error_verbosity")
        }
    # The tests connect as a superuser, who may set both; other roles keep the server's settings.
    assert settings == {"log_min_error_statement": "panic", "log_error_verbosity": "terse"}


def test_a_multipart_part_without_a_readable_name_is_no_server_error(client: ApiClient) -> None:
    # Found by the schemathesis run: a line break in a part's name leaves Werkzeug without a name.
    number = client.start_case()
    response = client.post(
        f"/api/v1/cases/{number}/attachments",
        "clerk",
        data={"\n": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.content_type == PROBLEM

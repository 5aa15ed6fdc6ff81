"""The catalogue as portals read it: with a client token granted services:read (and staff as before),
materials with their forms and 可容缺, the application form's JSON Schema, and ETag / If-None-Match."""

from __future__ import annotations

import pytest
from flask import Flask
from jsonschema import Draft7Validator

from tests.support.api import APPLICATION, SERVICE, ApiClient
from tests.support.portal import PortalClient, client_headers, register_client
from tests.support.statements import counted_statements

LIST = "/api/v1/services"
DETAIL = f"/api/v1/services/{SERVICE}"
# A 304 costs the token (its client joined) and the tag's one aggregate statement.
NOT_MODIFIED_STATEMENTS = 2


@pytest.fixture
def portal(app: Flask) -> PortalClient:
    return register_client(app, scopes=["services:read"])


@pytest.fixture
def portal_headers(client: ApiClient, portal: PortalClient) -> dict[str, str]:
    return client_headers(client.http, portal)


def test_a_portal_reads_the_catalogue_with_materials_and_the_application_form(
    client: ApiClient, portal_headers: dict[str, str]
) -> None:
    listed = client.http.get(LIST, headers=portal_headers)
    assert listed.status_code == 200
    (item,) = [entry for entry in listed.json if entry["code"] == SERVICE]
    limits = {"legal_limit_days", "promised_limit_days", "fee_required", "fee_amount"}
    assert {"implementation_code", "name", "department_type", "acceptance_mode", *limits} <= set(item)
    assert item["materials"]
    assert all({"name", "form", "required", "deferrable"} <= set(m) for m in item["materials"])
    assert any(m["deferrable"] for m in item["materials"])

    detail = client.http.get(DETAIL, headers=portal_headers)
    assert detail.status_code == 200
    form = detail.json["application_form"]
    assert form["type"] == "object" and form["properties"]
    Draft7Validator.check_schema(form)
    # What the window registers validates against the schema a portal renders.
    assert not list(Draft7Validator(form).iter_errors(APPLICATION))
    assert detail.json["item"]["materials"] == item["materials"]


def test_an_unchanged_catalogue_is_304_for_the_tag_it_sent(
    app: Flask, client: ApiClient, portal_headers: dict[str, str]
) -> None:
    for path in (LIST, DETAIL):
        first = client.http.get(path, headers=portal_headers)
        tag = first.headers["ETag"]
        assert tag.startswith('"')
        with counted_statements(app) as statements:
            again = client.http.get(path, headers={**portal_headers, "If-None-Match": tag})
        assert again.status_code == 304, path
        assert again.get_data() == b""
        assert again.headers["ETag"] == tag
        assert len(statements) == NOT_MODIFIED_STATEMENTS, statements
        stale = client.http.get(path, headers={**portal_headers, "If-None-Match": '"something-else"'})
        assert stale.status_code == 200 and stale.headers["ETag"] == tag
        # Staff get the same tags.
        staff = client.http.get(path, headers={**client.headers("clerk"), "If-None-Match": tag})
        assert staff.status_code == 304


def test_a_change_to_an_item_changes_its_tag_and_the_list_s(
    client: ApiClient, portal_headers: dict[str, str]
) -> None:
    list_tag = client.http.get(LIST, headers=portal_headers).headers["ETag"]
    item_tag = client.http.get(DETAIL, headers=portal_headers).headers["ETag"]
    other = client.http.get("/api/v1/services/senior_citizen_card", headers=portal_headers)
    assert other.status_code == 200 and other.headers["ETag"] != item_tag

    changed = client.http.patch(DETAIL, json={"promised_limit_days": 2}, headers=client.headers("analyst"))
    assert changed.status_code == 200, changed.json
    after = client.http.get(DETAIL, headers={**portal_headers, "If-None-Match": item_tag})
    assert after.status_code == 200
    assert after.json["item"]["promised_limit_days"] == 2
    assert after.headers["ETag"] != item_tag
    assert client.http.get(LIST, headers={**portal_headers, "If-None-Match": list_tag}).status_code == 200
    unchanged = client.http.get(
        "/api/v1/services/senior_citizen_card",
        headers={**portal_headers, "If-None-Match": other.headers["ETag"]},
    )
    assert unchanged.status_code == 304


def test_a_missing_item_is_404_whatever_tag_is_sent(
    client: ApiClient, portal_headers: dict[str, str]
) -> None:
    missing = client.http.get("/api/v1/services/nothing", headers={**portal_headers, "If-None-Match": "*"})
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"


def test_a_client_token_reads_but_does_not_change_the_catalogue(
    client: ApiClient, portal_headers: dict[str, str]
) -> None:
    assert client.http.patch(DETAIL, json={"name": "x"}, headers=portal_headers).status_code == 401
    assert client.http.get(f"{DETAIL}/versions", headers=portal_headers).status_code == 401
    assert client.get(f"{DETAIL}/versions", "analyst").status_code == 200
    assert client.http.get(LIST).status_code == 401

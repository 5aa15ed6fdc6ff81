"""Every case- or task-scoped endpoint and page, called by users of another township and another department, is 404.

The walk reads the app's URL map, so an endpoint added later is covered without touching this test;
a new kind of path parameter makes the test fail until it says which value to use.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.support.api import ApiClient
from tests.support.pages import Browser

OUTSIDERS = (
    "clerk-hengdian",  # a window of another township in the same county
    "approver-minzheng",  # another county department (民政局)
    "approver-hengdian",  # the same department's station for another township
)
# Parameters that name something of another organisation's case; endpoints with none of them
# (the catalogue, the caller's own data, admin pages) are not case-scoped.
SCOPED_PARAMETERS = {"number", "task_id", "attachment_id"}
# Values for the other parameters such endpoints take.
OTHER_PARAMETERS = {"kind": "acceptance", "material_id": 1, "extension_id": 1}
# A valid body for each action that takes one, so that only the scope can refuse it.
BODIES: dict[str, dict[str, Any]] = {
    "complete": {"json": {"data": {"acceptance_decision": "accept"}}},
    "suspend": {"json": {"kind": "inspection", "reason": "现场核查", "expected_days": 3}},
    "withdraw": {"json": {"reason": "申请人申请撤回"}},
    "extensions": {"json": {"reason": "需征求意见", "days": 5}},
    "refuse": {"json": {"note": "无须延期"}},
    "reassign": {"json": {"organisation": "330783111-bmfwzx", "reason": "人手不足"}},
    "attachments": {
        "data": lambda: {
            "material_name": "经营者身份证明",
            "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "x.pdf"),
        },
        "content_type": "multipart/form-data",
    },
}


# Page forms post form fields (with the session's CSRF token, added by the page client).
PAGE_BODIES: dict[str, dict[str, Any]] = {
    "extensions": {"data": {"reason": "需征求意见", "days": "5"}},
    "refuse": {"data": {"note": "无须延期"}},
    "suspend": {"data": {"kind": "inspection", "reason": "现场核查", "expected_days": "3"}},
    "reassign": {"data": {"organisation": "330783111-bmfwzx", "reason": "人手不足"}},
    "attachments": {
        "data": lambda: {"material": "经营者身份证明", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "x.pdf")},
        "content_type": "multipart/form-data",
    },
}


def request_arguments(method: str, path: str) -> dict[str, Any]:
    if method != "POST":
        return {}
    action = path.rstrip("/").rsplit("/", 1)[-1]
    arguments = {key: value() if callable(value) else value for key, value in BODIES.get(action, {}).items()}
    return arguments or {"json": {}}


# Portals' and line systems' doors take client tokens only (a staff token is 401 there); who may read
# a case through them is the submitting client, walked in tests/test_portal_applications.py and
# tests/test_line_events.py.
CLIENT_BLUEPRINTS = {"applications", "line_events", "webhooks"}


def is_staff_api(rule: Rule) -> bool:
    return rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0] not in CLIENT_BLUEPRINTS


def scoped_rules(app: Flask, wanted: Callable[[Rule], bool] = is_staff_api) -> list[tuple[str, str]]:
    """(method, rule) of every ``wanted`` endpoint that names a case, task or attachment."""
    rules = []
    for rule in app.url_map.iter_rules():
        if not wanted(rule) or not (set(rule.arguments) & SCOPED_PARAMETERS):
            continue
        unknown = set(rule.arguments) - SCOPED_PARAMETERS - set(OTHER_PARAMETERS)
        assert not unknown, f"{rule.rule}: say which value the scope walk uses for {unknown}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((method, rule.rule))
    return rules


def test_the_walk_covers_the_case_and_task_endpoints(app: Flask) -> None:
    walked = {path for _, path in scoped_rules(app)}
    assert {"/api/v1/cases/<string:number>", "/api/v1/tasks/<uuid:task_id>/complete"} <= walked


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_everywhere(app: Flask, client: ApiClient, outsider: str) -> None:
    number = client.start_case()
    task = client.open_task(number)
    values = {"number": number, "task_id": task["id"], **OTHER_PARAMETERS}
    attachments = client.get(f"/api/v1/cases/{number}/attachments", "clerk")
    if attachments.status_code == 200:
        upload = client.post(
            f"/api/v1/cases/{number}/attachments",
            "clerk",
            data={
                "material_name": "经营者身份证明",
                "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "id.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert upload.status_code == 201, upload.json
        values["attachment_id"] = upload.json["id"]
    before = client.case(number)
    for method, rule in scoped_rules(app):
        if "attachment_id" in rule and "attachment_id" not in values:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule)
        arguments = request_arguments(method, path)
        response = client.http.open(path, method=method, headers=client.headers(outsider), **arguments)
        body = response.get_data(as_text=True)[:300]
        assert response.status_code == 404, (outsider, method, path, response.status_code, body)
        assert response.content_type == "application/problem+json"
    after = client.case(number)
    assert after["audit"] == before["audit"]
    assert after["current_tasks"] == before["current_tasks"]


# Pages for the public, not staff: the status look-up answers by the query password (tests/test_tracking.py).
PUBLIC_PAGE_BLUEPRINTS = {"track_page"}


def is_staff_page(rule: Rule) -> bool:
    """A page for staff (outside the machine paths)."""
    return not rule.rule.startswith("/api/") and rule.endpoint.split(".")[0] not in PUBLIC_PAGE_BLUEPRINTS


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_page(live_app: Flask, outsider: str) -> None:
    client = ApiClient(live_app.test_client())
    number = client.start_case()
    task = client.open_task(number)
    upload = client.post(
        f"/api/v1/cases/{number}/attachments",
        "clerk",
        data={"material_name": "经营者身份证明", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "id.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    values = {"number": number, "task_id": task["id"], "attachment_id": upload.json["id"], **OTHER_PARAMETERS}
    before = client.case(number)
    browser = Browser(live_app)
    browser.log_in(outsider)
    walked = scoped_rules(live_app, is_staff_page)
    assert ("GET", "/cases/<number>") in walked and ("POST", "/tasks/<task_id>") in walked
    for method, rule in walked:
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule)
        if method == "GET":
            response = browser.http.get(path)
        else:
            action = path.rstrip("/").rsplit("/", 1)[-1]
            body = {
                key: value() if callable(value) else value
                for key, value in PAGE_BODIES.get(action, {}).items()
            }
            response = browser.post(path, body.pop("data", {}), **body)
        assert response.status_code == 404, (outsider, method, path, response.status_code)
    after = client.case(number)
    assert after["audit"] == before["audit"]
    assert after["current_tasks"] == before["current_tasks"]

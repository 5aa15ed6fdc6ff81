"""Process drafts over /api/v1/process-drafts: an analyst's own copy of a process, saved under a
version, validated, and deployed as the next version that new cases use."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from tests.support.steps import only_task

KEY = "individual_business_registration"
DRAFTS = "/api/v1/process-drafts"


def put(client: ApiClient, path: str, user: str, body: dict[str, Any]) -> Any:
    return client.http.put(path, headers=client.headers(user), json=body)


def delete(client: ApiClient, path: str, user: str) -> Any:
    return client.http.delete(path, headers=client.headers(user))


def start(client: ApiClient, key: str = KEY, user: str = "analyst", **body: Any) -> dict[str, Any]:
    answer = client.post(DRAFTS, user, json={"process_key": key, **body})
    assert answer.status_code == 201, answer.json
    return answer.json


def versions_of(client: ApiClient, key: str = KEY) -> list[int]:
    (process,) = [p for p in client.get("/api/v1/process-definitions", "analyst").json if p["key"] == key]
    return [version["version"] for version in process["versions"]]


def make_analyst(client: ApiClient, username: str, *roles: str) -> None:
    answer = client.http.patch(
        f"/api/v1/admin/users/{username}",
        headers=client.headers("admin"),
        json={"roles": [*roles, "analyst"]},
    )
    assert answer.status_code == 200, answer.json


def test_a_draft_copies_the_deployed_version_and_is_listed_for_its_analyst(client: ApiClient) -> None:
    draft = start(client)
    deployed = client.get(f"/api/v1/process-definitions/{KEY}/versions/1", "analyst").json
    assert draft["base_version"] == 1 and draft["version"] == 1
    assert draft["name"] == "个体工商户设立登记"
    assert draft["forms"] == deployed["forms"]
    assert 'id="review"' in draft["bpmn_xml"]
    listed = client.get(DRAFTS, "analyst").json
    assert [d["id"] for d in listed] == [draft["id"]]
    assert "bpmn_xml" not in listed[0]


def test_another_analysts_draft_does_not_exist_for_them(client: ApiClient) -> None:
    draft = start(client)
    make_analyst(client, "supervisor", "supervisor")
    path = f"{DRAFTS}/{draft['id']}"
    assert client.get(path, "supervisor").status_code == 404
    assert (
        put(client, f"{path}/bpmn", "supervisor", {"bpmn_xml": draft["bpmn_xml"], "version": 1}).status_code
        == 404
    )
    assert client.post(f"{path}/deploy", "supervisor", json={}).status_code == 404
    assert delete(client, path, "supervisor").status_code == 404
    assert client.get(DRAFTS, "supervisor").json == []
    # Nor for a clerk; and a clerk may not start one.
    assert client.get(path, "clerk").status_code == 404
    assert client.post(DRAFTS, "clerk", json={"process_key": KEY}).status_code == 403
    assert client.get(path, "analyst").status_code == 200


def test_a_save_over_a_newer_version_is_409_and_keeps_the_newer(client: ApiClient) -> None:
    draft = start(client)
    path = f"{DRAFTS}/{draft['id']}/bpmn"
    first = draft["bpmn_xml"].replace('name="审核"', 'name="审核（第一个页面）"')
    saved = put(client, path, "analyst", {"bpmn_xml": first, "version": 1})
    assert saved.status_code == 200, saved.json
    assert saved.json["version"] == 2
    # A second tab still holding version 1.
    stale = put(client, path, "analyst", {"bpmn_xml": draft["bpmn_xml"], "version": 1})
    assert stale.status_code == 409
    assert stale.json["type"].endswith("stale-draft")
    again = client.get(f"{DRAFTS}/{draft['id']}", "analyst").json
    assert again["version"] == 2 and again["bpmn_xml"] == first


def test_bpmn_with_a_dtd_is_refused_and_not_stored(client: ApiClient) -> None:
    draft = start(client)
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    answer = put(client, f"{DRAFTS}/{draft['id']}/bpmn", "analyst", {"bpmn_xml": hostile, "version": 1})
    assert answer.status_code == 400
    assert client.get(f"{DRAFTS}/{draft['id']}", "analyst").json["version"] == 1


def test_a_form_must_be_draft_07_and_can_be_added_and_removed(client: ApiClient) -> None:
    draft = start(client)
    path = f"{DRAFTS}/{draft['id']}/forms/{KEY}/site_visit.json"
    invalid = put(client, path, "analyst", {"schema": {"type": "objekt"}, "version": 1})
    assert invalid.status_code == 422
    assert "schema.type" in invalid.json["errors"]  # the place that is wrong
    climbing = put(client, f"{DRAFTS}/{draft['id']}/forms/../x.json", "analyst", {"schema": {}, "version": 1})
    assert climbing.status_code in (404, 422)
    form = {"title": "现场核查", "type": "object", "properties": {"finding": {"type": "string"}}}
    saved = put(client, path, "analyst", {"schema": form, "version": 1})
    assert saved.status_code == 200, saved.json
    assert saved.json["forms"][f"{KEY}/site_visit.json"] == form
    assert put(client, path, "analyst", {"schema": form, "version": 1}).status_code == 409
    removed = delete(client, f"{path}?version=2", "analyst")
    assert removed.status_code == 200, removed.json
    assert f"{KEY}/site_visit.json" not in removed.json["forms"]


def test_validation_names_the_element_and_a_failing_deploy_changes_nothing(client: ApiClient) -> None:
    draft = start(client)
    broken = draft["bpmn_xml"].replace(f'value="{KEY}/review.json"', f'value="{KEY}/missing.json"')
    assert broken != draft["bpmn_xml"]
    assert (
        put(client, f"{DRAFTS}/{draft['id']}/bpmn", "analyst", {"bpmn_xml": broken, "version": 1}).status_code
        == 200
    )
    report = client.post(f"{DRAFTS}/{draft['id']}/validate", "analyst").json
    assert report["valid"] is False
    assert {"element_id": "review", "rule": "user-task-form"} in [
        {"element_id": f["element_id"], "rule": f["rule"]} for f in report["errors"]
    ]
    refused = client.post(f"{DRAFTS}/{draft['id']}/deploy", "analyst", json={"comment": "坏的"})
    assert refused.status_code == 422
    assert "review" in refused.json["errors"]
    assert versions_of(client) == [1]
    assert client.get(f"{DRAFTS}/{draft['id']}", "analyst").json["version"] == 2


def test_a_deploy_makes_the_next_version_that_new_cases_use(client: ApiClient) -> None:
    before = client.start_case()
    draft = start(client)
    changed = draft["bpmn_xml"].replace('name="审核"', 'name="审核（新版）"')
    assert changed != draft["bpmn_xml"]
    assert (
        put(
            client, f"{DRAFTS}/{draft['id']}/bpmn", "analyst", {"bpmn_xml": changed, "version": 1}
        ).status_code
        == 200
    )
    deployed = client.post(f"{DRAFTS}/{draft['id']}/deploy", "analyst", json={"comment": "审查改名"})
    assert deployed.status_code == 201, deployed.json
    assert deployed.json["version"] == 2 and deployed.json["comment"] == "审查改名"
    assert deployed.json["deployed_by"]["username"] == "analyst"
    assert versions_of(client) == [1, 2]
    again = client.get(f"{DRAFTS}/{draft['id']}", "analyst").json
    assert again["base_version"] == 2
    # The draft now equals version 2: deploying it again makes nothing.
    unchanged = client.post(f"{DRAFTS}/{draft['id']}/deploy", "analyst", json={})
    assert unchanged.status_code == 409 and versions_of(client) == [1, 2]
    # New cases run version 2; the case started before keeps version 1.
    after = client.start_case()
    assert client.case(after)["process"]["version"] == 2
    assert client.case(before)["process"]["version"] == 1
    assert only_task(client, after, "受理")


def test_a_deploy_over_a_version_deployed_meanwhile_needs_confirming(client: ApiClient) -> None:
    mine = start(client)
    make_analyst(client, "supervisor", "supervisor")
    theirs = start(client, user="supervisor")
    renamed = theirs["bpmn_xml"].replace('name="审核"', 'name="审核（他人）"')
    put(client, f"{DRAFTS}/{theirs['id']}/bpmn", "supervisor", {"bpmn_xml": renamed, "version": 1})
    assert client.post(f"{DRAFTS}/{theirs['id']}/deploy", "supervisor", json={}).status_code == 201
    mine_changed = mine["bpmn_xml"].replace('name="审核"', 'name="审核（我的）"')
    put(client, f"{DRAFTS}/{mine['id']}/bpmn", "analyst", {"bpmn_xml": mine_changed, "version": 1})
    refused = client.post(f"{DRAFTS}/{mine['id']}/deploy", "analyst", json={})
    assert refused.status_code == 409 and refused.json["latest_version"] == 2
    assert versions_of(client) == [1, 2]
    confirmed = client.post(f"{DRAFTS}/{mine['id']}/deploy", "analyst", json={"latest_version": 2})
    assert confirmed.status_code == 201 and confirmed.json["version"] == 3


def test_a_new_process_starts_from_a_valid_template_and_keeps_its_key(client: ApiClient) -> None:
    draft = start(client, "street_stall_permit")
    assert draft["base_version"] is None
    assert set(draft["forms"]) == {
        "street_stall_permit/application.json",
        "street_stall_permit/handling.json",
    }
    report = client.post(f"{DRAFTS}/{draft['id']}/validate", "analyst").json
    assert report["valid"] is True, report["errors"]
    other = (
        draft["bpmn_xml"]
        .replace('id="street_stall_permit"', 'id="another_process"')
        .replace('processRef="street_stall_permit"', 'processRef="another_process"')
    )
    put(client, f"{DRAFTS}/{draft['id']}/bpmn", "analyst", {"bpmn_xml": other, "version": 1})
    report = client.post(f"{DRAFTS}/{draft['id']}/validate", "analyst").json
    assert [f["rule"] for f in report["errors"]] == ["draft-process-key"]
    assert client.post(DRAFTS, "analyst", json={"process_key": "Bad Key"}).status_code == 422
    assert client.post(DRAFTS, "analyst", json={"process_key": KEY, "from_version": 9}).status_code == 404


def test_a_discarded_draft_is_gone(client: ApiClient) -> None:
    draft = start(client)
    assert delete(client, f"{DRAFTS}/{draft['id']}", "analyst").status_code == 204
    assert client.get(f"{DRAFTS}/{draft['id']}", "analyst").status_code == 404
    assert versions_of(client) == [1]


def test_the_modeler_page_and_its_json_actions_are_the_analysts_own(app: Flask) -> None:
    analyst = Browser(app)
    analyst.log_in("analyst")
    analyst.get("/processes")
    started = analyst.post("/processes/drafts", {"process_key": KEY, "from_version": "1"})
    assert started.status_code == 302
    path = started.headers["Location"]
    page = analyst.get(path)
    assert page.status_code == 200
    assert 'id="modeler-config"' in page_text(page) and "vendor/bpmn-modeler/bpmn-modeler.js" in page_text(
        page
    )
    assert KEY in page_text(analyst.get("/processes/drafts"))
    headers = {"X-CSRFToken": analyst.token, "Accept": "application/json"}
    assert "review" in page_text(page).split('"bpmnXml": ')[1]  # the diagram rides in the page's config
    stale = analyst.http.put(f"{path}/bpmn", json={"bpmn_xml": "<x/>", "version": 7}, headers=headers)
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    report = analyst.http.post(f"{path}/validate", headers=headers)
    assert report.status_code == 200 and report.json["valid"] is True
    clerk = Browser(app)
    clerk.log_in("clerk")
    assert clerk.get(path).status_code == 404
    assert clerk.http.post(f"{path}/validate", headers={"X-CSRFToken": clerk.token}).status_code == 404

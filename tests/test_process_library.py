"""The process library: every definition with its versions (who deployed, when, why, running cases),
each version's diagram and downloads — the analyst's home page, and /api/v1/process-definitions."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from tests.support.statements import counted_statements
from workflow_service.config import PROJECT_ROOT

KEY = "individual_business_registration"
BPMN = PROJECT_ROOT / "bpmn" / f"{KEY}.bpmn"
FORMS = PROJECT_ROOT / "forms" / KEY
# The bearer token (with its user), then the library's two: the versions with their deployers, and
# the running cases of all versions in one GROUP BY.
LIBRARY_STATEMENTS = 3


def deploy_changed_review_form(client: ApiClient, comment: str = "审核意见至少 10 个字") -> dict[str, Any]:
    """A new version of 个体工商户设立登记 by the analyst: the review form asks for a longer opinion."""
    review = json.loads((FORMS / "review.json").read_text(encoding="utf-8"))
    review["properties"]["review_opinion"]["minLength"] = 10
    parts: dict[str, Any] = {
        "bpmn": (io.BytesIO(BPMN.read_bytes()), BPMN.name),
        f"{KEY}/review.json": (io.BytesIO(json.dumps(review, ensure_ascii=False).encode()), "review.json"),
        "comment": comment,
    }
    answer = client.post(
        "/api/v1/process-definitions", "analyst", data=parts, content_type="multipart/form-data"
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def versions(client: ApiClient, user: str = "analyst") -> dict[int, dict[str, Any]]:
    answer = client.get("/api/v1/process-definitions", user)
    assert answer.status_code == 200, answer.json
    (process,) = [process for process in answer.json if process["key"] == KEY]
    return {version["version"]: version for version in process["versions"]}


def test_every_deployed_process_is_listed_with_its_versions(client: ApiClient) -> None:
    listed = client.get("/api/v1/process-definitions", "analyst").json
    assert {process["key"] for process in listed} == {
        path.stem for path in (PROJECT_ROOT / "bpmn").glob("*.bpmn")
    }
    (card,) = [process for process in listed if process["key"] == "senior_citizen_card"]
    assert card["name"] == "老年人优待证"
    assert card["latest_version"] == 1
    (first,) = card["versions"]
    # The template deployed from the command line: nobody, no comment.
    assert first["deployed_by"] is None and first["comment"] is None and first["running_cases"] == 0


def test_a_deploy_by_an_analyst_is_a_new_version_with_its_author_and_comment(client: ApiClient) -> None:
    running = client.start_case()
    assert deploy_changed_review_form(client) == {"key": KEY, "version": 2, "created": True}
    newer = client.start_case()
    client.start_case()
    found = versions(client, "supervisor")
    assert found[1]["running_cases"] == 1
    assert found[2]["running_cases"] == 2
    assert found[2]["deployed_by"] == {"username": "analyst", "full_name": "流程管理员 李明"}
    assert found[2]["comment"] == "审核意见至少 10 个字"
    assert client.case(running)["process"]["version"] == 1
    assert client.case(newer)["process"]["version"] == 2
    # The same content again is no new version.
    assert deploy_changed_review_form(client, "再次部署")["created"] is False
    assert sorted(versions(client)) == [1, 2]


def test_an_ended_case_no_longer_counts_as_running(client: ApiClient) -> None:
    number = client.start_case()
    assert versions(client)[1]["running_cases"] == 1
    assert (
        client.post(f"/api/v1/cases/{number}/withdraw", "clerk", json={"reason": "申请人撤回"}).status_code
        == 200
    )
    assert versions(client)[1]["running_cases"] == 0


def test_a_version_with_its_forms_and_downloads(client: ApiClient) -> None:
    version = client.get(f"/api/v1/process-definitions/{KEY}/versions/1", "admin").json
    assert version["key"] == KEY and version["version"] == 1
    assert version["start_form_key"] == f"{KEY}/application.json"
    assert version["forms"][f"{KEY}/review.json"]["type"] == "object"
    bpmn = client.get(f"/api/v1/process-definitions/{KEY}/versions/1/bpmn", "analyst")
    assert bpmn.status_code == 200 and bpmn.mimetype == "application/xml"
    assert "attachment" in bpmn.headers["Content-Disposition"]
    assert bpmn.get_data(as_text=True) == BPMN.read_text(encoding="utf-8")
    forms = client.get(f"/api/v1/process-definitions/{KEY}/versions/1/forms", "analyst")
    assert forms.mimetype == "application/json"
    assert json.loads(forms.get_data(as_text=True)) == version["forms"]


def test_a_version_that_does_not_exist_is_404(client: ApiClient) -> None:
    assert client.get(f"/api/v1/process-definitions/{KEY}/versions/9", "analyst").status_code == 404
    assert client.get("/api/v1/process-definitions/nothing/versions/1/bpmn", "analyst").status_code == 404


@pytest.mark.parametrize("user", ["clerk", "approver"])
def test_staff_without_the_library_roles_may_not_read_it(client: ApiClient, user: str) -> None:
    assert client.get("/api/v1/process-definitions", user).status_code == 403
    assert client.get(f"/api/v1/process-definitions/{KEY}/versions/1", user).status_code == 403


def test_the_list_takes_the_same_statements_however_many_versions(app: Flask, client: ApiClient) -> None:
    headers = client.headers("analyst")
    with counted_statements(app) as before:
        assert client.http.get("/api/v1/process-definitions", headers=headers).status_code == 200
    deploy_changed_review_form(client)
    client.start_case()
    with counted_statements(app) as after:
        assert client.http.get("/api/v1/process-definitions", headers=headers).status_code == 200
    assert len(after) == len(before) <= LIBRARY_STATEMENTS
    assert sum("GROUP BY" in statement for statement in after) == 1


def test_an_analyst_lands_on_the_process_library(app: Flask) -> None:
    browser = Browser(app)
    answer = browser.log_in("analyst")
    assert answer.headers["Location"].endswith("/processes")
    page = page_text(browser.get("/processes"))
    assert "流程库" in page and "个体工商户设立登记" in page and "命令行部署" in page
    assert f"/processes/{KEY}/1/download.bpmn" in page and f"/processes/{KEY}/1/forms.json" in page


def test_a_version_page_shows_its_diagram_and_forms(app: Flask) -> None:
    browser = Browser(app)
    browser.log_in("supervisor")
    page = page_text(browser.get(f"/processes/{KEY}/1"))
    assert f'data-src="/processes/{KEY}/1/diagram.bpmn"' in page
    assert "bpmn-navigated-viewer.production.min.js" in page
    assert f"{KEY}/review.json" in page
    diagram = browser.get(f"/processes/{KEY}/1/diagram.bpmn")
    assert diagram.mimetype == "application/xml" and b"bpmn:definitions" in diagram.data
    download = browser.get(f"/processes/{KEY}/1/download.bpmn")
    assert download.headers["Content-Disposition"].startswith("attachment")
    forms = browser.get(f"/processes/{KEY}/1/forms.json")
    assert f"{KEY}/application.json" in json.loads(forms.get_data(as_text=True))


def test_a_clerk_does_not_see_the_library(app: Flask) -> None:
    browser = Browser(app)
    browser.log_in("clerk")
    assert "nav-processes" not in page_text(browser.get("/inbox"))
    assert browser.get("/processes").status_code == 403

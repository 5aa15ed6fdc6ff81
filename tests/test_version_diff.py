"""The diff between two versions of a process: elements by id, forms by field."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from tests.support.versions import KEY, install_version_one, install_version_two

DIFF = f"/api/v1/process-definitions/{KEY}/diff"


@pytest.fixture
def two_versions(app: Flask, tmp_path: Path) -> None:
    install_version_one(app, tmp_path)
    install_version_two(app, tmp_path)


def test_the_diff_lists_added_removed_and_changed_elements_and_forms(
    client: ApiClient, two_versions: None
) -> None:
    response = client.get(DIFF, "analyst", query_string={"from": 1, "to": 2})
    assert response.status_code == 200, response.json
    diff = response.json
    added = {row["element_id"]: row for row in diff["added"]}
    assert added["review"]["type"] == "userTask"
    assert added["review"]["name"] == "复审"
    removed = {row["element_id"] for row in diff["removed"]}
    assert "confirm" in removed
    changed = {row["element_id"]: row["changes"] for row in diff["changed"]}
    assert changed["check"]["name"] == ["核对", "核对材料"]
    assert diff["forms_added"] == ["migration_test/review.json"]
    assert diff["forms_changed"] == [
        {
            "form_key": "migration_test/check.json",
            "added_fields": ["checked"],
            "removed_fields": [],
            "changed_fields": [],
        }
    ]


def test_lanes_properties_and_conditions_count_as_changes(client: ApiClient, two_versions: None) -> None:
    diff = client.get(DIFF, "analyst", query_string={"from": 1, "to": 2}).json
    changed = {row["element_id"]: row["changes"] for row in diff["changed"]}
    # The flow after 核对 now leads to 复审 instead of 确认.
    flows = [changes for changes in changed.values() if "target" in changes]
    assert ["confirm", "review"] in [changes["target"] for changes in flows]
    # Read backwards, the diff is the mirror image.
    back = client.get(DIFF, "analyst", query_string={"from": 2, "to": 1}).json
    assert {row["element_id"] for row in back["added"]} >= {"confirm"}
    assert back["forms_removed"] == ["migration_test/review.json"]


def test_a_supervisor_reads_the_diff_and_a_clerk_may_not(client: ApiClient, two_versions: None) -> None:
    assert client.get(DIFF, "supervisor", query_string={"from": 1, "to": 2}).status_code == 200
    assert client.get(DIFF, "clerk", query_string={"from": 1, "to": 2}).status_code == 403


def test_by_default_the_latest_version_is_compared_with_the_one_before(
    client: ApiClient, two_versions: None
) -> None:
    diff = client.get(DIFF, "analyst").json
    assert (diff["from_version"], diff["to_version"]) == (1, 2)


def test_a_missing_version_is_404_and_a_version_below_one_422(client: ApiClient, two_versions: None) -> None:
    assert client.get(DIFF, "analyst", query_string={"from": 1, "to": 7}).status_code == 404
    assert client.get(DIFF, "analyst", query_string={"from": 0}).status_code == 422


def test_the_version_page_offers_to_compare_and_the_compare_page_marks_both_diagrams(
    app: Flask, two_versions: None
) -> None:
    browser = Browser(app)
    browser.log_in("analyst")
    version = page_text(browser.get(f"/processes/{KEY}/1"))
    assert 'data-testid="compare-with"' in version
    page = browser.get(f"/processes/{KEY}/compare", query_string={"from": 1, "to": 2})
    assert page.status_code == 200
    text = page_text(page)
    assert f'data-src="/processes/{KEY}/1/diagram.bpmn"' in text
    assert f'data-src="/processes/{KEY}/2/diagram.bpmn"' in text
    assert '"confirm": "diff-removed"' in text  # marked on the old diagram
    assert '"review": "diff-added"' in text  # marked on the new one
    assert '"check": "diff-changed"' in text
    assert "新增字段 checked" in text
    assert "<script>" not in text  # data only: the viewer script marks them (CSP script-src 'self')

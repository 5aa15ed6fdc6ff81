"""Versions in a real browser: two versions of 个体工商户设立登记 compared with the changes marked on
both diagrams, and a running case moved to the new version with the progress panel."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import make_app
from tests.support.api import ApiClient, HttpClient
from tests.support.browser import people
from tests.support.live import Server
from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db
from workflow_service.services.process.deployment import deploy_process

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live
KEY = "individual_business_registration"


def test_an_analyst_compares_two_versions_and_moves_a_running_case(
    people: object, server: Server, live_database_url: str
) -> None:
    number = ApiClient(HttpClient(server.base)).start_case()
    app = make_app(live_database_url)
    bpmn = (PROJECT_ROOT / "bpmn" / f"{KEY}.bpmn").read_text(encoding="utf-8")
    with app.app_context():
        renamed = bpmn.replace(
            'userTask id="review" name="审核"', 'userTask id="review" name="审核（实质审查）"'
        )
        deploy_process(renamed, f"{KEY}.bpmn", PROJECT_ROOT / "forms", comment="审核改名")
        db.session.remove()
        db.engine.dispose()

    analyst = people("analyst")  # type: ignore[operator]
    page = analyst.go(f"/processes/{KEY}/1")
    page.get_by_test_id("compare-with").get_by_role("button", name="比较").click()
    old, new = page.get_by_test_id("diagram-1"), page.get_by_test_id("diagram-2")
    expect(old).to_have_attribute("data-ready", "1")
    expect(new).to_have_attribute("data-ready", "1")
    expect(old.locator(".djs-element.diff-changed[data-element-id='review']")).to_have_count(1)
    expect(new.locator(".djs-element.diff-changed[data-element-id='review']")).to_have_count(1)
    expect(page.get_by_test_id("element-changes")).to_contain_text("审核（实质审查）")
    analyst.shot("process-compare", "process-compare")

    page = analyst.go(f"/processes/{KEY}/1")
    page.get_by_test_id("migrate").click()
    expect(page.get_by_test_id("movable")).to_contain_text(number)
    page.get_by_test_id("start-migration").click()
    expect(page.get_by_test_id("migration-done")).to_be_visible()
    expect(page.get_by_test_id("migration-progress")).to_contain_text("已迁移 1 件，未迁移 0 件，共 1 件")
    analyst.shot("process-migration", "process-migration")
    page.get_by_role("link", name="刷新").click()
    expect(page.get_by_test_id("moves")).to_contain_text(number)

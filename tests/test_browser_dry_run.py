"""Trying a version in a real browser: the analyst opens it from the process library, picks a
township and the outcomes, runs it, and sees the path walked on the diagram and each step's
organisation, status and clock in the table — and no case appears anywhere."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.api import HENGDIAN, ApiClient, HttpClient
from tests.support.browser import people
from tests.support.live import Server

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live
KEY = "individual_business_registration"


def test_an_analyst_tries_a_version_for_a_township_with_a_supplement_round(
    people: object, server: Server
) -> None:
    analyst = people("analyst")  # type: ignore[operator]
    page = analyst.go(f"/processes/{KEY}/1")
    page.get_by_test_id("try-version").click()
    expect(page.get_by_test_id("sample")).to_contain_text('"business_name"')  # prefilled from the forms
    page.get_by_test_id("township").select_option(HENGDIAN)
    page.get_by_test_id("decision-review").fill("退回窗口补正，准予登记")
    page.get_by_test_id("run").click()

    expect(page.get_by_test_id("end")).to_contain_text("已出件")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "1")
    for element in ("acceptance", "review", "review_supplement", "issuance", "end_issued"):
        expect(diagram.locator(f".djs-element.done[data-element-id='{element}']")).to_have_count(1)
    expect(diagram.locator(".djs-element.done[data-element-id='end_not_accepted']")).to_have_count(0)

    steps = page.get_by_test_id("step")
    expect(steps).to_have_count(7)
    review = steps.nth(2)
    expect(review.get_by_test_id("organisation")).to_have_text("东阳市市场监督管理局横店市场监管所")
    expect(review.get_by_test_id("status")).to_have_text("审查")
    supplement = steps.nth(3)
    expect(supplement).to_contain_text("退回补正材料收取")
    expect(supplement.get_by_test_id("organisation")).to_have_text("横店镇便民服务中心")
    expect(supplement.get_by_test_id("clock")).to_have_text("暂停计时")
    page.get_by_test_id("outcome").scroll_into_view_if_needed()
    analyst.shot("process-try", "process-try")
    diagram.scroll_into_view_if_needed()
    analyst.shot("process-try-diagram", "process-try-diagram")

    # A township whose county has no 民政局: the 低保 review is a finding, marked on the diagram.
    page = analyst.go("/processes/minimum_living_allowance/versions/1/try")
    page.get_by_test_id("township").select_option("330803001")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("findings-count")).to_contain_text("1")
    expect(page.locator("tr.finding")).to_contain_text("衢江区没有主管部门")
    expect(page.locator("#diagram .djs-element.dry-finding")).to_have_count(1)

    clerk = ApiClient(HttpClient(server.base), password="demo")
    assert clerk.get("/api/v1/tasks", "clerk-hengdian").json == []  # no case was written


def test_an_analyst_tries_a_draft_whose_new_lane_no_router_knows(people: object, server: Server) -> None:
    api = ApiClient(HttpClient(server.base), password="demo")
    draft = api.post("/api/v1/process-drafts", "analyst", json={"process_key": KEY}).json
    edited = draft["bpmn_xml"].replace('name="department"', 'name="legal_office"')
    saved = api.http.put(
        f"/api/v1/process-drafts/{draft['id']}/bpmn",
        headers=api.headers("analyst"),
        json={"bpmn_xml": edited, "version": draft["version"]},
    )
    assert saved.status_code == 200, saved.json

    analyst = people("analyst")  # type: ignore[operator]
    page = analyst.go(f"/processes/drafts/{draft['id']}/try")
    expect(page.locator("h1")).to_contain_text("草稿")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("end")).to_contain_text("已出件")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "1")
    review = page.locator("tr.finding[data-element='review']")
    expect(review).to_contain_text("未知泳道 'legal_office'")
    expect(page.locator("#diagram .djs-element.dry-finding[data-element-id='review']")).to_have_count(1)

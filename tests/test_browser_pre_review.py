"""预审 in a real browser: the township window's clerk turns an online application away with a reason."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.support.api import HENGDIAN
from tests.support.applications import application_body, headers_for, portal_client, submit
from tests.support.browser import json_field, people
from tests.support.live import Server

__all__ = ["people"]  # the fixture, imported for pytest

pytestmark = pytest.mark.live

REASON = "申请事项为食品经营，不属于个体工商户设立登记"


def test_the_clerk_turns_an_online_application_away_at_pre_review(
    people: object, server: Server, live_app: Flask
) -> None:
    api = server.api()
    answer = submit(
        api, headers_for(api, portal_client(live_app)), application_body(matter_township=HENGDIAN)
    )
    assert answer.status_code == 201, answer.json
    number = answer.json["number"]

    clerk = people("clerk-hengdian")  # type: ignore[operator]
    page = clerk.go("/window")
    expect(page.get_by_test_id("to-accept")).to_contain_text(number)
    expect(page.get_by_test_id("to-accept")).to_contain_text("预审")
    page.get_by_test_id("to-accept").get_by_role("link", name="预审", exact=True).click()
    expect(page.locator("#task-form[data-ready='1']")).to_be_attached()
    expect(json_field(page, "failure_reason")).to_be_hidden()
    json_field(page, "pre_review_decision").select_option(label="不通过 / Fail")
    json_field(page, "failure_reason").fill(REASON)
    clerk.shot("pre-review-fail", "task")
    page.get_by_role("button", name="提交“预审”结果").click()
    expect(page.locator("body")).to_contain_text("预审不通过")
    expect(page.locator("body")).to_contain_text(REASON)

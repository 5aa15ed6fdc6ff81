"""退件 reads 退件 wherever a person or a portal sees it; the window's refusal stays 不予受理."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from tests.support.steps import only_task

REFUSE = {"acceptance_decision": "refuse", "refusal_reason": "不属于本窗口受理范围"}


@pytest.fixture
def app(live_app: Flask) -> Flask:
    return live_app


def returned_case(client: ApiClient) -> str:
    number = client.start_case()
    response = client.post(f"/api/v1/cases/{number}/return", "clerk", json={"reason": "申请人放弃申请"})
    assert response.status_code == 200, response.json
    return number


def refused_case(client: ApiClient) -> str:
    number = client.start_case()
    task = only_task(client, number, "受理")
    assert client.complete(task["id"], "clerk", REFUSE).status_code == 200
    return number


def test_the_api_labels_a_returned_case_and_its_history_退件(client: ApiClient) -> None:
    case = client.case(returned_case(client))
    assert case["status"] == {"code": "returned", "label": "退件"}
    assert case["status_history"][-1]["status"] == {"code": "returned", "label": "退件"}
    assert case["result"]["label"] == "退件"
    refused = client.case(refused_case(client))
    assert refused["status"] == {"code": "not_accepted", "label": "不予受理"}


def test_the_pages_show_退件_not_不予受理(app: Flask, client: ApiClient) -> None:
    returned, refused = returned_case(client), refused_case(client)
    browser = Browser(app)
    browser.log_in("clerk")
    page = page_text(browser.get(f"/cases/{returned}"))
    assert re.search(r'<span class="badge[^"]*">退件</span>', page)
    assert "→ 退件" in page  # the timeline's status change
    assert not re.search(r'<span class="badge[^"]*">不予受理</span>', page)
    window = page_text(browser.get("/window?status=returned"))
    assert returned in window and refused not in window
    assert re.search(r'<option value="returned" selected>退件</option>', window)
    assert re.search(r'<span class="badge[^"]*">不予受理</span>', page_text(browser.get(f"/cases/{refused}")))

"""改派 on the pages: a supervisor moves an open task from the case or the task page; nobody else sees the form.

Over the test client with ``live_app`` (see tests/test_web_pages.py); the rule itself is tested over
the API in tests/test_reassignment.py.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from workflow_service.extensions import db
from workflow_service.models import Organisation, User
from workflow_service.services.directory.passwords import hash_password

LIUSHI_STATION = "330783-scjgj-liushi"  # a station of the same department, staffed by approver-liushi
REASON = "吴宁市场监管所人手不足，临时改派"


@pytest.fixture
def client(live_app: Flask) -> ApiClient:
    return ApiClient(live_app.test_client())


def under_review(client: ApiClient) -> tuple[str, dict]:
    """A case accepted at the 吴宁 window, its 审核 task open at the back office routing chose."""
    number = client.start_case()
    accept = client.open_task(number)
    assert client.complete(accept["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    review = client.open_task(number, "supervisor")
    assert review["name"] == "审核" and review["organisation"]["code"] != LIUSHI_STATION
    return number, review


def logged_in(app: Flask, username: str) -> Browser:
    browser = Browser(app)
    browser.log_in(username)
    return browser


def choices(html: str) -> list[str]:
    """The organisations the 改派 select offers, by code."""
    select_html = re.search(r'<select id="reassign-[^"]+-organisation".*?</select>', html, re.S)
    assert select_html, "no 改派 form"
    return [code for code in re.findall(r'<option value="([^"]*)"', select_html.group(0)) if code]


def test_supervisor_reassigns_a_review_task_from_the_case_page(live_app: Flask, client: ApiClient) -> None:
    number, review = under_review(client)
    supervisor = logged_in(live_app, "supervisor")
    page = page_text(supervisor.get(f"/cases/{number}"))
    assert "改派“审核”" in page
    offered = choices(page)
    # Stations and the county bureau of the same department, staffed; never the one it is at,
    # another kind of office, or another county's bureau.
    assert LIUSHI_STATION in offered and "330783-scjgj" in offered
    assert review["organisation"]["code"] not in offered
    assert not {"330783-zwfwb", "330783001-bmfwzx", "330803-scjgj"} & set(offered)

    response = supervisor.post(
        f"/tasks/{review['id']}/reassign", {"organisation": LIUSHI_STATION, "reason": REASON, "from": "case"}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{number}"
    after = page_text(supervisor.get(f"/cases/{number}"))
    assert "“审核”已改派至 东阳市市场监督管理局六石市场监管所" in after
    assert f"改派任务：审核（{REASON}）" in after  # the timeline's audit line
    assert [task["id"] for task in client.inbox("approver-liushi")] == [review["id"]]
    assert review["id"] not in [task["id"] for task in client.inbox("approver")]


def test_a_missing_reason_comes_back_at_its_field_with_the_choice_kept(
    live_app: Flask, client: ApiClient
) -> None:
    number, review = under_review(client)
    supervisor = logged_in(live_app, "supervisor")
    supervisor.get(f"/cases/{number}")
    for page in ("case", "task"):
        response = supervisor.post(
            f"/tasks/{review['id']}/reassign", {"organisation": LIUSHI_STATION, "reason": " ", "from": page}
        )
        assert response.status_code == 422, page
        html = page_text(response)
        error = re.search(rf'id="reassign-{review["id"]}-err-reason">([^<]*)<', html)
        assert error and error.group(1) == "必填", page
        assert f'<option value="{LIUSHI_STATION}" selected>' in html, page
        assert '<details class="reassign" data-testid="reassign" open>' in html, page
    # The task page came back as the task page.
    assert "办理“审核”" in html
    assert client.open_task(number, "supervisor")["organisation"] == review["organisation"]


def test_a_clerk_sees_no_form_and_is_refused(live_app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    clerk = logged_in(live_app, "clerk")
    assert 'data-testid="reassign"' not in page_text(clerk.get(f"/cases/{number}"))
    assert 'data-testid="reassign"' not in page_text(clerk.get(f"/tasks/{task['id']}"))
    refused = clerk.post(
        f"/tasks/{task['id']}/reassign", {"organisation": "330783111-bmfwzx", "reason": REASON}
    )
    assert refused.status_code == 403
    assert "只有督办人员可以改派任务" in page_text(refused)
    assert client.open_task(number)["organisation"]["code"] == "330783001-bmfwzx"


def test_a_finished_task_is_refused_readably(live_app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    accept = client.open_task(number)
    supervisor = logged_in(live_app, "supervisor")
    assert 'data-testid="reassign"' in page_text(supervisor.get(f"/tasks/{accept['id']}"))
    assert client.complete(accept["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    refused = supervisor.post(
        f"/tasks/{accept['id']}/reassign", {"organisation": "330783111-bmfwzx", "reason": REASON}
    )
    assert refused.status_code == 409
    assert "任务已办理或已取消" in page_text(refused)


def test_a_supervisor_of_another_county_gets_404(live_app: Flask, client: ApiClient) -> None:
    # The demo has no supervisor outside 东阳: one is added at 衢江区市场监管局.
    with live_app.app_context():
        bureau = db.session.execute(
            select(Organisation).where(Organisation.code == "330803-scjgj")
        ).scalar_one()
        db.session.add(
            User(
                username="supervisor-qj",
                full_name="衢江区督办员",
                password_hash=hash_password("demo"),
                organisation_id=bureau.id,
                roles=["supervisor"],
            )
        )
        db.session.commit()
    number, review = under_review(client)
    outsider = logged_in(live_app, "supervisor-qj")
    assert outsider.get(f"/cases/{number}").status_code == 404
    response = outsider.post(
        f"/tasks/{review['id']}/reassign", {"organisation": LIUSHI_STATION, "reason": REASON}
    )
    assert response.status_code == 404
    assert client.open_task(number, "supervisor")["organisation"] == review["organisation"]


def test_a_township_command_room_gets_no_form_for_a_county_review(live_app: Flask, client: ApiClient) -> None:
    number, review = under_review(client)
    command = logged_in(live_app, "command")
    page = page_text(command.get(f"/cases/{number}"))
    assert "审核" in page and 'data-testid="reassign"' not in page
    refused = command.post(
        f"/tasks/{review['id']}/reassign", {"organisation": LIUSHI_STATION, "reason": REASON, "from": "case"}
    )
    assert refused.status_code == 403
    assert "不在本人督办范围内" in page_text(refused)
    assert client.open_task(number, "supervisor")["organisation"] == review["organisation"]


def test_the_form_offers_only_organisations_within_the_supervisors_scope(
    live_app: Flask, client: ApiClient
) -> None:
    number = client.start_case()
    window_task = client.open_task(number)
    county = choices(page_text(logged_in(live_app, "supervisor").get(f"/tasks/{window_task['id']}")))
    assert "330783111-bmfwzx" in county  # another township's window, in the county
    # 吴宁's command room: its township has one window, the task's own, so nothing is offered.
    page = page_text(logged_in(live_app, "command").get(f"/tasks/{window_task['id']}"))
    assert 'data-testid="reassign"' in page and "没有可接收此任务的机构" in page
    assert "330783111-bmfwzx" not in page

"""The header's inbox figures (new, due soon) and the open inbox page's notice of arrivals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from workflow_service.extensions import db
from workflow_service.models import Task
from workflow_service.services.clock import business_day
from workflow_service.services.work import inbox


@pytest.fixture
def app(live_app: Flask) -> Flask:
    return live_app


def badge(page: str, test_id: str) -> str | None:
    found = re.search(rf'data-testid="{test_id}"[^>]*>([^<]+)<', page)
    return found.group(1).strip() if found else None


def set_due(app: Flask, task_id: str, days_from_today: int) -> None:
    with app.app_context():
        due = business_day() + timedelta(days=days_from_today)
        db.session.execute(update(Task).where(Task.id == task_id).values(due_date=due))
        db.session.commit()


def test_header_counts_new_tasks_until_the_unclaimed_tab_is_opened(
    browser: Browser, client: ApiClient
) -> None:
    browser.log_in("clerk")
    quiet = page_text(browser.get("/window"))
    assert badge(quiet, "inbox-count") is None and badge(quiet, "new-count") is None

    client.start_case()
    client.start_case()
    page = page_text(browser.get("/window"))
    assert badge(page, "inbox-count") == "2" and badge(page, "new-count") == "新 2"

    browser.get("/inbox?tab=unclaimed")
    seen = page_text(browser.get("/window"))
    assert badge(seen, "inbox-count") == "2" and badge(seen, "new-count") is None

    client.start_case()
    fragment = page_text(browser.get("/inbox/counts"))
    assert 'hx-trigger="every 60s' in fragment  # the header keeps polling itself
    assert badge(fragment, "inbox-count") == "3" and badge(fragment, "new-count") == "新 1"


def test_tasks_due_soon_or_overdue_are_counted_and_have_their_own_tab(
    app: Flask, browser: Browser, client: ApiClient
) -> None:
    overdue, far, soon = (client.start_case() for _ in range(3))
    set_due(app, client.open_task(overdue)["id"], -3)
    set_due(app, client.open_task(far)["id"], 60)
    set_due(app, client.open_task(soon)["id"], 0)  # due today: within any warning period
    browser.log_in("clerk")
    page = page_text(browser.get("/window"))
    assert badge(page, "due-soon-count") == "将到期 2"

    due_tab = page_text(browser.get("/inbox?tab=due"))
    assert overdue in due_tab and soon in due_tab and far not in due_tab
    assert due_tab.index(overdue) < due_tab.index(soon)  # overdue first

    # Another window's clerk sees none of it.
    outsider = Browser(browser.http.application)
    outsider.log_in("clerk-hengdian")
    assert badge(page_text(outsider.get("/services")), "due-soon-count") is None


def test_an_open_inbox_offers_a_refresh_when_tasks_arrive_in_its_view(
    browser: Browser, client: ApiClient
) -> None:
    browser.log_in("clerk")
    opened = page_text(browser.get("/inbox?tab=unclaimed"))
    since = re.search(r'/inbox/arrivals\?[^"]*since=([^"&]+)', opened)
    assert since, "the inbox page polls for arrivals"
    poll = f"/inbox/arrivals?tab=unclaimed&since={since.group(1)}"
    assert "新任务" not in page_text(browser.get(poll))

    number = client.start_case()
    notice = page_text(browser.get(poll))
    assert "有 1 个新任务到达" in notice and "刷新列表" in notice
    assert number not in notice  # the rows stay put until the clerk refreshes
    # The arrival belongs to the unclaimed view, not to the clerk's own claimed tasks.
    assert "新任务" not in page_text(browser.get(poll.replace("tab=unclaimed", "tab=mine")))
    later = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    assert "新任务" not in page_text(
        browser.get("/inbox/arrivals", query_string={"tab": "unclaimed", "since": later})
    )


def test_header_figures_stop_counting_past_the_cap(
    browser: Browser, client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every page counts; past the cap the header says "N+" instead of reading the whole inbox.
    monkeypatch.setattr(inbox, "COUNT_CAP", 2)
    for _ in range(3):
        client.start_case()
    browser.log_in("clerk")
    page = page_text(browser.get("/inbox?tab=mine"))
    assert badge(page, "inbox-count") == "2+" and badge(page, "new-count") == "新 2+"
    assert '<span id="tab-count-unclaimed">(2+)</span>' in page


def test_the_case_page_states_whether_the_clock_runs(browser: Browser, client: ApiClient) -> None:
    number = client.start_case()
    browser.log_in("clerk")
    assert 'data-clock="not_started"' in page_text(browser.get(f"/cases/{number}"))

    task = client.open_task(number)
    assert client.complete(task["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    running = page_text(browser.get(f"/cases/{number}"))
    assert 'data-clock="running"' in running and "计时中" in running and "剩 " in running

    inspection = {"kind": "inspection", "reason": "经营场所需现场核查", "expected_days": 2}
    assert client.post(f"/api/v1/cases/{number}/suspend", "approver", json=inspection).status_code == 200
    paused = page_text(browser.get(f"/cases/{number}"))
    assert 'data-clock="paused"' in paused and "补正或中止期间不计时" in paused


def test_a_poll_after_the_session_ended_opens_the_login_page_instead_of_filling_the_header(
    browser: Browser,
) -> None:
    browser.log_in("clerk")
    browser.post("/logout")
    for poll in ("/inbox/counts", "/inbox/arrivals?tab=unclaimed"):
        answer = browser.get(poll, headers={"HX-Request": "true"})
        assert answer.status_code == 204 and answer.headers["HX-Redirect"].startswith("/login"), poll
        # Without htmx it is the ordinary redirect.
        assert browser.get(poll).status_code == 302

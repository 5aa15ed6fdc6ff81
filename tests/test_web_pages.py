"""The staff pages over the Flask test client: sessions, CSRF, error pages, intake, inbox pages, search.

They use ``live_app`` (a database of their own, no app context held open around requests): a
browser's requests each get a fresh ``g``, where Flask-WTF and Flask-Login keep per-request state.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from tests.support.api import APPLICANT, SERVICE, ApiClient
from tests.support.clock import MONDAY_9AM, service_clock
from tests.support.pages import Browser, intake_form, page_text
from workflow_service.extensions import db
from workflow_service.models import Task, User
from workflow_service.services.directory import accounts

T0 = MONDAY_9AM  # Monday 09:00 in Shanghai


@pytest.fixture
def app(live_app: Flask) -> Flask:
    return live_app


def test_pages_need_a_session_and_show_who_is_logged_in(browser: Browser) -> None:
    assert browser.get("/window").headers["Location"].startswith("/login?next=")
    refused = browser.log_in("clerk", "wrong")
    assert refused.status_code == 401
    assert "用户名或密码错误" in page_text(refused)

    response = browser.log_in("clerk")
    assert response.status_code == 302 and response.headers["Location"] == "/window"
    window = browser.get("/window")
    assert window.status_code == 200
    assert "吴宁街道便民服务中心" in page_text(window)  # the organisation, in the header
    assert 'lang="zh-CN"' in page_text(window)

    assert browser.post("/logout").status_code == 302
    assert browser.get("/window").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(browser: Browser) -> None:
    browser.get("/login")
    inside = browser.post(
        "/login", {"username": "approver", "password": "demo", "next": "/inbox?tab=unclaimed"}
    )
    assert inside.headers["Location"] == "/inbox?tab=unclaimed"
    for elsewhere in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        other = Browser(browser.http.application)
        other.get("/login")
        outside = other.post("/login", {"username": "approver", "password": "demo", "next": elsewhere})
        assert outside.headers["Location"] == "/inbox", elsewhere


def test_every_form_needs_the_csrf_token(browser: Browser, client: ApiClient) -> None:
    browser.log_in("clerk")
    number = client.start_case()
    task_id = client.open_task(number)["id"]
    forged = browser.http.post(f"/tasks/{task_id}/claim")
    assert forged.status_code == 400
    assert "text/html" in forged.content_type and "安全令牌" in page_text(forged)
    assert browser.http.post("/logout").status_code == 400
    assert browser.post(f"/tasks/{task_id}/claim").status_code == 302
    # The API authenticates with bearer tokens, not cookies: no CSRF token there.
    assert client.post(f"/api/v1/tasks/{task_id}/unclaim", "clerk").status_code == 200


def test_session_ends_after_its_lifetime(app: Flask, browser: Browser) -> None:
    clock = service_clock(app, T0)
    browser.log_in("clerk")
    clock.set(T0 + timedelta(hours=7, minutes=59))
    assert browser.get("/window").status_code == 200
    clock.set(T0 + timedelta(hours=8, seconds=1))
    expired = browser.get("/window")
    assert expired.status_code == 302 and expired.headers["Location"].startswith("/login")
    assert "登录已过期" in page_text(browser.get(expired.headers["Location"]))


def test_a_password_reset_ends_the_session_and_asks_for_a_new_password(app: Flask, browser: Browser) -> None:
    browser.log_in("clerk")
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        temporary = accounts.reset_password(admin, "clerk").temporary_password
    assert browser.get("/window").headers["Location"].startswith("/login")
    assert browser.log_in("clerk", temporary).headers["Location"] == "/window"
    assert browser.get("/window").headers["Location"] == "/password"
    browser.get("/password")
    changed = browser.post(
        "/password",
        {
            "current_password": temporary,
            "new_password": "Wuning-2026-window",
            "repeat_password": "Wuning-2026-window",
        },
    )
    assert changed.status_code == 302
    assert browser.get("/window").status_code == 200


def test_pages_answer_errors_in_html_and_the_api_in_problem_json(browser: Browser, client: ApiClient) -> None:
    missing_page = browser.get("/no-such-page")
    assert missing_page.status_code == 404 and "text/html" in missing_page.content_type
    missing_api = browser.get("/api/v1/no-such-thing")
    assert missing_api.status_code == 404 and missing_api.content_type == "application/problem+json"

    number = client.start_case()
    browser.log_in("clerk-hengdian")  # another township's window: the case is not theirs to see
    for path in (f"/cases/{number}", f"/cases/{number}/diagram.bpmn"):
        outside = browser.get(path)
        assert outside.status_code == 404 and "text/html" in outside.content_type
        assert number not in page_text(outside) or "不存在" in page_text(outside)
    assert browser.get("/services/individual_business_registration/apply").status_code == 200

    approver = Browser(browser.http.application)
    approver.log_in("approver")
    forbidden = approver.get(f"/services/{SERVICE}/apply")
    assert forbidden.status_code == 403 and "只有窗口人员" in page_text(forbidden)


def test_intake_shows_field_errors_keeps_the_data_and_registers(browser: Browser, client: ApiClient) -> None:
    browser.log_in("clerk")
    form = browser.get(f"/services/{SERVICE}/apply")
    assert "个体工商户名称" in page_text(form)  # the item's form, sent to the renderer
    assert '"enum_titles": ["个人经营", "家庭经营"]' in page_text(form)

    wrong = browser.post(f"/services/{SERVICE}/apply", intake_form("110105194912310021"))
    assert wrong.status_code == 422
    html = page_text(wrong)
    assert re.search(r'id="err-applicant-id_number">校验位（第 18 位）与前 17 位不符', html)
    assert 'value="110105194912310021"' in html and "东阳市吴宁张三小吃店" in html

    registered = browser.post(f"/services/{SERVICE}/apply", intake_form(APPLICANT["id_number"]))
    assert registered.status_code == 302
    number = registered.headers["Location"].split("/cases/")[1].split("?")[0]
    assert client.case(number)["status"]["code"] == "submitted"
    assert "下一步" in page_text(browser.get(registered.headers["Location"]))


def test_a_task_is_claimed_with_htmx_and_completed_through_its_form(
    browser: Browser, client: ApiClient
) -> None:
    number = client.start_case()
    task_id = client.open_task(number)["id"]
    browser.log_in("clerk")
    browser.get("/inbox?tab=unclaimed")
    row = browser.post(f"/tasks/{task_id}/claim", {"tab": "unclaimed"}, headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert page_text(row).lstrip().startswith(f'<tr id="task-{task_id}"') and "已签收" in page_text(row)
    # The header's and the tabs' figures follow, out of band: one claimed, none left to claim.
    assert '<span id="tab-count-mine" hx-swap-oob="true">(1)</span>' in page_text(row)
    assert '<span id="tab-count-unclaimed" hx-swap-oob="true">(0)</span>' in page_text(row)
    assert 'id="inbox-counts" class="inbox-counts" hx-swap-oob="true"' in page_text(row)

    browser.get(f"/tasks/{task_id}")
    refused = browser.post(f"/tasks/{task_id}", {"data": '{"acceptance_decision": "refuse"}'})
    assert refused.status_code == 422 and "不予受理理由" in page_text(refused)
    done = browser.post(f"/tasks/{task_id}", {"data": '{"acceptance_decision": "accept"}'})
    assert done.status_code == 302
    assert client.case(number)["status"]["code"] == "under_review"


def test_inbox_pages_by_keyset_in_the_api_and_the_pages(
    app: Flask, browser: Browser, client: ApiClient
) -> None:
    numbers = [client.start_case() for _ in range(5)]
    ids = [client.open_task(number)["id"] for number in numbers]
    with app.app_context():
        # Due dates out of registration order, and two tasks without one (they come last).
        for task_id, due in zip(
            ids, [date(2026, 12, 9), None, date(2026, 12, 1), None, date(2026, 12, 1)], strict=True
        ):
            db.session.execute(update(Task).where(Task.id == task_id).values(due_date=due))
        db.session.commit()
    everything = client.get("/api/v1/tasks?limit=50", "clerk")
    assert "X-Next-Cursor" not in everything.headers
    expected = [task["id"] for task in everything.json]
    assert expected == [ids[2], ids[4], ids[0], ids[1], ids[3]]

    walked: list[str] = []
    path = "/api/v1/tasks?limit=2"
    while True:
        response = client.get(path, "clerk")
        walked += [task["id"] for task in response.json]
        if "X-Next-Cursor" not in response.headers:
            break
        path = f"/api/v1/tasks?limit=2&cursor={response.headers['X-Next-Cursor']}"
    assert walked == expected and len(walked) == len(numbers)

    bad = client.get("/api/v1/tasks?cursor=not-a-cursor", "clerk")
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]

    browser.log_in("clerk")
    inbox = page_text(browser.get("/inbox?tab=unclaimed"))
    assert all(number in inbox for number in numbers)
    assert "110***********002X" in inbox and APPLICANT["id_number"] not in inbox


def test_search_finds_cases_exactly_by_id_and_phone_within_scope(browser: Browser, client: ApiClient) -> None:
    number = client.start_case()
    browser.log_in("clerk")
    for query in (APPLICANT["phone"], APPLICANT["id_number"], APPLICANT["name"], number.lower()):
        found = browser.get(f"/search?q={query}")
        assert number in page_text(found) or found.headers.get("Location") == f"/cases/{number}", query
    assert number not in page_text(browser.get(f"/search?q={APPLICANT['phone'][:7]}"))
    assert number not in page_text(browser.get(f"/search?q={APPLICANT['id_number'][:10]}"))

    outsider = Browser(browser.http.application)
    outsider.log_in("clerk-hengdian")
    assert number not in page_text(outsider.get(f"/search?q={APPLICANT['phone']}"))


def test_the_pages_switch_to_english(browser: Browser) -> None:
    browser.log_in("approver")
    browser.get("/inbox")
    switched = browser.post("/language", {"language": "en", "next": "/inbox"})
    assert switched.headers["Location"] == "/inbox"
    inbox = page_text(browser.get("/inbox"))
    assert 'lang="en"' in inbox and "Inbox" in inbox and "Log out" in inbox


def test_every_page_text_has_its_english_translation_compiled() -> None:
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    from workflow_service.config import PROJECT_ROOT

    folder = PROJECT_ROOT / "workflow_service" / "translations" / "en" / "LC_MESSAGES"
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    texts = {
        message
        for part in ("web", "templates")
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / "workflow_service" / part,
            method_map=[("**.py", "python"), ("**.html", "jinja2")],
            keywords=keywords,
        )
    }
    assert len(texts) > 100  # the extraction found the pages
    with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    untranslated = sorted(text for text in texts if not (source.get(text) and source.get(text).string))
    assert untranslated == [], "run `make translations` and translate these"
    stale = sorted(message.id for message in source if message.id and compiled.get(message.id) is None)
    assert stale == [], "the .mo is older than the .po: run `make translations`"

"""The administration pages over the Flask test client: accounts, delegations, organisations, the calendar.

Each change goes through the same service as /api/v1/admin; the tests check what an admin sees:
the error at its field with the typed data kept, the list, the state, and the audit line.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.clock import MONDAY_9AM, service_clock
from tests.support.pages import Browser, page_text

T0 = MONDAY_9AM  # Monday 09:00 in Shanghai: 2026 is known, 2027 not yet
NEW_USER = {
    "username": "clerk-wuning2",
    "full_name": "吴宁街道窗口 何丽",
    "organisation": "330783001-bmfwzx",
    "roles": ["clerk"],
}


@pytest.fixture
def app(live_app: Flask) -> Flask:
    service_clock(live_app, T0)
    return live_app


@pytest.fixture
def admin(app: Flask) -> Browser:
    browser = Browser(app)
    browser.log_in("admin")
    return browser


def field_error(response: object, field: str) -> str:
    found = re.search(rf'<div class="err" id="err-{field}">([^<]*)</div>', page_text(response))
    return found.group(1) if found else ""


def audit_lines(response: object) -> list[str]:
    section = re.search(r'data-testid="audit".*?</section>', page_text(response), re.S)
    assert section, "the page shows its audit events"
    return [re.sub(r"<[^>]+>", "", line) for line in re.findall(r"<li>(.*?)</li>", section.group(0), re.S)]


def test_only_admins_see_and_open_the_admin_pages(app: Flask) -> None:
    clerk = Browser(app)
    clerk.log_in("clerk")
    assert "系统管理" not in page_text(clerk.get("/window"))
    for path in ("/admin/users", "/admin/organisations", "/admin/calendar/2026", "/admin/users/clerk"):
        refused = clerk.get(path)
        assert refused.status_code == 403, path
        assert "text/html" in refused.content_type and "无权访问" in page_text(refused)
    forged = clerk.post("/admin/users/clerk-wuning/disable")
    assert forged.status_code == 403

    admin = Browser(app)
    # An administrator without an inbox lands on the admin pages.
    assert admin.log_in("admin").headers["Location"] == "/admin"
    users = admin.get("/admin/users")
    assert users.status_code == 200
    assert 'data-testid="nav-admin"' in page_text(users)
    assert "clerk-wuning" in page_text(users)
    state = re.search(
        r'data-testid="user-state">(.*?)</span>\s*</div>',
        page_text(admin.get("/admin/users/clerk-wuning")),
        re.S,
    )
    assert state and "在用" in state.group(1)  # the clerk's forged disable did nothing


def test_a_new_user_is_created_through_the_form_and_must_change_the_password(
    app: Flask, admin: Browser
) -> None:
    admin.get("/admin/users/new")
    wrong = admin.post("/admin/users/new", {**NEW_USER, "password": "short"})
    assert wrong.status_code == 422
    assert "密码至少 8 个字符" in field_error(wrong, "password")
    text = page_text(wrong)
    assert 'value="clerk-wuning2"' in text and 'value="吴宁街道窗口 何丽"' in text  # what was typed is kept
    assert re.search(r'<option value="330783001-bmfwzx" selected>', text)
    assert re.search(r'value="clerk" checked', text)

    taken = admin.post("/admin/users/new", {**NEW_USER, "username": "clerk", "password": "Window2026"})
    assert taken.status_code == 409
    assert "已存在" in field_error(taken, "username")

    created = admin.post("/admin/users/new", {**NEW_USER, "password": "Window2026"})
    assert created.status_code == 302
    assert created.headers["Location"] == "/admin/users/clerk-wuning2"
    page = page_text(admin.get(created.headers["Location"]))
    assert "首次登录须修改初始密码" in page and "须修改密码" in page
    assert "创建账户 clerk-wuning2" in page  # the audit line
    listed = page_text(admin.get("/admin/users?organisation=330783001-bmfwzx&role=clerk&q=何丽"))
    assert "clerk-wuning2" in listed and "吴宁街道窗口 何丽" in listed
    assert "clerk-wuning</a>" not in listed  # the text filter keeps only her

    newcomer = Browser(app)
    assert newcomer.log_in("clerk-wuning2", "Window2026").headers["Location"] == "/window"
    assert newcomer.get("/window").headers["Location"] == "/password"


def test_disabling_a_user_revokes_their_token_and_puts_their_claimed_task_back_in_the_pool(
    admin: Browser, client: ApiClient
) -> None:
    number = client.start_case()
    task = client.open_task(number)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 200
    assert client.open_task(number, "clerk-wuning")["assignee"]["username"] == "clerk"

    admin.get("/admin/users/clerk")
    disabled = admin.post("/admin/users/clerk/disable")
    assert disabled.status_code == 302
    page = page_text(admin.get("/admin/users/clerk"))
    assert "网页登录和 API 令牌立即失效，1 个已签收的任务已退回本机构待签收" in page
    assert "已停用" in page and "重新启用" in page
    assert "停用账户（作废 API 令牌 1 个，退回待签收任务 1 件）" in page
    assert "任务退回待签收：受理（clerk）" in page

    assert client.open_task(number, "clerk-wuning")["assignee"] is None
    assert client.get("/api/v1/me", "clerk").status_code == 401
    assert Browser(admin.http.application).log_in("clerk").status_code == 401


def test_a_password_reset_shows_the_one_time_password_once(app: Flask, admin: Browser) -> None:
    admin.get("/admin/users/approver")
    reset = admin.post("/admin/users/approver/reset-password")
    assert reset.status_code == 200
    assert reset.headers["Cache-Control"] == "no-store"
    temporary = re.search(r'class="mono temp-password">([^<]+)<', page_text(reset)).group(1)  # type: ignore[union-attr]
    assert len(temporary) == 12
    again = admin.get("/admin/users/approver")
    assert temporary not in page_text(again)
    assert "重置密码" in audit_lines(again)[0]  # audited, without the password

    approver = Browser(app)
    assert approver.log_in("approver", "demo").status_code == 401
    assert approver.log_in("approver", temporary).status_code == 302
    assert approver.get("/inbox").headers["Location"] == "/password"


def test_a_locked_account_is_unlocked(app: Flask, admin: Browser) -> None:
    intruder = Browser(app)
    for _attempt in range(app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        intruder.log_in("approver-county", "guess")
    assert intruder.log_in("approver-county").status_code == 429  # blocked: even the right password fails

    page = page_text(admin.get("/admin/users/approver-county"))
    assert "已锁定" in page and "连续登录失败，账户锁定（来自 127.0.0.1，连续失败 5 次）" in page
    assert admin.post("/admin/users/approver-county/unlock").status_code == 302
    page = page_text(admin.get("/admin/users/approver-county"))
    assert "已解除锁定" in page and "解除锁定（1 个地址）" in page
    assert Browser(app).log_in("approver-county").status_code == 302


def test_an_admin_sets_and_ends_a_delegation_for_a_user(admin: Browser) -> None:
    admin.get("/admin/users/clerk")
    period = {"delegate": "clerk-wuning", "reason": "年休假"}
    backwards = admin.post(
        "/admin/users/clerk/delegations",
        {**period, "starts_at": "2026-11-30T09:00", "ends_at": "2026-11-23T18:00"},
    )
    assert backwards.status_code == 422
    assert field_error(backwards, "ends_at") == "结束时间须晚于开始时间"
    assert 'value="年休假"' in page_text(backwards)

    created = admin.post(
        "/admin/users/clerk/delegations",
        {**period, "starts_at": "2026-11-23T08:00", "ends_at": "2026-11-30T18:00"},
    )
    assert created.status_code == 302
    page = page_text(admin.get("/admin/users/clerk"))
    rows = re.findall(r'<tr data-testid="delegation-row">.*?</tr>', page, re.S)
    assert len(rows) == 1 and "吴宁街道窗口人员" in rows[0] and "生效中" in rows[0]
    assert "2026-11-23 08:00 ~ 2026-11-30 18:00" in rows[0]
    assert "设置委托：clerk → clerk-wuning" in page
    # The delegate's page lists it too: it is about both of them.
    assert "设置委托：clerk → clerk-wuning" in page_text(admin.get("/admin/users/clerk-wuning"))

    delegation_id = re.search(r"/delegations/(\d+)/end", rows[0]).group(1)  # type: ignore[union-attr]
    ended = admin.post(f"/admin/users/clerk/delegations/{delegation_id}/end")
    assert ended.status_code == 302
    page = page_text(admin.get("/admin/users/clerk"))
    assert "已撤销" in page and "结束委托：clerk → clerk-wuning" in page
    assert "/end" not in page


def test_a_holiday_row_is_added_with_a_reason_shown_and_audited_then_removed(admin: Browser) -> None:
    page = admin.get("/admin/calendar/2026")
    text = page_text(page)
    assert "chinesecalendar 程序包自带" in text
    assert 'data-day="2026-10-01"' in text  # 国庆节, from the package
    # 2026-11-23: the official schedule is known until 2026-12-31, 38 days: under the 60 of the warning.
    assert 'data-testid="calendar-warning"' in text and "还有 38 天" in text

    typhoon = {"day": "2026-12-02", "kind": "holiday", "name": "台风停工"}
    missing = admin.post("/admin/calendar/2026/days", {**typhoon, "reason": ""})
    assert missing.status_code == 422
    assert field_error(missing, "reason") == "须填写原因"
    assert 'value="台风停工"' in page_text(missing)

    added = admin.post("/admin/calendar/2026/days", {**typhoon, "reason": "东阳市防汛防台指挥部通知"})
    assert added.status_code == 302
    text = page_text(admin.get("/admin/calendar/2026"))
    row = re.search(r'<tr data-testid="calendar-row" data-day="2026-12-02">.*?</tr>', text, re.S)
    assert row and "台风停工" in row.group(0) and "放假" in row.group(0) and "录入" in row.group(0)
    assert "设置日期 2026-12-02：工作日 → 休息日（台风停工），原因：东阳市防汛防台指挥部通知" in text

    no_reason = admin.post("/admin/calendar/2026/days/2026-12-02/remove", {"reason": " "})
    assert no_reason.status_code == 422 and "须填写原因" in page_text(no_reason)
    removed = admin.post("/admin/calendar/2026/days/2026-12-02/remove", {"reason": "通知撤回"})
    assert removed.status_code == 302
    text = page_text(admin.get("/admin/calendar/2026"))
    assert 'data-day="2026-12-02"' not in text
    assert "删除日期安排 2026-12-02：休息日 → 工作日（台风停工），原因：通知撤回" in text


def test_no_calendar_warning_while_enough_days_are_known(app: Flask, admin: Browser) -> None:
    service_clock(app, datetime(2026, 6, 1, 1, 0, tzinfo=UTC))
    text = page_text(admin.get("/admin/calendar/2026"))
    assert 'data-testid="calendar-warning"' not in text
    assert "官方节假日安排已确认至 2026-12-31（还有 213 天）" in text
    assert "尚未公布" in page_text(admin.get("/admin/calendar/2027"))


def test_organisations_are_created_and_edited_with_errors_at_their_fields(admin: Browser) -> None:
    tree = page_text(admin.get("/admin/organisations"))
    assert tree.index("东阳市市场监督管理局") < tree.index("吴宁街道") < tree.index("吴宁街道便民服务中心")

    admin.get("/admin/organisations/new")
    office = {
        "code": "330783001-rmt",
        "name": "吴宁街道融媒体中心",
        "kind": "office",
        "region": "330783001",
        "office_type": "",
        "active": "1",
    }
    wrong = admin.post("/admin/organisations/new", office)
    assert wrong.status_code == 422
    assert "乡镇办公室须有 office_type" in field_error(wrong, "office_type")
    assert 'value="吴宁街道融媒体中心"' in page_text(wrong)
    assert re.search(r'<option value="330783001" selected>', page_text(wrong))

    created = admin.post("/admin/organisations/new", {**office, "office_type": "media_centre"})
    assert created.status_code == 302 and created.headers["Location"] == "/admin/organisations/330783001-rmt"
    page = page_text(admin.get(created.headers["Location"]))
    assert "创建机构 330783001-rmt：吴宁街道融媒体中心" in page
    taken = admin.post("/admin/organisations/new", {**office, "office_type": "media_centre"})
    assert taken.status_code == 409 and "机构编码 330783001-rmt 已存在" in page_text(taken)

    blank = admin.post("/admin/organisations/330783001-rmt", {"name": " ", "office_type": "media_centre"})
    assert blank.status_code == 422 and field_error(blank, "name") == "必填"
    renamed = admin.post(
        "/admin/organisations/330783001-rmt",
        {"name": "吴宁街道融媒体服务中心", "office_type": "media_centre"},
    )
    assert renamed.status_code == 302
    assert admin.post("/admin/organisations/330783001-rmt/active", {"active": "0"}).status_code == 302
    page = page_text(admin.get("/admin/organisations/330783001-rmt"))
    assert "修改机构：机构名称 吴宁街道融媒体中心 → 吴宁街道融媒体服务中心" in page
    assert "修改机构：启用 是 → 否" in page and "重新启用" in page
    inactive = page_text(admin.get("/admin/organisations?active=0"))
    assert "吴宁街道融媒体服务中心" in inactive and "吴宁街道便民服务中心" not in inactive


def test_a_station_cannot_cover_a_township_another_station_of_its_type_covers(admin: Browser) -> None:
    page = page_text(admin.get("/admin/organisations/330783-scjgj-wuning"))
    assert re.search(r'value="330783001" checked', page) and not re.search(r'value="330783002" checked', page)
    station = {"name": "东阳市市场监督管理局吴宁市场监管所", "department_type": "market_regulation"}
    overlap = admin.post(
        "/admin/organisations/330783-scjgj-wuning",
        {**station, "parent": "330783-scjgj", "covered_townships": ["330783001", "330783002"]},
    )
    assert overlap.status_code == 422
    assert field_error(overlap, "covered_townships") == "330783002 已由 330783-scjgj-nanshi 覆盖"
    assert re.search(r'value="330783002" checked', page_text(overlap))  # the choice is kept

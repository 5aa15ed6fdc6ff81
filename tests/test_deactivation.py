"""Deactivating organisations and disabling accounts leave nothing behind: no stranded task, no
working account of a closed organisation, no delegation of a leaver, no new task routed to it.

Everything goes through the admin API (both databases); the last two tests use the admin pages.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import ApiClient, audit
from tests.support.clock import MONDAY_9AM, Clock, service_clock
from tests.support.directory import delegate
from tests.support.pages import Browser, page_text
from workflow_service.extensions import db
from workflow_service.models import Case, Organisation, OrganisationKind, Region
from workflow_service.services.directory.routing import RoutingError, resolve_lane

PROBLEM = "application/problem+json"
T0 = MONDAY_9AM  # where the clock fixture stands
HOUR = timedelta(hours=1)
WUNING_CENTRE = "330783001-bmfwzx"
WUNING_STATION = "330783-scjgj-wuning"  # market regulation, covers 吴宁街道; approver works there
COUNTY_BUREAU = "330783-scjgj"  # 东阳市市场监督管理局: approver-county
APPROVE = {"review_decision": "approve", "review_opinion": "材料齐全，符合登记条件，准予登记"}


def deactivate(client: ApiClient, code: str, active: bool = False) -> Any:
    return client.http.patch(
        f"/api/v1/admin/organisations/{code}", headers=client.headers("admin"), json={"active": active}
    )


def disable(client: ApiClient, username: str) -> Any:
    response = client.post(f"/api/v1/admin/users/{username}/disable", "admin")
    assert response.status_code == 200, response.json
    return response.json


def forget_token(client: ApiClient, username: str) -> None:
    client._tokens.pop(username, None)


def reviewed_at_the_station(client: ApiClient) -> tuple[str, dict[str, Any]]:
    """A case of 吴宁街道 accepted at its window: (number, its 审核 task at the station)."""
    number = client.start_case()
    acceptance = client.open_task(number)
    assert client.complete(acceptance["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    review = client.open_task(number, "approver")
    assert (review["name"], review["organisation"]["code"]) == ("审核", WUNING_STATION)
    return number, review


def test_a_station_with_an_open_task_and_staff_is_not_deactivated_until_both_are_gone(
    client: ApiClient, app: Flask
) -> None:
    number, review = reviewed_at_the_station(client)

    refused = deactivate(client, WUNING_STATION)
    assert refused.status_code == 409
    assert refused.content_type == PROBLEM
    assert refused.json["type"].endswith("organisation-in-use")
    assert refused.json["open_tasks"] == 1
    assert refused.json["active_users"] == [
        {"username": "approver", "full_name": "吴宁市场监管所审批员 王建国"}
    ]
    assert "还有 1 件未办结的任务，请先由督办人员将其改派到其他机构" in refused.json["detail"]
    assert "吴宁市场监管所审批员 王建国（approver）" in refused.json["detail"]
    # Nothing happened on the way: still active, the task where it was, the approver still at work.
    assert client.get(f"/api/v1/admin/organisations/{WUNING_STATION}", "admin").json["active"] is True
    assert client.open_task(number, "approver")["id"] == review["id"]
    assert audit(app, "organisation.updated") == []

    # The supervisor moves the task to the county bureau: only the approver is left.
    moved = client.post(
        f"/api/v1/tasks/{review['id']}/reassign",
        "supervisor",
        json={"organisation": COUNTY_BUREAU, "reason": "吴宁市场监管所撤并"},
    )
    assert moved.status_code == 200, moved.json
    still = deactivate(client, WUNING_STATION)
    assert still.status_code == 409
    assert still.json["open_tasks"] == 0 and len(still.json["active_users"]) == 1
    assert "未办结" not in still.json["detail"]

    disable(client, "approver")
    done = deactivate(client, WUNING_STATION)
    assert done.status_code == 200, done.json
    assert done.json["active"] is False
    assert audit(app, "organisation.updated")[-1]["after"] == {"active": False}
    # Reactivating asks for nothing.
    assert deactivate(client, WUNING_STATION, active=True).status_code == 200


def test_no_new_task_goes_to_an_inactive_station_the_county_bureau_takes_them(client: ApiClient) -> None:
    disable(client, "approver")
    assert deactivate(client, WUNING_STATION).status_code == 200

    number = client.start_case()
    acceptance = client.open_task(number)
    assert client.complete(acceptance["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    review = client.open_task(number, "approver-county")
    assert review["organisation"]["code"] == COUNTY_BUREAU
    assert [task["id"] for task in client.inbox("approver-county")] == [review["id"]]


def test_a_window_with_staff_is_not_deactivated_and_an_inactive_window_gets_no_task(
    client: ApiClient, app: Flask
) -> None:
    number, review = reviewed_at_the_station(client)
    refused = deactivate(client, WUNING_CENTRE)
    assert refused.status_code == 409
    assert refused.json["open_tasks"] == 0  # its 受理 is done: the case is at the station
    assert [user["username"] for user in refused.json["active_users"]] == ["clerk", "clerk-wuning"]

    disable(client, "clerk")
    disable(client, "clerk-wuning")
    assert deactivate(client, WUNING_CENTRE).status_code == 200

    # 出件 would go back to the window that accepted the case: there is no stand-in for it, so the
    # approval is refused as a whole and says why.
    stuck = client.complete(review["id"], "approver", APPROVE)
    assert stuck.status_code == 422
    assert stuck.content_type == PROBLEM
    assert stuck.json["title"] == "无法确定办理机构"
    assert "受理窗口吴宁街道便民服务中心已停用" in stuck.json["detail"]
    assert client.open_task(number, "approver")["id"] == review["id"]  # nothing moved

    assert deactivate(client, WUNING_CENTRE, active=True).status_code == 200
    assert client.complete(review["id"], "approver", APPROVE).status_code == 200
    assert client.post("/api/v1/admin/users/clerk/enable", "admin").status_code == 200
    forget_token(client, "clerk")  # disabling revoked it
    issue = client.open_task(number, "clerk")
    assert (issue["name"], issue["organisation"]["code"]) == ("出件", WUNING_CENTRE)


def test_a_proposal_of_an_inactive_department_goes_to_its_successor_or_is_refused(
    app: Flask, app_context: None
) -> None:
    bureau = db.session.execute(select(Organisation).where(Organisation.code == COUNTY_BUREAU)).scalar_one()
    wuning = db.session.execute(select(Region).where(Region.code == "330783001")).scalar_one()
    # A case the bureau registered itself (its own proposal) stays with it while it is active.
    case = Case(accepting_organisation=bureau, matter_region=wuning)
    assert resolve_lane(case, "department").organisation is bureau
    bureau.active = False
    with pytest.raises(RoutingError, match="立项部门东阳市市场监督管理局已停用"):
        resolve_lane(case, "department")
    successor = Organisation(
        code="330783-scjgj-new",
        name="东阳市市场监督管理局（新）",
        kind=OrganisationKind.DEPARTMENT,
        department_type="market_regulation",
        region=bureau.region,
    )
    db.session.add(successor)
    assert resolve_lane(case, "department").organisation is successor
    db.session.rollback()


def test_disabling_a_user_ends_the_delegations_to_and_from_them(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    given = delegate(client, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)["id"]  # in force
    received = delegate(client, "clerk-wuning", "clerk", T0 + 24 * HOUR, T0 + 48 * HOUR)[
        "id"
    ]  # still to come
    revoked = delegate(client, "clerk", "clerk-wuning", T0 + 72 * HOUR, T0 + 96 * HOUR)["id"]
    assert client.post(f"/api/v1/delegations/{revoked}/revoke", "clerk").status_code == 200

    result = disable(client, "clerk")
    assert result["delegations_ended"] == 2

    listed = {row["id"]: row for row in client.get("/api/v1/delegations", "clerk-wuning").json}
    for ended in (given, received):
        assert listed[ended]["status"] == {"code": "revoked", "label": "已终止（账户停用）"}
        assert listed[ended]["end_reason"] == "账户停用"
    assert listed[revoked]["status"]["label"] == "已撤销" and listed[revoked]["end_reason"] is None
    rows = audit(app, "delegation.ended")
    assert [(row["delegation"], row["actor"], row["reason"], row["was"]) for row in rows] == [
        (given, "admin", "账户停用", "active"),
        (received, "admin", "账户停用", "scheduled"),
    ]
    assert audit(app, "user.disabled")[-1]["delegations_ended"] == 2

    # Back at work, the returning clerk's claimed task is theirs alone: the delegation stays ended.
    assert client.post("/api/v1/admin/users/clerk/enable", "admin").status_code == 200
    forget_token(client, "clerk")  # disabling revoked it
    number = client.start_case()
    task = client.open_task(number)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 200
    assert client.inbox("clerk-wuning") == []
    refused = client.complete(task["id"], "clerk-wuning", {"acceptance_decision": "accept"})
    assert refused.status_code == 403 and refused.json["title"] == "任务已被他人签收"


def test_disabling_the_delegate_ends_it_too_and_a_move_ends_those_with_the_old_colleagues(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    to_leaver = delegate(client, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)["id"]
    disable(client, "clerk-wuning")
    [row] = client.get("/api/v1/delegations", "clerk").json
    assert (row["id"], row["status"]["label"]) == (to_leaver, "已终止（账户停用）")

    assert client.post("/api/v1/admin/users/clerk-wuning/enable", "admin").status_code == 200
    again = delegate(client, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)["id"]
    moved = client.http.patch(
        "/api/v1/admin/users/clerk",
        headers=client.headers("admin"),
        json={"organisation": "330783111-bmfwzx"},
    )
    assert moved.status_code == 200, moved.json
    listed = {row["id"]: row for row in client.get("/api/v1/delegations", "clerk-wuning").json}
    assert listed[again]["status"]["label"] == "已终止（调离原机构）"
    assert audit(app, "delegation.ended")[-1]["reason"] == "调离原机构"


def test_an_account_of_an_inactive_organisation_is_moved_before_it_is_enabled(client: ApiClient) -> None:
    disable(client, "approver-zhifa")
    assert deactivate(client, "330783-zfj-wuning").status_code == 200
    refused = client.post("/api/v1/admin/users/approver-zhifa/enable", "admin")
    assert refused.status_code == 409
    assert refused.content_type == PROBLEM
    assert "吴宁综合执法中队已停用：请先把该账户调到其他机构" in refused.json["detail"]
    assert client.get("/api/v1/admin/users/approver-zhifa", "admin").json["active"] is False

    moved = client.http.patch(
        "/api/v1/admin/users/approver-zhifa",
        headers=client.headers("admin"),
        json={"organisation": "330783-zfj"},
    )
    assert moved.status_code == 200, moved.json
    enabled = client.post("/api/v1/admin/users/approver-zhifa/enable", "admin")
    assert enabled.status_code == 200 and enabled.json["active"] is True


@pytest.fixture
def admin(live_app: Flask) -> Browser:
    service_clock(live_app, T0)
    browser = Browser(live_app)
    browser.log_in("admin")
    return browser


def test_the_organisation_page_says_what_is_left_and_the_user_page_lists_the_ended_delegations(
    live_app: Flask, admin: Browser
) -> None:
    api = ApiClient(live_app.test_client())
    api.open_task(api.start_case())  # its 受理 task is open at the window
    delegation = delegate(api, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)["id"]

    admin.get(f"/admin/organisations/{WUNING_CENTRE}")
    refused = admin.post(f"/admin/organisations/{WUNING_CENTRE}/active", {"active": "0"})
    assert refused.status_code == 409
    page = page_text(refused)
    banner = re.search(r'<div class="flash error in-use".*?</div>', page, re.S)
    assert banner, "the refusal is at the top of the form"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", banner.group(0)))
    assert "不能停用本机构" in text
    assert "还有 1 件未办结的任务。" in text and "改派到其他机构" in text
    assert "还有 2 个在用账户：吴宁街道窗口 陈晓燕（clerk）、吴宁街道窗口人员（clerk-wuning）" in text
    assert "调到其他机构，或停用离岗人员的账户" in text
    assert 'href="/admin/users/clerk-wuning"' in banner.group(0)
    assert "停用机构" in page  # still active: the button is still there
    assert page.index("in-use") < page.index('name="name"')

    admin.get("/admin/users/clerk")
    assert admin.post("/admin/users/clerk/disable").status_code == 302
    page = page_text(admin.get("/admin/users/clerk"))
    assert "1 项委托已终止，见“委托办理”。" in page
    [row] = re.findall(r'<tr data-testid="delegation-row">.*?</tr>', page, re.S)
    assert "吴宁街道窗口人员" in row and "已终止（账户停用）" in row
    assert f"/delegations/{delegation}/end" not in row  # nothing left to end
    assert "委托终止：clerk → clerk-wuning（账户停用）" in page
    assert "停用账户（作废 API 令牌 1 个，终止委托 1 项）" in page

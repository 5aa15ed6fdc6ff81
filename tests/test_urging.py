"""督办: a supervisor presses the holder of an overdue case; the item, its reply, lateness, figures, audit.

The case is accepted on Tuesday 24 November 2026 (promised limit 3 working days) and read on
Wednesday 2 December, overdue; its open step is 审核 at the 吴宁 station (``approver``). A notice
issued then is due by Friday 4 December (two working days); the worker marks it late from Saturday.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient, audit
from tests.support.pages import Browser, page_text
from tests.support.supervision import HENGDIAN, Cases
from workflow_service.worker import Worker

REASON = "已超承诺期限，请说明原因并尽快办结"


@pytest.fixture
def overdue(app: Flask) -> tuple[Cases, str, str]:
    cases = Cases(app)
    late = cases.accepted("2026-11-24")
    elsewhere = cases.accepted("2026-11-24", clerk="clerk-hengdian", township=HENGDIAN)
    cases.on("2026-12-02")
    return cases, late, elsewhere


def issue(api: ApiClient, number: str, user: str = "supervisor", **body: Any) -> Any:
    return api.post(f"/api/v1/cases/{number}/supervision-notices", user, json={"reason": REASON, **body})


def items(api: ApiClient, user: str) -> list[dict[str, Any]]:
    return [task for task in api.inbox(user) if task["kind"] == "supervision"]


def test_a_notice_reaches_the_holders_inbox_and_a_written_reply_closes_it(
    app: Flask, overdue: tuple[Cases, str, str]
) -> None:
    cases, number, _elsewhere = overdue
    api = cases.on("2026-12-02")
    issued = issue(api, number)
    assert issued.status_code == 201, issued.json
    notice = issued.json
    assert (notice["state"], notice["reply_due_on"], notice["reason"]) == ("open", "2026-12-04", REASON)
    assert notice["organisation"]["name"] == "东阳市市场监督管理局吴宁市场监管所"
    (item,) = items(api, "approver")
    assert (item["id"], item["name"], item["due_date"]) == (notice["task_id"], "督办", "2026-12-04")
    assert items(api, "clerk") == []  # the window does not hold the case now
    # One notice awaiting its reply at a time.
    assert issue(api, number).status_code == 409

    reply = f"/api/v1/supervision-notices/{notice['id']}/reply"
    assert api.post(reply, "clerk", json={"reply": "已催办"}).status_code == 403  # not the holder
    empty = api.post(reply, "approver", json={"reply": " "})
    assert empty.status_code == 422, empty.json
    assert list(empty.json["errors"]) == ["reply"]
    api = cases.on("2026-12-03")
    answered = api.post(reply, "approver", json={"reply": "材料需核实，已于今日审核完毕"})
    assert answered.status_code == 200, answered.json
    assert answered.json["state"] == "answered"
    assert answered.json["replied_by"]["username"] == "approver"
    assert items(api, "approver") == []
    assert api.post(reply, "approver", json={"reply": "再次回复"}).status_code == 409
    listed = api.get(f"/api/v1/cases/{number}/supervision-notices", "supervisor").json
    assert [(n["id"], n["reply"]) for n in listed] == [(notice["id"], "材料需核实，已于今日审核完毕")]
    # The review itself is untouched: its task is still open for the approver.
    assert [task["name"] for task in api.case(number, "supervisor")["current_tasks"]] == ["审核"]
    assert [(row["actor"], row["reason"]) for row in audit(app, "supervision.issued")] == [
        ("supervisor", REASON)
    ]
    assert [(row["actor"], row["late"]) for row in audit(app, "supervision.replied")] == [("approver", False)]

    # Nothing is late, however long the worker waits after an answer in time.
    cases.on("2026-12-08")
    Worker(app).run_once()
    assert audit(app, "supervision.late") == []


def test_an_unanswered_notice_turns_late_at_its_deadline(app: Flask, overdue: tuple[Cases, str, str]) -> None:
    cases, number, _elsewhere = overdue
    notice = issue(cases.on("2026-12-02"), number, reply_due_on="2026-12-03").json
    worker = Worker(app)
    cases.clocked.move_to("2026-12-03", hour=23)
    worker.run_once()
    assert audit(app, "supervision.late") == []
    api = cases.clocked.move_to("2026-12-04", hour=9)
    worker.run_once()
    assert [row["notice"] for row in audit(app, "supervision.late")] == [notice["id"]]
    (listed,) = api.get(f"/api/v1/cases/{number}/supervision-notices", "supervisor").json
    assert listed["state"] == "late"
    worker.run_once()
    assert len(audit(app, "supervision.late")) == 1  # once

    reply = f"/api/v1/supervision-notices/{notice['id']}/reply"
    answered = api.post(reply, "approver", json={"reply": "迟复：已办结"})
    assert answered.json["state"] == "answered_late", answered.json
    figures = api.get("/api/v1/supervision/dashboard?from=2026-11-23&to=2026-12-04", "supervisor").json
    assert figures["urging"] == {"issued": 1, "answered": 1, "answered_late": 1, "open": 0, "late": 0}


def test_the_dashboard_counts_issued_answered_open_and_late(
    app: Flask, overdue: tuple[Cases, str, str]
) -> None:
    cases, number, elsewhere = overdue
    api = cases.on("2026-12-02")
    issue(api, number, reply_due_on="2026-12-02")
    issue(api, elsewhere)
    api = cases.on("2026-12-03")
    Worker(app).run_once()
    query = "/api/v1/supervision/dashboard?from=2026-11-23&to=2026-12-03"
    figures = api.get(query, "supervisor").json
    assert figures["urging"] == {"issued": 2, "answered": 0, "answered_late": 0, "open": 1, "late": 1}
    # The command room of 吴宁 counts its township's notice only.
    assert api.get(query, "command").json["urging"]["issued"] == 1


def test_only_supervisors_whose_scope_covers_the_case_issue(overdue: tuple[Cases, str, str]) -> None:
    cases, number, elsewhere = overdue
    api = cases.on("2026-12-02")
    assert issue(api, number, "approver").status_code == 403
    assert issue(api, number, "clerk").status_code == 403
    assert issue(api, elsewhere, "command").status_code == 404  # 横店 is not the 吴宁 command room's
    assert issue(api, "330783-GTDJ-20000101-9999").status_code == 404
    missing = api.post(f"/api/v1/cases/{number}/supervision-notices", "command", json={})
    assert missing.status_code == 422
    assert list(missing.json["errors"]) == ["reason"]
    past = issue(api, number, "command", reply_due_on="2026-12-01")
    assert past.status_code == 422
    assert list(past.json["errors"]) == ["reply_due_on"]
    assert issue(api, number, "command").status_code == 201
    notice_id = api.get(f"/api/v1/cases/{number}/supervision-notices", "command").json[0]["id"]
    # Outside the case's scope the notice does not exist.
    outsider = api.post(
        f"/api/v1/supervision-notices/{notice_id}/reply", "clerk-hengdian", json={"reply": "好"}
    )
    assert outsider.status_code == 404


def test_from_the_overdue_list_page_in_two_clicks(app: Flask, overdue: tuple[Cases, str, str]) -> None:
    cases, number, _elsewhere = overdue
    api = cases.on("2026-12-02")
    browser = Browser(app)
    browser.log_in("supervisor")
    listed = page_text(browser.get("/supervision/cases?due=overdue"))
    form_url = f"/supervision/cases/{number}/urge"
    assert form_url in listed
    form = browser.get(form_url)
    assert form.status_code == 200
    assert 'value="2026-12-04"' in page_text(form)  # two working days
    assert browser.http.post(form_url, data={"reason": REASON}).status_code == 400  # no CSRF token
    refused = browser.post(form_url, {"reason": "", "reply_due_on": "2026-12-04"})
    assert refused.status_code == 422
    assert "请写明督办事由" in page_text(refused)
    sent = browser.post(form_url, {"reason": REASON, "reply_due_on": "2026-12-04"})
    assert sent.status_code == 303, page_text(sent)
    case_page = page_text(browser.get(sent.headers["Location"]))
    assert REASON in case_page and "待回复" in case_page

    # The holder sees it in the inbox with its badge, and replies on the task page.
    holder = Browser(app)
    holder.log_in("approver")
    inbox = page_text(holder.get("/inbox?tab=unclaimed"))
    assert 'data-testid="supervision-badge"' in inbox
    (item,) = items(api, "approver")
    task_page = page_text(holder.get(f"/tasks/{item['id']}"))
    assert REASON in task_page
    done = holder.post(f"/tasks/{item['id']}", {"data": json.dumps({"supervision_reply": "今日办结"})})
    assert done.status_code in (302, 303), page_text(done)
    case_page = page_text(browser.get(f"/cases/{number}"))
    assert "今日办结" in case_page and "已回复" in case_page

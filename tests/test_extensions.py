"""Both time limits on a case, and the 延期 (extension) the approver asks for and the organ's head
decides (行政许可法 Arts. 42 and 45): both due dates move by working days, the applicant is told."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support import housing
from tests.support.clock import ClockedApi
from tests.support.directory import add_user
from tests.support.pages import Browser
from tests.support.pdf import document, pdf_text
from tests.support.steps import accepted, decided

WUNING_STATION = "330783-scjgj-wuning"
REASON = "经营场所涉及消防安全，需征求消防部门意见"


@pytest.fixture(autouse=True)
def heads(app: Flask) -> None:
    """The station's head (负责人) and the county bureau's, beside the demo directory."""
    add_user(app, "head", WUNING_STATION, ["head"])
    add_user(app, "head-county", "330783-scjgj", ["head"])
    add_user(app, "head-zrzy", "330783-zrzyj-chengqu", ["head"])


def limits(case: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {
        limit["kind"]["code"]: (limit["due_date"], limit["state"]["code"] if limit["state"] else None)
        for limit in case["limits"]
    }


def ask(desk: ClockedApi, number: str, user: str = "approver", **body: Any) -> Any:
    return desk.api.post(f"/api/v1/cases/{number}/extensions", user, json={"reason": REASON, **body})


def decide(
    desk: ClockedApi, number: str, extension_id: int, action: str, user: str = "head", **body: Any
) -> Any:
    path = f"/api/v1/cases/{number}/extensions/{extension_id}/{action}"
    return desk.api.post(path, user, json=body)


def test_a_case_tracks_both_limits_with_their_states(app: Flask) -> None:
    # 个体工商户设立登记: 15 working days legal, 3 promised. Accepted Wednesday 2026-11-25.
    desk = ClockedApi(app, "2026-11-25")
    registered = desk.api.start_case()
    assert limits(desk.api.case(registered)) == {"promised": (None, None), "legal": (None, None)}
    number = accepted(desk.api)
    case = desk.api.case(number)
    assert limits(case) == {"promised": ("2026-11-30", "normal"), "legal": ("2026-12-16", "normal")}
    assert [limit["kind"]["label"] for limit in case["limits"]] == ["承诺时限", "法定时限"]
    assert case["limits"][1]["limit"] == {"amount": 15, "unit": "working_day", "instant": False}
    assert case["due_date"] == "2026-11-30"  # the promised limit, which the warnings follow

    desk.move_to("2026-11-27")  # one working day left of the promised limit: due soon
    assert limits(desk.api.case(number)) == {
        "promised": ("2026-11-30", "yellow"),
        "legal": ("2026-12-16", "normal"),
    }
    desk.move_to("2026-12-01")
    case = desk.api.case(number)
    assert limits(case) == {"promised": ("2026-11-30", "red"), "legal": ("2026-12-16", "normal")}
    assert case["limits"][0]["state"]["label"] == "已超期"


def test_the_head_approves_an_extension_and_both_due_dates_move(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    desk.move_to("2026-11-26")
    response = ask(desk, number)
    assert response.status_code == 201, response.json
    case = response.json
    (extension,) = case["extensions"]
    # No days asked: what the law allows a single organ (Art. 42), 10 working days.
    assert (extension["days"], extension["reason"]) == (10, REASON)
    assert extension["state"] == {"code": "requested", "label": "待负责人审批"}
    assert extension["requested_by"]["username"] == "approver"
    assert extension["organisation"]["name"] == "东阳市市场监督管理局吴宁市场监管所"
    assert case["extension_allowance"] == 10
    assert case["due_date"] == "2026-11-30"  # nothing moves before the head decides
    # One request waits at a time.
    assert ask(desk, number).status_code == 409

    response = decide(desk, number, extension["id"], "approve", note="同意延期十个工作日")
    assert response.status_code == 200, response.json
    case = response.json
    (extension,) = case["extensions"]
    assert extension["state"]["code"] == "approved"
    assert (extension["decided_by"]["username"], extension["decision_note"]) == ("head", "同意延期十个工作日")
    # 11-30 and 12-16 each plus 10 working days.
    assert limits(case) == {"promised": ("2026-12-14", "normal"), "legal": ("2026-12-30", "normal")}
    assert (case["due_date"], case["clock"]["extension_days"]) == ("2026-12-14", 10)
    assert desk.review_task(number)["due_date"] == "2026-12-14"
    (extended,) = [event for event in case["audit"] if event["action"] == "case.extended"]
    assert extended["summary"]["due_date_before"] == "2026-11-30"
    assert extended["summary"]["due_date_after"] == "2026-12-14"

    # The law's 10 days are used up.
    refused = ask(desk, number, days=1)
    assert refused.status_code == 409
    assert "法定上限" in refused.json["detail"]
    # Decided once: 409.
    assert decide(desk, number, extension["id"], "approve").status_code == 409

    # The applicant is told by the 延期告知书.
    text, _ = document(desk.api, number, "extension", user="approver")
    assert "延期告知书" in text
    assert REASON in text
    assert "第四十二条" in text
    assert "延长10个工作日" in text
    assert "2026年12月14日" in text and "2026年12月30日" in text
    assert "盖章" in text


def test_a_refused_extension_moves_nothing(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    extension = ask(desk, number, days=5).json["extensions"][0]
    assert decide(desk, number, extension["id"], "refuse").status_code == 422  # a refusal gives its reason
    response = decide(desk, number, extension["id"], "refuse", note="可在承诺期限内办结，无须延期")
    assert response.status_code == 200, response.json
    case = response.json
    assert case["extensions"][0]["state"] == {"code": "refused", "label": "不予批准"}
    assert case["extensions"][0]["decision_note"] == "可在承诺期限内办结，无须延期"
    assert limits(case)["promised"] == ("2026-11-30", "normal")
    assert desk.api.get(f"/api/v1/cases/{number}/documents/extension.pdf", "clerk").status_code == 409
    # After a refusal the approver may ask again.
    assert ask(desk, number, days=3).status_code == 201


def test_the_law_caps_the_days(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    response = ask(desk, number, days=11)
    assert response.status_code == 422
    assert response.json["errors"] == {"days": ["依《行政许可法》第四十二条，本件最多还可延期 10 个工作日"]}
    first = ask(desk, number, days=4).json["extensions"][0]
    assert decide(desk, number, first["id"], "approve").status_code == 200
    second = ask(desk, number, days=7)
    assert second.status_code == 422
    assert second.json["errors"] == {"days": ["依《行政许可法》第四十二条，本件最多还可延期 6 个工作日"]}
    assert ask(desk, number).json["extensions"][-1]["days"] == 6


def test_who_may_ask_and_who_may_decide(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    assert ask(desk, number, "clerk").status_code == 403  # the window does not decide the case
    assert ask(desk, number, "approver-county").status_code == 403  # the review is the station's
    assert ask(desk, number, "head").status_code == 403  # the head decides, the approver asks
    assert ask(desk, number, "approver-hengdian").status_code == 404  # another station's case
    extension = ask(desk, number).json["extensions"][0]
    for user in ("approver", "clerk", "approver-county"):
        assert decide(desk, number, extension["id"], "approve", user).status_code == 403, user
    # The county bureau's head sees the station's case but is not the head of the organ that asked.
    assert decide(desk, number, extension["id"], "approve", "head-county").status_code == 403
    assert decide(desk, number, extension["id"], "approve", "approver-hengdian").status_code == 404
    assert decide(desk, number, 999999, "approve").status_code == 404
    assert desk.api.case(number)["extensions"][0]["state"]["code"] == "requested"
    assert decide(desk, number, extension["id"], "approve").status_code == 200


def test_no_extension_once_the_review_is_over(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = decided(desk.api)
    response = ask(desk, number)
    assert response.status_code == 409
    assert response.json["detail"] == "办件不在部门审查环节，不能申请延期"


def test_joint_handling_allows_fifteen_days(app: Flask) -> None:
    """农村村民住房建设审批 is handled jointly (the catalogue says so; Art. 45): 15 working days."""
    desk = ClockedApi(app, "2026-11-25")
    number = housing.register(desk.api)
    housing.accept_and_survey(desk.api, number)
    response = ask(desk, number, "approver-zrzy")
    assert response.status_code == 201, response.json
    case = response.json
    assert (case["extension_allowance"], case["extensions"][0]["days"]) == (15, 15)
    assert case["extensions"][0]["organisation"]["name"] == "东阳市自然资源和规划局城区自然资源和规划所"
    # The station's head decides, not the market station's.
    extension_id = case["extensions"][0]["id"]
    assert decide(desk, number, extension_id, "approve", "head").status_code == 404
    assert decide(desk, number, extension_id, "approve", "head-zrzy").status_code == 200
    text, _ = document(desk.api, number, "extension", user="approver-zrzy")
    assert "第四十五条" in text
    assert "延长15个工作日" in text


def test_the_case_page_shows_both_limits_and_the_forms_of_who_may_act(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    page = f"/cases/{number}"

    clerk = Browser(app)
    clerk.log_in("clerk")
    html = clerk.get(page).get_data(as_text=True)
    assert "承诺时限" in html and "法定时限" in html
    assert "2026-11-30" in html and "2026-12-16" in html
    assert 'data-testid="ask-extension"' not in html  # the window does not ask

    approver = Browser(app)
    approver.log_in("approver")
    html = approver.get(page).get_data(as_text=True)
    assert 'data-testid="ask-extension"' in html
    assert 'data-testid="start-special-procedure"' in html
    refused = approver.post(f"{page}/extensions", {"reason": "", "days": ""})
    assert refused.status_code == 303
    assert "请填写延期理由" in approver.get(page).get_data(as_text=True)
    asked = approver.post(f"{page}/extensions", {"reason": REASON, "days": "5"})
    assert asked.status_code == 303
    html = approver.get(page).get_data(as_text=True)
    assert "待负责人审批" in html and REASON in html
    assert 'data-testid="approve-extension"' not in html  # the approver does not decide

    head = Browser(app)
    head.log_in("head")
    html = head.get(page).get_data(as_text=True)
    assert 'data-testid="approve-extension"' in html
    extension_id = desk.api.case(number)["extensions"][0]["id"]
    # The approver's post to the head's form is refused.
    assert approver.post(f"{page}/extensions/{extension_id}/approve", {}).status_code == 403
    assert head.post(f"{page}/extensions/{extension_id}/approve", {"note": "同意"}).status_code == 303
    html = head.get(page).get_data(as_text=True)
    assert "已批准" in html and "2026-12-07" in html  # 11-30 plus 5 working days
    assert "延期告知书" in html  # among the papers to print
    assert "批准延期：5 个工作日" in html  # the timeline


def test_the_inbox_prints_the_selected_cases_notices(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    first, second = desk.api.start_case(), desk.api.start_case()
    clerk = Browser(app)
    clerk.log_in("clerk")
    html = clerk.get("/inbox?tab=unclaimed").get_data(as_text=True)
    assert 'form="print-selected"' in html and "打印所选" in html
    response = clerk.http.get(f"/documents/batch.pdf?kind=receipt&cases={first}&cases={second}")
    assert response.status_code == 200
    text, reader = pdf_text(response.data)
    assert len(reader.pages) == 2 and first in text and second in text
    other = Browser(app)
    other.log_in("clerk-hengdian")
    assert other.http.get(f"/documents/batch.pdf?cases={first}").status_code == 404

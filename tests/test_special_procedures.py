"""Special procedures (特别程序) as the supervision tables name them: each start records its kind,
reason and expected days and gives the applicant a 特别程序告知书 (行政许可法 Art. 45); each end records
its result and when the applicant was told; the clock stands still meanwhile, by working days."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.clock import ClockedApi, in_shanghai
from tests.support.pages import Browser
from tests.support.pdf import document
from tests.support.steps import accepted

KINDS = {
    "hearing": "听证",
    "tender_auction": "招标、拍卖",
    "testing": "检验、检测、检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
    "inspection": "现场核查",
    "publicity": "公示",
    "other": "其他",
}


def start(desk: ClockedApi, number: str, **body: Any) -> Any:
    return desk.api.post(f"/api/v1/cases/{number}/suspend", "approver", json=body)


def end(desk: ClockedApi, number: str, **body: Any) -> Any:
    return desk.api.post(f"/api/v1/cases/{number}/resume", "approver", json=body)


@pytest.mark.parametrize(("kind", "label"), KINDS.items())
def test_every_kind_of_the_supervision_tables_starts_with_its_notice(
    app: Flask, kind: str, label: str
) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    reason = f"依法需要{label}"
    response = start(desk, number, kind=kind, reason=reason, expected_days=3)
    assert response.status_code == 200, response.json
    (procedure,) = response.json["suspensions"]
    assert procedure["kind"] == {"code": kind, "label": label}
    assert (procedure["reason"], procedure["expected_days"]) == (reason, 3)
    assert procedure["expected_resume_on"] == "2026-11-30"

    text, _ = document(desk.api, number, "special-procedure")
    assert "特别程序告知书" in text
    assert f"需要进行{label}" in text
    assert reason in text
    assert "3个工作日" in text
    assert "第四十五条" in text
    assert "不计算在办理期限内" in text
    assert "2026年11月30日" in text  # expected end
    assert "东阳市市场监督管理局吴宁市场监管所" in text  # the organ that started it
    assert "盖章" in text


def test_the_end_records_the_result_and_when_the_applicant_was_told(app: Flask) -> None:
    # Accepted Wednesday 2026-11-25, promised 3 and legal 15 working days: due 11-30 and 12-16.
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    assert desk.api.get(f"/api/v1/cases/{number}/documents/special-procedure.pdf", "clerk").status_code == 409

    desk.move_to("2026-11-26")
    body = {"kind": "testing", "reason": "食品经营场所需检测", "expected_days": 5}
    case = start(desk, number, **body).json
    assert [limit["state"]["code"] for limit in case["limits"]] == ["paused", "paused"]

    # Paused from Thursday 11-26 to the Thursday after: 11-27, 11-30, 12-01, 12-02, 12-03.
    desk.move_to("2026-12-03")
    told = in_shanghai("2026-12-03", 15)
    response = end(desk, number, result="检测合格", applicant_told_at=told.isoformat())
    assert response.status_code == 200, response.json
    case = response.json
    (procedure,) = case["suspensions"]
    assert procedure["result"] == "检测合格"
    assert procedure["applicant_told_at"] == told.isoformat()
    assert procedure["resumed_by"]["username"] == "approver"
    assert case["clock"]["paused_days"] == 5
    limits = {limit["kind"]["code"]: limit["due_date"] for limit in case["limits"]}
    assert limits == {"promised": "2026-12-07", "legal": "2026-12-23"}
    (resumed,) = [event for event in case["audit"] if event["action"] == "case.resumed"]
    assert resumed["summary"]["result"] == "检测合格"

    text, _ = document(desk.api, number, "special-procedure")
    assert "检验、检测、检疫" in text
    assert "特别程序结果检测合格" in text
    assert "告知日期2026年12月3日" in text


def test_a_result_without_a_time_was_told_now(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    start(desk, number, kind="hearing", reason="涉及相邻权人重大利益，申请人要求听证", expected_days=10)
    desk.move_to("2026-11-27", hour=11)
    procedure = end(desk, number, result="听证会认为申请符合条件").json["suspensions"][0]
    assert procedure["applicant_told_at"] == in_shanghai("2026-11-27", 11).isoformat()


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "bidding", "reason": "x", "expected_days": 2},
        {"kind": "appraisal", "reason": "", "expected_days": 2},
        {"kind": "appraisal", "reason": "x", "expected_days": 0},
    ],
)
def test_a_start_needs_a_known_kind_a_reason_and_days(app: Flask, body: dict[str, Any]) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    response = start(desk, number, **body)
    assert response.status_code == 422
    assert set(response.json["errors"]) <= {"kind", "reason", "expected_days"}


def test_an_end_refuses_unknown_fields(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    start(desk, number, kind="appraisal", reason="房屋安全鉴定", expected_days=2)
    response = end(desk, number, result="合格", outcome="x")
    assert response.status_code == 422
    assert "outcome" in response.json["errors"]
    assert desk.api.case(number)["status"]["code"] == "suspended"


def test_the_case_page_starts_and_ends_a_special_procedure(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    page = f"/cases/{number}"
    approver = Browser(app)
    approver.log_in("approver")
    html = approver.get(page).get_data(as_text=True)
    assert all(label in html for label in KINDS.values())  # the kinds to choose from
    # Refused input comes back as a readable message; nothing starts.
    assert (
        approver.post(f"{page}/suspend", {"kind": "", "reason": "x", "expected_days": "2"}).status_code == 303
    )
    assert "请选择特别程序种类" in approver.get(page).get_data(as_text=True)
    assert desk.api.case(number)["status"]["code"] == "under_review"

    body = {"kind": "appraisal", "reason": "房屋安全需鉴定", "expected_days": "4"}
    assert approver.post(f"{page}/suspend", body).status_code == 303
    html = approver.get(page).get_data(as_text=True)
    assert "房屋安全需鉴定" in html and "进行中，计时暂停" in html
    assert "特别程序告知书" in html  # among the papers
    assert 'data-testid="end-special-procedure"' in html

    clerk = Browser(app)
    clerk.log_in("clerk")
    assert 'data-testid="end-special-procedure"' not in clerk.get(page).get_data(as_text=True)
    assert clerk.post(f"{page}/resume", {"result": "x"}).status_code == 403

    desk.move_to("2026-11-27")
    approver = Browser(app)  # the session ended overnight
    approver.log_in("approver")
    approver.get(page)
    assert approver.post(f"{page}/resume", {"result": "鉴定结论：安全"}).status_code == 303
    procedure = desk.api.case(number)["suspensions"][0]
    assert procedure["result"] == "鉴定结论：安全"
    assert procedure["applicant_told_at"] is not None
    assert "鉴定结论：安全" in approver.get(page).get_data(as_text=True)

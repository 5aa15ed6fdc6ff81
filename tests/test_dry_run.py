"""Trying a process before it runs cases: the dry run walks a version through the real engine and
router for a township with sample data — which organisation each step reaches, the status it enters,
where the clock pauses, where it ends — and what would go wrong is a finding, never a 500. It writes
nothing: every table's row count and the audit chain's head are the same afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.api import HENGDIAN, WUNING, ApiClient
from tests.support.pages import Browser, page_text
from workflow_service.extensions import db
from workflow_service.models import AuditChainHead, ServiceItem
from workflow_service.services.process.sample_data import sample_data, sample_value

KEY = "individual_business_registration"
ALLOWANCE = "minimum_living_allowance"
LIUSHI = "330783006"  # 六石街道: a non-economic town, covered by the 六石市场监管所
ZHANGTAN = "330803001"  # 衢州市衢江区樟潭街道: the demo has no 民政局 in 衢江区


def dry_run(
    client: ApiClient, body: dict[str, Any], key: str = KEY, version: int = 1, user: str = "analyst"
) -> Any:
    return client.post(f"/api/v1/process-definitions/{key}/versions/{version}/dry-run", user, json=body)


def walked(client: ApiClient, body: dict[str, Any], key: str = KEY) -> dict[str, Any]:
    answer = dry_run(client, body, key)
    assert answer.status_code == 200, answer.json
    return answer.json


def rows(report: dict[str, Any]) -> list[tuple[str, str | None, str | None, str, str]]:
    """Each step as the table shows it: name, lane, organisation, status, clock."""
    return [
        (
            step["name"],
            step["lane"],
            step["organisation"]["name"] if step["organisation"] else None,
            step["status_label"],
            step["clock_label"],
        )
        for step in report["steps"]
    ]


def test_a_version_is_walked_step_by_step_with_who_gets_each_task_its_status_and_the_clock(
    client: ApiClient,
) -> None:
    report = walked(client, {"township": WUNING})
    assert rows(report) == [
        ("提交申请", "window", "吴宁街道便民服务中心", "申请/预审", "未起算"),
        ("受理", "window", "吴宁街道便民服务中心", "申请/预审", "未起算"),
        ("审核", "department", "东阳市市场监督管理局吴宁市场监管所", "审查", "计时"),
        ("出件", "window", "吴宁街道便民服务中心", "办结-准予", "停止计时"),
        ("已出件", None, None, "已出件", "停止计时"),
    ]
    review = report["steps"][2]
    assert review["statuses_entered"] == ["accepted", "under_review"]
    assert review["decision"] == "准予登记"  # the first choice of the form, with the opinion it then needs
    assert review["data"]["review_decision"] == "approve" and len(review["data"]["review_opinion"]) >= 2
    assert all(not step["findings"] for step in report["steps"])
    assert report["ended"] is True and report["stopped"] is None
    assert (report["end_element"], report["end_status"], report["end_label"]) == (
        "end_issued",
        "issued",
        "已出件",
    )
    assert report["path"][0] == "start" and report["path"][-1] == "end_issued" and "review" in report["path"]
    assert report["service_code"] == KEY and report["township"] == {"code": WUNING, "name": "吴宁街道"}


def test_an_item_sending_walk_in_applications_through_pre_review_is_walked_through_it(
    app: Flask, client: ApiClient
) -> None:
    with app.app_context():
        item = db.session.execute(select(ServiceItem).where(ServiceItem.code == KEY)).scalar_one()
        item.pre_review = ["window"]
        db.session.commit()
    report = walked(client, {"township": WUNING})
    assert [step["name"] for step in report["steps"]][:3] == ["提交申请", "预审", "受理"]
    assert report["ended"] is True and report["stopped"] is None


@pytest.mark.parametrize(
    ("township", "station"),
    [
        (HENGDIAN, "东阳市市场监督管理局横店市场监管所"),
        (LIUSHI, "东阳市市场监督管理局六石市场监管所"),
        ("330803101", "衢州市衢江区市场监督管理局"),  # no station: the county department itself
    ],
)
def test_the_township_chosen_decides_the_window_and_the_station_as_for_real_cases(
    client: ApiClient, township: str, station: str
) -> None:
    steps = walked(client, {"township": township})["steps"]
    assert steps[2]["organisation"]["name"] == station
    assert steps[1]["organisation"]["name"].endswith("便民服务中心")
    assert steps[1]["organisation"]["code"] == f"{township}-bmfwzx"


def test_the_analyst_chooses_each_outcome_and_a_supplement_round_pauses_the_clock(client: ApiClient) -> None:
    report = walked(
        client,
        {"township": WUNING, "decisions": {"acceptance": "受理", "review": ["退回窗口补正", "不予登记"]}},
    )
    assert [(name, status, clock) for name, _, _, status, clock in rows(report)] == [
        ("提交申请", "申请/预审", "未起算"),
        ("受理", "申请/预审", "未起算"),
        ("审核", "审查", "计时"),
        ("退回补正材料收取", "补正", "暂停计时"),
        ("审核", "审查", "计时"),
        ("出件", "办结-不予", "停止计时"),
        ("已出件", "已出件", "停止计时"),
    ]
    assert [step["decision"] for step in report["steps"][2:5:2]] == ["退回窗口补正", "不予登记"]
    # The sample data for a send-back lists what is missing, as that choice requires.
    assert report["steps"][2]["data"]["missing_materials"]
    assert "refused" in report["steps"][5]["statuses_entered"]


def test_a_publicity_timer_is_waited_for_and_pauses_the_clock_a_boundary_timer_is_only_met(
    client: ApiClient,
) -> None:
    report = walked(client, {"township": WUNING}, ALLOWANCE)
    steps = {step["name"]: step for step in report["steps"]}
    visit = steps["入户调查"]
    assert (visit["lane"], visit["organisation"]["name"]) == ("township", "吴宁街道党政综合办公室")
    publicity = next(step for step in report["steps"] if step["kind"] == "timer")
    assert publicity["clock"] == "paused" and publicity["status_label"] == "审查"
    assert [(t["pauses_clock"], t["fired"]) for t in publicity["timers"]] == [(True, True)]
    decision = steps["审核确认"]
    assert decision["organisation"]["name"] == "东阳市民政局" and decision["clock"] == "running"
    # The 10-day boundary timer runs beside the review, which is done before it falls due.
    assert [(t["bpmn_id"], t["pauses_clock"], t["fired"]) for t in decision["timers"]] == [
        (decision["timers"][0]["bpmn_id"], False, False)
    ]
    assert report["ended"] and report["end_label"] == "已出件"


def test_a_lane_without_an_organisation_in_that_township_is_a_finding_on_its_step(client: ApiClient) -> None:
    report = walked(client, {"township": ZHANGTAN}, ALLOWANCE)
    decision = next(step for step in report["steps"] if step["name"] == "审核确认")
    assert decision["organisation"] is None
    assert decision["findings"] == ["无法分派（department）：衢江区没有主管部门（civil_affairs）"]
    assert report["ended"]  # the walk goes on, to show the rest


def test_a_choice_going_round_a_loop_forever_is_stopped_at_the_step_limit(client: ApiClient) -> None:
    report = walked(client, {"township": WUNING, "decisions": {"acceptance": "补正"}})
    assert report["ended"] is False and report["end_label"] is None
    assert "仍未结束" in report["stopped"] and "受理、补正材料收取" in report["stopped"]
    assert report["steps"][-1]["findings"][-1] == report["stopped"]
    assert report["current"] == ["acceptance"]


def test_data_the_form_refuses_and_an_unknown_choice_are_findings(client: ApiClient) -> None:
    report = walked(
        client,
        {
            "township": WUNING,
            "data": {"tasks": {"review": {"review_decision": "approve"}}},
            "decisions": {"acceptance": "同意"},
        },
    )
    acceptance, review = report["steps"][1], report["steps"][2]
    assert acceptance["findings"][0].startswith("受理决定没有选项“同意”（可选：受理、")
    assert review["data"] == {"review_decision": "approve"}
    assert review["findings"] == ["数据不符合表单（真实办件会被拒绝）：review_opinion: 必填"]
    assert report["ended"]


def test_the_start_data_given_is_used_and_checked_against_the_application_form(client: ApiClient) -> None:
    report = walked(
        client, {"township": WUNING, "data": {"start": {"business_name": "东阳市吴宁试运行小吃店"}}}
    )
    start = report["steps"][0]
    assert start["data"] == {"business_name": "东阳市吴宁试运行小吃店"}
    assert start["findings"][0].startswith("申请数据不符合申请表（真实办件会被拒绝）：")
    assert "operator_name: 必填" in start["findings"][0]


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


def chain_head() -> tuple[int | None, str] | None:
    head = db.session.execute(select(AuditChainHead)).scalar_one_or_none()
    return (head.last_id, head.last_hash) if head else None


def test_a_dry_run_writes_nothing_not_even_an_audit_row(app: Flask, client: ApiClient) -> None:
    client.start_case()  # a real case beside: its rows stay as they are
    draft = start_draft(client)  # a draft too, and logging in (a token, an audit row): before counting
    with app.app_context():
        before, head = table_counts(), chain_head()
    assert draft_run(client, draft["id"], {"township": WUNING}).status_code == 200
    walked(client, {"township": WUNING, "decisions": {"review": ["退回窗口补正", "准予登记"]}})
    walked(client, {"township": WUNING}, ALLOWANCE)
    walked(client, {"township": ZHANGTAN}, ALLOWANCE)
    walked(client, {"township": WUNING, "decisions": {"acceptance": "补正"}})
    with app.app_context():
        assert table_counts() == before
        assert chain_head() == head
        assert before["case_file"] == 1 and before["process_draft"] == 1


@pytest.mark.parametrize("user", ["clerk", "approver", "supervisor", "admin"])
def test_only_analysts_may_dry_run(client: ApiClient, user: str) -> None:
    answer = dry_run(client, {"township": WUNING}, user=user)
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"


def test_a_version_that_does_not_exist_is_404(client: ApiClient) -> None:
    assert dry_run(client, {"township": WUNING}, version=99).status_code == 404
    assert dry_run(client, {"township": WUNING}, key="no_such_process").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "township"),
        ({"township": "999999999"}, "township"),
        ({"township": "330783"}, "township"),  # a county, not a township
        ({"township": WUNING, "decisions": {"review": 3}}, "decisions"),
        ({"township": WUNING, "decisions": {"review": []}}, "decisions"),
        ({"township": WUNING, "data": {"tasks": {"review": "approve"}}}, "data"),
        ({"township": WUNING, "data": {"start": ["x"]}}, "data"),
    ],
)
def test_a_body_that_does_not_fit_is_422_with_field_errors(
    client: ApiClient, body: dict[str, Any], field: str
) -> None:
    answer = dry_run(client, body)
    assert answer.status_code == 422, answer.json
    assert answer.mimetype == "application/problem+json"
    assert any(name.startswith(field) for name in answer.json["errors"]), answer.json


def test_without_a_token_it_is_401(app: Flask) -> None:
    answer = app.test_client().post(f"/api/v1/process-definitions/{KEY}/versions/1/dry-run", json={})
    assert answer.status_code == 401


def test_the_openapi_document_describes_the_dry_run_and_its_errors(app: Flask) -> None:
    document = app.test_client().get("/api/openapi.json").json
    operation = document["paths"]["/api/v1/process-definitions/{key}/versions/{version}/dry-run"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    assert operation["requestBody"]["content"]["application/json"]


DRAFTS = "/api/v1/process-drafts"


def start_draft(client: ApiClient, key: str = KEY) -> dict[str, Any]:
    answer = client.post(DRAFTS, "analyst", json={"process_key": key})
    assert answer.status_code == 201, answer.json
    return answer.json


def save_bpmn(client: ApiClient, draft: dict[str, Any], bpmn_xml: str) -> None:
    path = f"{DRAFTS}/{draft['id']}/bpmn"
    answer = client.http.put(
        path, headers=client.headers("analyst"), json={"bpmn_xml": bpmn_xml, "version": draft["version"]}
    )
    assert answer.status_code == 200, answer.json


def draft_run(client: ApiClient, draft_id: int, body: dict[str, Any], user: str = "analyst") -> Any:
    return client.post(f"{DRAFTS}/{draft_id}/dry-run", user, json=body)


def test_a_draft_is_tried_as_saved_and_a_failing_condition_is_a_finding_on_its_step(
    client: ApiClient,
) -> None:
    draft = start_draft(client)
    save_bpmn(
        client,
        draft,
        draft["bpmn_xml"].replace('review_decision == "approve"', "review_decision == approved_by_law"),
    )
    answer = draft_run(client, draft["id"], {"township": HENGDIAN})
    assert answer.status_code == 200, answer.json
    report = answer.json
    assert (report["draft_id"], report["version"]) == (draft["id"], None)
    review = report["steps"][2]
    assert review["name"] == "审核" and review["organisation"]["name"] == "东阳市市场监督管理局横店市场监管所"
    assert "approved_by_law" in review["findings"][-1] and review["findings"][-1].startswith("流程异常：")
    assert report["ended"] is False and report["stopped"] == review["findings"][-1]
    # The deployed version it was started from is untouched and still walks to its end.
    assert walked(client, {"township": HENGDIAN})["ended"] is True


def test_a_lane_the_router_does_not_know_is_a_finding_in_a_draft_not_a_refusal(client: ApiClient) -> None:
    draft = start_draft(client)
    save_bpmn(client, draft, draft["bpmn_xml"].replace('name="department"', 'name="legal_office"'))
    report = draft_run(client, draft["id"], {"township": WUNING}).json
    review = report["steps"][2]
    assert (review["lane"], review["organisation"]) == ("legal_office", None)
    assert review["findings"][0].startswith("部署时会被拒绝：用户任务须位于泳道")
    assert review["findings"][1] == "无法分派（legal_office）：未知泳道 'legal_office'"
    assert "review" in report["definition_problems"]
    assert report["ended"] is True


def test_a_new_process_from_the_template_is_tried_without_a_service_item(client: ApiClient) -> None:
    draft = start_draft(client, "dry_run_new_service")
    report = draft_run(client, draft["id"], {"township": WUNING}).json
    assert [step["name"] for step in report["steps"]][:2] == ["提交申请", "窗口办理"]
    assert report["steps"][1]["organisation"]["name"] == "吴宁街道便民服务中心"
    assert report["service_code"] is None and report["ended"] is True


def test_another_analysts_draft_cannot_be_tried_and_non_analysts_cannot_at_all(client: ApiClient) -> None:
    draft = start_draft(client)
    promoted = client.http.patch(
        "/api/v1/admin/users/supervisor",
        headers=client.headers("admin"),
        json={"roles": ["supervisor", "analyst"]},
    )
    assert promoted.status_code == 200, promoted.json
    assert draft_run(client, draft["id"], {"township": WUNING}, "supervisor").status_code == 404
    assert draft_run(client, draft["id"], {"township": WUNING}, "clerk").status_code == 404
    assert draft_run(client, 999999, {"township": WUNING}).status_code == 404
    assert draft_run(client, draft["id"], {"township": "nowhere"}).status_code == 422


TRY = f"/processes/{KEY}/versions/1/try"


def test_the_try_page_is_prefilled_and_shows_the_walk_for_the_township_picked(browser: Browser) -> None:
    browser.log_in("analyst")
    version = page_text(browser.get(f"/processes/{KEY}/1"))
    assert f'href="{TRY}"' in version  # linked from the version page
    page = browser.get(TRY)
    assert page.status_code == 200
    text = page_text(page)
    # The analyst's county first; the start form's sample data, built from the form.
    assert '<option value="330783001" selected>' in text
    assert "&#34;operator_id_number&#34;: &#34;11010519491231002X&#34;" in text
    assert 'data-testid="decision-review"' in text and "准予登记、不予登记、退回窗口补正" in text
    sample = json.dumps({"start": None, "tasks": {}})
    answer = browser.post(TRY, {"township": HENGDIAN, "sample": sample, "decision-review": "不予登记"})
    assert answer.status_code == 200
    shown = page_text(answer)
    assert "东阳市市场监督管理局横店市场监管所" in shown and "办结-不予" in shown
    assert "流程在 end_issued 结束" in shown


def test_the_try_page_refuses_sample_data_that_is_not_json_and_anyone_but_analysts(browser: Browser) -> None:
    browser.log_in("analyst")
    browser.get(TRY)
    answer = browser.post(TRY, {"township": WUNING, "sample": "{not json"})
    assert answer.status_code == 422 and "样例数据不是合法的 JSON" in page_text(answer)
    assert browser.get(f"/processes/{KEY}/versions/99/try").status_code == 404
    other = Browser(browser.http.application)
    other.log_in("supervisor")
    assert other.get(TRY).status_code == 403


@pytest.mark.parametrize(
    ("field", "accepted"),
    [
        ({"type": "string", "pattern": "^1[3-9][0-9]{9}$"}, "13800138000"),
        ({"type": "string", "pattern": "^乡字第[0-9]{6,20}号$"}, "乡字第000001号"),
        ({"type": "string", "format": "cn-resident-id"}, "11010519491231002X"),
        ({"type": "string", "enum": ["b", "a"]}, "b"),
        ({"type": "string", "examples": ["样例"], "default": "缺省"}, "缺省"),
        ({"type": "number", "exclusiveMinimum": 0, "maximum": 100000}, 1),
        ({"type": "integer", "minimum": 3}, 3),
    ],
)
def test_sample_values_follow_the_form(field: dict[str, Any], accepted: Any) -> None:
    assert sample_value(field) == accepted


def test_sample_data_fills_what_the_chosen_outcome_requires_and_stays_bounded() -> None:
    schema = {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": ["ok", "more"]},
            "reason": {"type": "string", "minLength": 4},
            "many": {"type": "array", "minItems": 10**9, "items": {"type": "string", "minLength": 10**9}},
            "odd": {"type": "string", "pattern": "(unclosed"},
        },
        "allOf": [
            {"if": {"properties": {"decision": {"const": "more"}}}, "then": {"required": ["reason", "many"]}}
        ],
    }
    assert sample_data(schema) == {"decision": "ok"}
    more = sample_data(schema, {"decision": "more"})
    assert len(more["reason"]) >= 4 and len(more["many"]) == 20 and len(more["many"][0]) <= 2000
    assert sample_data({**schema, "required": ["odd"]})[
        "odd"
    ]  # a pattern Python cannot read: a sample anyway

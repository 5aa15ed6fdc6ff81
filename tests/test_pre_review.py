"""预审 of online applications, where the item asks for it: the window of the matter's township passes
the application on to 受理, asks for materials (uploaded over the portal API, back to 预审; returned
when the deadline passes) or turns it away (预审不通过, not 不予受理); walk-in cases skip it."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support import allowance, housing
from tests.support.api import HENGDIAN, SERVICE, WUNING, ApiClient
from tests.support.applications import PATH, application_body, headers_for, portal_client, submit
from tests.support.bpmn import Process
from tests.support.clock import ClockedApi
from tests.support.pages import Browser, page_text
from tests.support.pdf import document
from tests.support.steps import PASS, only_task, pre_review
from tests.test_attachments import folder as folder  # the attachments' folder of the test's own
from tests.test_attachments import pdf_bytes
from tests.test_process_validation import errors, validate
from workflow_service.extensions import db
from workflow_service.models import OutboxEvent
from workflow_service.worker import Worker

ID_PROOF = "经营者身份证明"
PREMISES_PROOF = "经营场所使用证明"
SUPPLEMENT = {"pre_review_decision": "supplement", "missing_materials": [ID_PROOF, PREMISES_PROOF]}
FAIL = {"pre_review_decision": "fail", "failure_reason": "申请事项为食品经营，不属于个体工商户设立登记"}
ASKED_ON = "2026-11-23"  # a Monday: 10 working days later is 2026-12-07


@pytest.fixture
def headers(app: Flask, client: ApiClient) -> dict[str, str]:
    return headers_for(client, portal_client(app))


def online(client: ApiClient, headers: dict[str, str], township: str = HENGDIAN) -> str:
    response = submit(client, headers, application_body(matter_township=township))
    assert response.status_code == 201, response.json
    return str(response.json["number"])


def read(client: ApiClient, headers: dict[str, str], number: str) -> Any:
    answer = client.http.get(f"{PATH}/{number}", headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json


def outbox(app: Flask, number: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(OutboxEvent).where(OutboxEvent.case_number == number).order_by(OutboxEvent.sequence)
        ).scalars()
        return [(row.kind.value, row.payload["new_status"]) for row in rows]


def upload(client: ApiClient, headers: dict[str, str], number: str, material: str) -> Any:
    form = {"material_name": material, "file": (io.BytesIO(pdf_bytes()), f"{material}.pdf")}
    return client.http.post(
        f"{PATH}/{number}/attachments", data=form, headers=headers, content_type="multipart/form-data"
    )


def test_an_online_application_waits_in_pre_review_at_the_window_of_its_township(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    number = online(client, headers)
    body = read(client, headers, number)
    assert body["status"] == {"code": "pre_review", "label": "预审"}
    assert body["current_step"] == "预审中：窗口正在审核您的申请材料"

    # 横店镇's window has it, with its decision form; 吴宁街道's does not.
    [task] = [t for t in client.inbox("clerk-hengdian") if t["case_number"] == number]
    assert (task["name"], task["lane"], task["organisation"]["name"]) == (
        "预审",
        "window",
        "横店镇便民服务中心",
    )
    assert [t for t in client.inbox("clerk") if t["case_number"] == number] == []
    detail = client.get(f"/api/v1/tasks/{task['id']}", "clerk-hengdian").json
    decision = detail["form"]["properties"]["pre_review_decision"]
    assert decision["enum"] == ["pass", "supplement", "fail"]
    assert detail["form"]["properties"]["missing_materials"]["items"]["enum"][:2] == [
        "个体工商户登记（备案）申请书",
        ID_PROOF,
    ]
    assert outbox(app, number) == [("status-changed", "submitted"), ("status-changed", "pre_review")]


def test_pass_sends_the_application_on_to_acceptance(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    number = online(client, headers)
    assert pre_review(client, number, PASS, "clerk-hengdian").status_code == 200
    body = read(client, headers, number)
    assert body["status"] == {"code": "pre_reviewed", "label": "预审通过"}
    assert body["current_step"] == "预审已通过：等待窗口受理"
    assert only_task(client, number, "受理", "clerk-hengdian")["lane"] == "window"
    assert outbox(app, number)[-1] == ("status-changed", "pre_reviewed")
    accepted = client.complete(
        only_task(client, number, "受理", "clerk-hengdian")["id"],
        "clerk-hengdian",
        {"acceptance_decision": "accept"},
    )
    assert accepted.status_code == 200, accepted.json
    assert read(client, headers, number)["status"]["code"] == "under_review"


def test_fail_ends_the_application_with_its_reason_told_to_the_applicant(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    number = online(client, headers)
    without_reason = pre_review(client, number, {"pre_review_decision": "fail"}, "clerk-hengdian")
    assert without_reason.status_code == 422
    assert read(client, headers, number)["status"]["code"] == "pre_review"

    assert pre_review(client, number, FAIL, "clerk-hengdian").status_code == 200
    body = read(client, headers, number)
    # Not 不予受理: nothing was accepted, and no 不予受理决定书 is issued.
    assert body["status"] == {"code": "pre_review_failed", "label": "预审不通过"}
    assert body["current_step"] == "预审未通过：申请未被受理，原因见办理结果"
    assert body["result"]["code"] == "prereview_failed"
    assert body["result"]["label"] == "预审不通过"
    assert body["result"]["reason"] == FAIL["failure_reason"]
    case = client.case(number, "clerk-hengdian")
    assert case["ended_at"] is not None and case["current_tasks"] == []
    assert "accepted" not in [entry["status"] for entry in case["status_history"]]
    # The applicant is told: a notice-issued event of the outbox (webhooks, SMS channels).
    assert outbox(app, number)[-1] == ("notice-issued", "pre_review_failed")


def test_supplement_waits_for_the_uploads_and_returns_to_pre_review(
    app: Flask, client: ApiClient, headers: dict[str, str], folder: Any
) -> None:
    number = online(client, headers)
    assert pre_review(client, number, SUPPLEMENT, "clerk-hengdian").status_code == 200
    body = read(client, headers, number)
    assert body["status"]["code"] == "supplement"
    assert body["current_step"] == "待补正：请按补正告知书补齐材料"
    assert outbox(app, number)[-1] == ("notice-issued", "supplement")
    notices = client.case(number, "clerk-hengdian")["supplement_notices"]
    assert [m["name"] for m in notices[0]["materials"]] == [ID_PROOF, PREMISES_PROOF]

    # One of the two materials: still waiting.
    assert upload(client, headers, number, ID_PROOF).status_code == 201
    assert read(client, headers, number)["status"]["code"] == "supplement"
    # The second: back to 预审 at the same window, the notice received, its deadline job gone.
    assert upload(client, headers, number, PREMISES_PROOF).status_code == 201
    assert read(client, headers, number)["status"]["code"] == "pre_review"
    task = only_task(client, number, "预审", "clerk-hengdian")
    assert task["organisation"]["name"] == "横店镇便民服务中心"
    case = client.case(number, "clerk-hengdian")
    assert case["supplement_notices"][0]["received_at"] is not None
    received = [e for e in case["audit"] if e["action"] == "case.supplement_received"]
    assert received[0]["actor"] is None and received[0]["summary"]["client"] == "浙里办"
    # Now it passes, on to 受理.
    assert pre_review(client, number, PASS, "clerk-hengdian").status_code == 200
    only_task(client, number, "受理", "clerk-hengdian")


def test_the_supplement_deadline_returns_the_application_and_tells_the_applicant(app: Flask) -> None:
    clock = ClockedApi(app, ASKED_ON, hour=9)
    headers = headers_for(clock.api, portal_client(app))
    number = online(clock.api, headers)
    assert pre_review(clock.api, number, SUPPLEMENT, "clerk-hengdian").status_code == 200
    assert "请于2026年12月7日前" in document(clock.api, number, "supplement", "clerk-hengdian")[0]

    clock.move_to("2026-12-07", hour=17)  # the deadline day is still the applicant's
    Worker(app).run_once()
    assert clock.api.case(number, "clerk-hengdian")["status"]["code"] == "supplement"

    api = clock.move_to("2026-12-08", hour=9)
    Worker(app).run_once()
    case = api.case(number, "clerk-hengdian")
    assert case["status"] == {"code": "returned", "label": "退件"}
    assert case["ended_at"] is not None and case["current_tasks"] == []
    assert "逾期未补正" in case["result"]["reason"]
    assert outbox(app, number)[-1] == ("notice-issued", "returned")


def test_a_walk_in_case_skips_pre_review(client: ApiClient) -> None:
    number = client.start_case()
    case = client.case(number)
    assert case["status"]["code"] == "submitted"
    assert [t["name"] for t in case["current_tasks"]] == ["受理"]


def test_an_item_may_send_walk_in_cases_through_pre_review_too(client: ApiClient) -> None:
    path = f"/api/v1/services/{SERVICE}"
    changed = client.http.patch(
        path, headers=client.headers("analyst"), json={"pre_review": ["portal", "window"]}
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["pre_review"] == ["portal", "window"]
    number = client.start_case()
    assert client.case(number)["status"]["code"] == "pre_review"
    assert only_task(client, number, "预审")["lane"] == "window"

    wrong = client.http.patch(path, headers=client.headers("analyst"), json={"pre_review": ["fax"]})
    assert wrong.status_code == 422
    assert "pre_review" in wrong.json["errors"]


def test_the_clerk_decides_pre_review_on_the_pages(
    browser: Browser, client: ApiClient, headers: dict[str, str]
) -> None:
    number = online(client, headers)
    browser.log_in("clerk-hengdian")
    window = page_text(browser.get("/window"))
    assert number in window and "预审" in window
    task = only_task(client, number, "预审", "clerk-hengdian")
    page = page_text(browser.get(f"/tasks/{task['id']}"))
    assert "预审结论 / Pre-review decision" in page and "不通过 / Fail" in page

    # Without a reason the page keeps the choice and names the field.
    refused = browser.post(f"/tasks/{task['id']}", {"data": json.dumps({"pre_review_decision": "fail"})})
    assert refused.status_code == 422
    done = browser.post(f"/tasks/{task['id']}", {"data": json.dumps(FAIL, ensure_ascii=False)})
    assert done.status_code == 302
    case = page_text(browser.get(done.headers["Location"]))
    assert "预审不通过" in case and FAIL["failure_reason"] in case


def test_deploy_refuses_a_process_without_the_pre_review_its_item_asks_for(client: ApiClient) -> None:
    # A process named like the demo item's (which asks for 预审), but going straight to 核对.
    xml = Process(SERVICE, "登记", lane="window").start().user_task("check", "核对", form="v/note.json").end()
    report = validate(client, xml.xml())
    assert (SERVICE, "pre-review") in errors(report)
    # 预审 is the window's: marked on a task of another lane, it is refused at its element.
    elsewhere = (
        Process("v", "校验", lane="department")
        .start()
        .user_task("check", "预审", form="v/note.json", status="pre_review")
        .end()
    )
    assert ("check", "pre-review") in errors(validate(client, elsewhere.xml()))


def test_an_online_allowance_application_is_pre_reviewed_too(
    client: ApiClient, headers: dict[str, str]
) -> None:
    body = application_body(
        service_code=allowance.SERVICE, applicant=dict(allowance.APPLICANT), data=allowance.application()
    )
    body["matter_township"] = WUNING
    response = submit(client, headers, body)
    assert response.status_code == 201, response.json
    number = response.json["number"]
    assert response.json["status"]["code"] == "pre_review"
    assert only_task(client, number, "预审")["organisation"]["name"] == "吴宁街道便民服务中心"
    assert pre_review(client, number, PASS).status_code == 200
    assert only_task(client, number, "受理")["lane"] == "window"


def test_an_online_rural_housing_application_is_pre_reviewed_at_its_townships_window(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    data = {**housing.APPLICATION, "village": "横店镇南上湖村"}
    body = application_body(service_code=housing.SERVICE, applicant=dict(housing.HOUSEHOLDER), data=data)
    body["matter_township"] = HENGDIAN
    response = submit(client, headers, body)
    assert response.status_code == 201, response.json
    number = str(response.json["number"])
    assert read(client, headers, number)["status"] == {"code": "pre_review", "label": "预审"}

    # It waits in 横店镇's window, not in 吴宁街道's, with the housing materials to ask for.
    task = only_task(client, number, "预审", "clerk-hengdian")
    assert (task["lane"], task["organisation"]["name"]) == ("window", "横店镇便民服务中心")
    assert [t for t in client.inbox("clerk") if t["case_number"] == number] == []
    form = client.get(f"/api/v1/tasks/{task['id']}", "clerk-hengdian").json["form"]
    assert "村民委员会审查意见" in "".join(form["properties"]["missing_materials"]["items"]["enum"])

    assert pre_review(client, number, PASS, "clerk-hengdian").status_code == 200
    assert read(client, headers, number)["status"]["code"] == "pre_reviewed"
    acceptance = only_task(client, number, "受理", "clerk-hengdian")
    assert acceptance["lane"] == "window"
    accepted = client.complete(acceptance["id"], "clerk-hengdian", {"acceptance_decision": "accept"})
    assert accepted.status_code == 200, accepted.json
    assert read(client, headers, number)["status"]["code"] == "under_review"
    assert outbox(app, number)[:3] == [
        ("status-changed", "submitted"),
        ("status-changed", "pre_review"),
        ("status-changed", "pre_reviewed"),
    ]

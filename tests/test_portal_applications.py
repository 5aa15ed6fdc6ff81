"""Online applications as a portal sees them: into the same intake, 预审 at the township's window,
status reads in the applicant's words, materials, withdrawal and 好差评 — only for its own cases."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import HENGDIAN, ApiClient
from tests.support.applications import PATH, application_body, headers_for, portal_client, submit, submitted
from tests.support.portal import client_headers, register_client
from tests.support.steps import APPROVE, PASS, accept, issue, only_task, pre_review, review
from tests.test_attachments import folder as folder  # the attachments' folder of the test's own
from tests.test_attachments import pdf_bytes
from workflow_service.extensions import db
from workflow_service.models import Case, OutboxEvent
from workflow_service.services.portal import applications


@pytest.fixture
def headers(app: Flask, client: ApiClient) -> dict[str, str]:
    return headers_for(client, portal_client(app))


def read(client: ApiClient, headers: dict[str, str], number: str) -> Any:
    return client.http.get(f"{PATH}/{number}", headers=headers)


def outbox_statuses(app: Flask, number: str) -> list[str]:
    with app.app_context():
        events = db.session.execute(
            select(OutboxEvent).where(OutboxEvent.case_number == number).order_by(OutboxEvent.sequence)
        ).scalars()
        return [event.payload["new_status"] for event in events]


def test_an_online_application_waits_in_the_pre_review_of_its_townships_window(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    answer = submit(client, headers)
    assert answer.status_code == 201, answer.json
    assert answer.json["channel"] == "portal"
    # The demo item sends online applications through 预审 (catalog/service_items.yaml ``pre_review``).
    assert answer.json["status"] == {"code": "pre_review", "label": "预审"}
    assert answer.json["current_step"] == "预审中：窗口正在审核您的申请材料"
    number = answer.json["number"]

    # The window clerk of 吴宁街道 finds it in the inbox, as a walk-in case.
    case = client.case(number)
    assert case["channel"] == "portal"
    assert case["accepting_organisation"]["name"] == "吴宁街道便民服务中心"
    [task] = case["current_tasks"]
    assert (task["name"], task["lane"]) == ("预审", "window")
    started = next(entry for entry in case["audit"] if entry["action"] == "case.started")
    assert started["actor"] is None
    assert (started["summary"]["client"], started["summary"]["via"]) == ("浙里办", "app")
    with app.app_context():
        row = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert row.submitted_by_client_id is not None and row.created_by_id is None


def test_the_client_must_be_bound_to_the_matters_township(app: Flask, client: ApiClient) -> None:
    hengdian_only = headers_for(client, portal_client(app, name="横店APP", regions=(HENGDIAN,)))
    refused = submit(client, hengdian_only)
    assert refused.status_code == 403
    assert "吴宁街道" in refused.json["detail"]
    assert submit(client, hengdian_only, application_body(matter_township=HENGDIAN)).status_code == 201
    unknown = submit(client, hengdian_only, application_body(matter_township="330783999"))
    assert unknown.status_code == 422
    assert list(unknown.json["errors"]) == ["matter_township"]


def test_submitting_takes_the_write_scope_and_reading_the_read_scope(app: Flask, client: ApiClient) -> None:
    reader = register_client(app, name="只读", scopes=["applications:read"])
    response = submit(client, client_headers(client.http, reader))
    assert response.status_code == 403
    writer = register_client(app, name="只写", scopes=["applications:write"])
    writer_headers = client_headers(client.http, writer)
    number = submitted(client, writer_headers)
    assert read(client, writer_headers, number).status_code == 403
    staff = client.http.get(f"{PATH}/{number}", headers=client.headers("clerk"))
    assert staff.status_code == 401


def test_an_application_goes_pre_review_acceptance_decision_and_issue_with_an_event_at_each_status(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    number = submitted(client, headers)
    accept(client, number)  # 预审 通过, then 受理
    after_acceptance = read(client, headers, number).json
    assert after_acceptance["status"]["code"] == "under_review"
    assert after_acceptance["current_step"] == "审查中：主管部门正在审查"
    assert after_acceptance["due_date"] is not None
    assert review(client, number, APPROVE).status_code == 200
    decided = read(client, headers, number).json
    assert decided["result"]["label"] == "准予"
    assert (
        decided["collection"]["method"] is None and decided["collection"]["window"] == "吴宁街道便民服务中心"
    )
    assert issue(client, number).status_code == 200

    answer = read(client, headers, number)
    assert answer.status_code == 200
    body = answer.json
    statuses = [entry["status"]["code"] for entry in body["status_history"]]
    assert statuses[:4] == ["submitted", "pre_review", "pre_reviewed", "accepted"] and statuses[-2:] == [
        "approved",
        "issued",
    ]
    assert all(entry["at"] for entry in body["status_history"])
    assert body["current_step"] == "已出件：办理结果已送达"
    assert body["collection"]["label"] == "邮寄送达"
    assert body["collection"]["tracking_number"] == "SF1234567890"
    # No internal names reach the applicant: no task ids, lanes or element ids.
    assert "acceptance" not in str(body) and "window" not in body["current_step"]
    # The outbox has a row for every status the case entered, in order.
    assert outbox_statuses(app, number) == statuses

    rated = client.http.post(f"{PATH}/{number}/rating", json={"rating": "very_satisfied"}, headers=headers)
    assert rated.status_code == 201, rated.json
    assert rated.json["label"] == "非常满意"
    again = client.http.post(f"{PATH}/{number}/rating", json={"rating": "satisfied"}, headers=headers)
    assert again.status_code == 409


def test_acceptance_after_pre_review_may_still_ask_for_materials_or_refuse(
    client: ApiClient, headers: dict[str, str]
) -> None:
    asked = submitted(client, headers)
    assert pre_review(client, asked, PASS).status_code == 200
    task = only_task(client, asked, "受理")
    supplement = {"acceptance_decision": "supplement", "missing_materials": ["经营场所使用证明"]}
    assert client.complete(task["id"], "clerk", supplement).status_code == 200
    assert read(client, headers, asked).json["current_step"] == "待补正：请按补正告知书补齐材料"

    refused = submitted(client, headers)
    assert pre_review(client, refused, PASS).status_code == 200
    task = only_task(client, refused, "受理")
    refusal = {"acceptance_decision": "refuse", "refusal_reason": "经营场所不在本辖区"}
    assert client.complete(task["id"], "clerk", refusal).status_code == 200
    body = read(client, headers, refused).json
    assert body["status"]["code"] == "not_accepted"
    assert body["result"]["reason"] == "经营场所不在本辖区"


def test_another_client_never_sees_the_application(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    number = submitted(client, headers)
    other = headers_for(client, portal_client(app, name="12345热线"))
    assert read(client, other, number).status_code == 404
    assert client.http.get(PATH, headers=other).json == []
    for action, body in (("withdraw", {"reason": "不办了"}), ("rating", {"rating": "satisfied"})):
        assert client.http.post(f"{PATH}/{number}/{action}", json=body, headers=other).status_code == 404


def test_the_list_is_the_clients_own_keyset_paged_and_since_a_time(
    client: ApiClient, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = submitted(client, headers)
    second = submitted(client, headers)
    monkeypatch.setattr(applications, "PAGE_SIZE", 1)
    page = client.http.get(PATH, headers=headers)
    assert [row["number"] for row in page.json] == [first]
    cursor = page.headers["X-Next-Cursor"]
    rest = client.http.get(PATH, query_string={"cursor": cursor}, headers=headers)
    assert [row["number"] for row in rest.json] == [second]
    assert "X-Next-Cursor" not in rest.headers
    later = client.http.get(PATH, query_string={"since": "2099-01-01T00:00:00+08:00"}, headers=headers)
    assert later.status_code == 200 and later.json == []
    assert client.http.get(PATH, query_string={"cursor": "x"}, headers=headers).status_code == 422


def test_the_applicant_uploads_materials_checked_as_at_the_window(
    client: ApiClient, headers: dict[str, str], folder: Any
) -> None:
    number = submitted(client, headers)

    def upload(content: bytes, filename: str) -> Any:
        form = {"material_name": "经营者身份证明", "file": (io.BytesIO(content), filename)}
        return client.http.post(
            f"{PATH}/{number}/attachments", data=form, headers=headers, content_type="multipart/form-data"
        )

    stored = upload(pdf_bytes(), "身份证.pdf")
    assert stored.status_code == 201, stored.json
    assert stored.json["content_type"] == "application/pdf" and stored.json["uploaded_by"] is None
    assert upload(b"<html>not a pdf</html>", "身份证.pdf").status_code == 422
    listed = client.get(f"/api/v1/cases/{number}/attachments", "clerk").json
    assert [(a["material_name"], a["organisation"]["name"]) for a in listed] == [
        ("经营者身份证明", "吴宁街道便民服务中心")
    ]


def test_the_applicant_withdraws_until_a_decision(client: ApiClient, headers: dict[str, str]) -> None:
    number = submitted(client, headers)
    path = f"{PATH}/{number}/withdraw"
    withdrawn = client.http.post(path, json={"reason": "申请人不再需要办理"}, headers=headers)
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["status"]["code"] == "withdrawn"
    assert withdrawn.json["current_step"] == "已撤回"
    assert client.case(number)["current_tasks"] == []
    assert client.http.post(path, json={"reason": "再撤一次"}, headers=headers).status_code == 409

"""Notices as PDF: they open, say which case and service in Chinese, carry the status-page QR code,
and are refused (409) where they do not apply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from tests.support.api import ApiClient
from tests.support.pdf import document, pdf_text
from tests.support.steps import complete_only_task, tracked_case
from workflow_service.extensions import db
from workflow_service.models import Case, CaseStatus
from workflow_service.services.notices.case_outcome import MissingMaterial
from workflow_service.services.notices.documents import DocumentNotApplicable, supplement_notice

SERVICE_NAME = "个体工商户设立登记"
BASE_URL = "https://zwfw.dongyang.example.cn"


@pytest.fixture(autouse=True)
def public_base_url(app: Flask) -> Iterator[None]:
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = BASE_URL + "/"
    yield
    app.config["PUBLIC_BASE_URL"] = saved


def assert_common(text: str, reader: PdfReader, number: str) -> None:
    assert number in text
    assert SERVICE_NAME in text
    assert "吴宁街道便民服务中心" in text
    # The QR code is an image on the page, and its address is printed beside it.
    assert len(reader.pages[0].images) == 1
    assert f"{BASE_URL}/track/{number}" in text


def test_acceptance_notice_after_acceptance(client: ApiClient) -> None:
    number = client.start_case()
    refused = client.get(f"/api/v1/cases/{number}/documents/acceptance.pdf", "clerk")
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert "尚未受理" in refused.json["detail"]

    complete_only_task(client, number, "clerk", {"acceptance_decision": "accept"})
    text, reader = document(client, number, "acceptance")
    assert_common(text, reader, number)
    assert "受理通知书" in text
    assert "决定予以受理" in text
    assert "承诺办结日期" in text
    assert "东阳市市场监督管理局吴宁市场监管所" in text  # the handling organisation the case was routed to


def test_the_window_prints_the_query_password_it_was_given(client: ApiClient) -> None:
    number, password = tracked_case(client)
    complete_only_task(client, number, "clerk", {"acceptance_decision": "accept"})
    path = f"/api/v1/cases/{number}/documents/acceptance.pdf"

    printed = client.post(path, "clerk", json={"query_password": password})
    assert printed.status_code == 200
    text, _ = pdf_text(printed.data)
    assert f"查询密码{password}" in text

    wrong = "000000" if password != "000000" else "111111"
    response = client.post(path, "clerk", json={"query_password": wrong})
    assert response.status_code == 422
    assert response.json["errors"] == {"query_password": ["与办件的查询密码不符"]}
    # Fetched again later, the notice cannot know the password: it says where it was given.
    text, _ = document(client, number, "acceptance")
    assert password not in text
    assert "已在登记时告知申请人" in text


def test_not_accepted_decision_only_for_a_refused_application(client: ApiClient) -> None:
    accepted = client.start_case()
    complete_only_task(client, accepted, "clerk", {"acceptance_decision": "accept"})
    response = client.get(f"/api/v1/cases/{accepted}/documents/not-accepted.pdf", "clerk")
    assert response.status_code == 409
    assert response.json["detail"] == f"办件 {accepted} 未作出不予受理决定，不能出具不予受理决定书"

    refused = client.start_case()
    reason = "经营场所不在本辖区内，且材料不全"
    complete_only_task(client, refused, "clerk", {"acceptance_decision": "refuse", "refusal_reason": reason})
    text, reader = document(client, refused, "not-accepted")
    assert_common(text, reader, refused)
    assert "不予受理决定书" in text
    assert reason in text
    assert "行政复议" in text
    assert client.get(f"/api/v1/cases/{refused}/documents/acceptance.pdf", "clerk").status_code == 409


def test_completion_notice_once_decided_with_result_and_delivery(client: ApiClient) -> None:
    number = client.start_case()
    complete_only_task(client, number, "clerk", {"acceptance_decision": "accept"})
    assert client.get(f"/api/v1/cases/{number}/documents/completion.pdf", "clerk").status_code == 409
    opinion = "材料齐全，符合登记条件，准予登记"
    decision = {"review_decision": "approve", "review_opinion": opinion}
    complete_only_task(client, number, "approver", decision, claim=True)

    text, reader = document(client, number, "completion", user="approver")
    assert_common(text, reader, number)
    assert "办结通知" in text
    assert "准予办理" in text
    assert opinion in text

    complete_only_task(
        client, number, "clerk", {"delivery_method": "mail", "tracking_number": "SF1234567890"}
    )
    text, _ = document(client, number, "completion")
    assert "邮寄送达" in text
    assert "SF1234567890" in text


def test_supplement_notice_lists_every_missing_material_once(app: Flask, client: ApiClient) -> None:
    number = client.start_case()
    response = client.get(f"/api/v1/cases/{number}/documents/supplement.pdf", "clerk")
    assert response.status_code == 409
    assert "未要求补正材料" in response.json["detail"]

    missing = [
        MissingMaterial("经营场所使用证明", "租赁协议须有出租方签字"),
        MissingMaterial("经营者身份证明"),
    ]
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        with pytest.raises(DocumentNotApplicable):
            supplement_notice(case, missing)
        # The 补正 step itself is another piece of work; here the case is put in that state directly.
        case.status_history = [
            *case.status_history,
            {"status": CaseStatus.SUPPLEMENT.value, "at": case.submitted_at.isoformat()},
        ]
        content = supplement_notice(case, missing)
        with pytest.raises(DocumentNotApplicable):
            supplement_notice(case, [])
        db.session.rollback()
    text, reader = pdf_text(content)
    assert_common(text, reader, number)
    assert "补正材料通知书" in text
    assert "一次性告知" in text
    assert "共2项" in text
    assert "经营场所使用证明" in text
    assert "租赁协议须有出租方签字" in text
    assert "经营者身份证明" in text


def test_documents_are_scoped_and_kinds_are_fixed(client: ApiClient) -> None:
    number = client.start_case()
    complete_only_task(client, number, "clerk", {"acceptance_decision": "accept"})
    assert client.get(f"/api/v1/cases/{number}/documents/acceptance.pdf", "clerk-hengdian").status_code == 404
    assert client.get(f"/api/v1/cases/{number}/documents/licence.pdf", "clerk").status_code == 404
    assert client.http.get(f"/api/v1/cases/{number}/documents/acceptance.pdf").status_code == 401

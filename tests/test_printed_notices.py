"""What the clerk prints: the 收件凭证 at registration, the 容缺受理承诺书, the 补正 notice with its
deadline, a seal area on every notice, and several cases' notices bound into one PDF."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pypdf import PdfReader

from tests.support.clock import ClockedApi
from tests.support.pages import Browser
from tests.support.pdf import document, pdf_text
from tests.support.steps import accepted, only_task

SITE_PROOF = "经营场所使用证明"  # 可容缺 in the catalogue


def decide_acceptance(desk: ClockedApi, number: str, data: dict[str, Any]) -> None:
    response = desk.api.complete(only_task(desk.api, number, "受理")["id"], "clerk", data)
    assert response.status_code == 200, response.json


def batch(desk: ClockedApi, query: str, user: str = "clerk") -> Any:
    return desk.api.get(f"/api/v1/documents/batch.pdf?{query}", user)


def test_the_material_receipt_prints_at_registration(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = desk.api.start_case()
    text, _ = document(desk.api, number, "receipt")
    assert "收件凭证" in text
    assert "2026年11月25日" in text
    # Every material of the catalogue entry, with its form and whether it was taken in.
    for name in ("个体工商户登记（备案）申请书", "经营者身份证明", SITE_PROOF):
        assert name in text
    assert "已收取" in text
    assert "不代表申请已被受理" in text
    assert "申请人（签字）" in text
    assert "盖章" in text


def test_a_deferral_shows_on_the_receipt_and_the_promise_prints_for_signature(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = desk.api.start_case()
    decide_acceptance(
        desk,
        number,
        {"acceptance_decision": "accept", "deferred_materials": [SITE_PROOF], "deferral_promise": True},
    )
    text, _ = document(desk.api, number, "receipt")
    assert f"{SITE_PROOF}复印件1容缺，承诺" in text
    text, _ = document(desk.api, number, "deferral-promise")
    assert "容缺受理承诺书" in text
    assert SITE_PROOF in text
    assert "申请人（签字或盖章）" in text


def test_the_supplement_notice_states_its_deadline(app: Flask) -> None:
    # Asked on Wednesday 2026-11-25: ten working days later is Wednesday 12-09.
    desk = ClockedApi(app, "2026-11-25")
    number = desk.api.start_case()
    decide_acceptance(desk, number, {"acceptance_decision": "supplement", "missing_materials": [SITE_PROOF]})
    text, _ = document(desk.api, number, "supplement")
    assert "补正期限2026年12月9日前" in text
    assert "请于2026年12月9日前按上述要求补正" in text
    assert "盖章" in text
    text, _ = document(desk.api, number, "receipt")
    assert f"{SITE_PROOF}复印件1待补正" in text


def test_every_notice_has_a_seal_area(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    refused = desk.api.start_case()
    decide_acceptance(
        desk, refused, {"acceptance_decision": "refuse", "refusal_reason": "不属于本机关职权范围"}
    )
    for case, kind in ((number, "acceptance"), (refused, "not-accepted")):
        text, _ = document(desk.api, case, kind)
        assert "（盖章）" in text, kind


def test_a_queue_prints_as_one_pdf(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    first, second = accepted(desk.api), accepted(desk.api)
    response = batch(desk, f"cases={first},{second}&kind=acceptance")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    text, reader = pdf_text(response.data)
    assert len(reader.pages) == 2
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    assert first in pages[0] and second in pages[1]
    assert all("受理通知书" in page for page in pages)

    # Without a kind: every notice each case has now (收件凭证 and 受理通知书).
    everything = reader_of(batch(desk, f"cases={second}"))
    assert len(everything.pages) == 2
    text = "".join("".join(page.extract_text().split()) for page in everything.pages)
    assert "收件凭证" in text and "受理通知书" in text


def reader_of(response: Any) -> PdfReader:
    assert response.status_code == 200, response.get_data(as_text=True)
    return pdf_text(response.data)[1]


def test_the_batch_is_staff_scoped_and_checked(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = accepted(desk.api)
    registered = desk.api.start_case()
    assert app.test_client().get(f"/api/v1/documents/batch.pdf?cases={number}").status_code == 401
    # Another window's clerk sees neither case: the whole batch is refused.
    assert batch(desk, f"cases={number}", "clerk-hengdian").status_code == 404
    assert batch(desk, f"cases={number},330783-GTDJ-20261125-9999").status_code == 404
    # A case without the notice asked for.
    refused = batch(desk, f"cases={number},{registered}&kind=acceptance")
    assert refused.status_code == 409
    assert "尚未受理" in refused.json["detail"]
    wrong = batch(desk, f"cases={number}&kind=licence")
    assert wrong.status_code == 422
    assert "kind" in wrong.json["errors"]
    assert batch(desk, "cases=,").status_code == 422
    assert batch(desk, "kind=acceptance").status_code == 422


def test_the_page_after_registering_offers_the_receipt(app: Flask) -> None:
    desk = ClockedApi(app, "2026-11-25")
    number = desk.api.start_case()
    clerk = Browser(app)
    clerk.log_in("clerk")
    html = clerk.get(f"/cases/{number}?registered=1").get_data(as_text=True)
    link = f'href="/cases/{number}/documents/receipt.pdf"'
    assert link in html and "打印收件凭证" in html
    response = clerk.http.get(f"/cases/{number}/documents/receipt.pdf")
    assert response.status_code == 200
    assert "收件凭证" in pdf_text(response.data)[0]

"""Fees: a charged item's case owes the catalogued amount; the window records it paid or waived; the
department cannot grant while it is unpaid (409 naming the fee), but may refuse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.steps import APPROVE, REFUSE, accept, only_task, review

FEE = {"fee_required": True, "fee_basis": "浙价费〔2026〕1号（示例）", "fee_amount": "20.00"}


@pytest.fixture
def charged(client: ApiClient) -> None:
    """个体工商户设立登记 made a charged item by an analyst (a new catalogue version)."""
    response = client.http.patch(
        "/api/v1/services/individual_business_registration", headers=client.headers("analyst"), json=FEE
    )
    assert response.status_code == 200, response.json


def accepted(client: ApiClient) -> str:
    number = client.start_case()
    accept(client, number)
    return number


def pay(client: ApiClient, number: str, body: dict[str, Any], user: str = "clerk") -> Any:
    return client.post(f"/api/v1/cases/{number}/payment", user, json=body)


@pytest.mark.usefixtures("charged")
def test_granting_waits_for_the_fee(client: ApiClient) -> None:
    number = accepted(client)
    fee = client.case(number)["fee"]
    assert (fee["amount"], fee["basis"], fee["status"]["code"]) == ("20.00", FEE["fee_basis"], "unpaid")

    refused = review(client, number, APPROVE)
    assert refused.status_code == 409
    assert refused.json["type"] == "/problems/fee-unpaid"
    assert "20.00 元" in refused.json["detail"] and FEE["fee_basis"] in refused.json["detail"]
    assert refused.json["fee"] == {"amount": "20.00", "basis": FEE["fee_basis"], "status": "unpaid"}
    case = client.case(number)
    assert case["status"]["code"] == "under_review"  # the decision was not kept
    assert case["result"] is None and case["licence"] is None
    assert only_task(client, number, "审核", "approver")["state"] == "open"

    assert pay(client, number, {"status": "paid"}).status_code == 422  # no receipt number
    paid = pay(client, number, {"status": "paid", "receipt_number": "ZJ2026-0001234"})
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == {"code": "paid", "label": "已缴费"}
    assert paid.json["receipt_number"] == "ZJ2026-0001234"
    assert paid.json["settled_by"]["username"] == "clerk"

    assert review(client, number, APPROVE).status_code == 200
    case = client.case(number)
    assert case["result"]["code"] == "granted"
    assert "case.fee_paid" in [event["action"] for event in case["audit"]]


@pytest.mark.usefixtures("charged")
def test_a_waiver_needs_a_reason_and_frees_the_decision(client: ApiClient) -> None:
    number = accepted(client)
    missing = pay(client, number, {"status": "waived"})
    assert missing.status_code == 422
    assert missing.json["errors"] == {"reason": ["减免须说明理由"]}
    waived = pay(client, number, {"status": "waived", "reason": "最低生活保障对象，依规免收"})
    assert waived.status_code == 200
    assert waived.json["status"]["code"] == "waived"
    assert review(client, number, APPROVE).status_code == 200


@pytest.mark.usefixtures("charged")
def test_a_fee_is_recorded_once(client: ApiClient) -> None:
    number = accepted(client)
    assert pay(client, number, {"status": "paid", "receipt_number": "ZJ2026-0001"}).status_code == 200
    again = pay(client, number, {"status": "waived", "reason": "改为减免"})
    assert again.status_code == 409
    assert again.json["type"] == "/problems/fee-already-settled"


@pytest.mark.usefixtures("charged")
def test_only_the_accepting_window_records_payment(client: ApiClient) -> None:
    number = accepted(client)
    body = {"status": "paid", "receipt_number": "ZJ2026-0001"}
    assert pay(client, number, body, "approver").status_code == 403
    assert pay(client, number, body, "clerk-hengdian").status_code == 404


@pytest.mark.usefixtures("charged")
def test_an_unpaid_case_may_still_be_refused(client: ApiClient) -> None:
    number = accepted(client)
    assert review(client, number, REFUSE).status_code == 200
    assert client.case(number)["result"]["code"] == "refused"
    closed = pay(client, number, {"status": "paid", "receipt_number": "ZJ2026-0001"})
    assert closed.status_code == 409


def test_free_items_and_cases_registered_before_the_fee_owe_nothing(client: ApiClient) -> None:
    before = accepted(client)
    assert client.case(before)["fee"] is None
    response = pay(client, before, {"status": "paid", "receipt_number": "ZJ2026-0001"})
    assert response.status_code == 409
    assert response.json["type"] == "/problems/fee-not-charged"
    client.http.patch(
        "/api/v1/services/individual_business_registration", headers=client.headers("analyst"), json=FEE
    )
    # The case keeps the catalogue version it was registered under: granted without a fee.
    assert review(client, before, APPROVE).status_code == 200

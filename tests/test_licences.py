"""Electronic licences: a granted 个体工商户设立登记 produces 营业执照（个体工商户） with a generated unique
number, its validity and the deciding organisation, and a PDF that parses back with its number."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from tests.support.api import APPLICATION, ApiClient
from tests.support.clock import SHANGHAI
from tests.support.pdf import pdf_text
from tests.support.steps import APPROVE, REFUSE, decided, issued

NUMBER = re.compile(r"^330783-GTDJ-\d{4}-\d{6}$")


def test_a_granted_case_has_its_licence_record(client: ApiClient) -> None:
    number = decided(client, APPROVE)
    case = client.case(number)
    licence = case["licence"]
    assert licence["name"] == "营业执照（个体工商户）"
    assert NUMBER.match(licence["number"]), licence["number"]
    assert licence["holder_name"] == "张三"
    granted_at = datetime.fromisoformat(case["result"]["at"])
    assert licence["valid_from"] == granted_at.astimezone(SHANGHAI).date().isoformat()
    assert licence["valid_until"] is None  # 长期
    assert licence["issuing_organisation"] == {
        "code": "330783-scjgj-wuning",
        "name": "东阳市市场监督管理局吴宁市场监管所",
    }
    issued_rows = [event for event in case["audit"] if event["action"] == "licence.issued"]
    assert [row["summary"]["number"] for row in issued_rows] == [licence["number"]]


def test_licence_numbers_are_unique(client: ApiClient) -> None:
    first, second = decided(client), decided(client)
    numbers = {client.case(first)["licence"]["number"], client.case(second)["licence"]["number"]}
    assert len(numbers) == 2


def test_the_licence_pdf_parses_back_with_its_number(client: ApiClient) -> None:
    number = issued(client)
    licence = client.case(number)["licence"]
    response = client.get(f"/api/v1/cases/{number}/licence.pdf", "clerk")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text, reader = pdf_text(response.data)
    assert licence["number"] in text
    assert "营业执照（个体工商户）" in text
    assert APPLICATION["business_name"] in text
    assert "长期" in text
    assert "东阳市市场监督管理局吴宁市场监管所" in text
    assert number in text
    assert APPLICATION["operator_id_number"] not in text  # ID numbers stay off the licence
    assert len(reader.pages[0].images) == 1  # the QR code of the status page
    # The approver's organisation decided, so it reads it too; an outsider does not.
    assert client.get(f"/api/v1/cases/{number}/licence.pdf", "approver").status_code == 200
    assert client.get(f"/api/v1/cases/{number}/licence.pdf", "clerk-hengdian").status_code == 404


def test_no_licence_without_a_grant(client: ApiClient) -> None:
    refused = decided(client, REFUSE)
    assert client.case(refused)["licence"] is None
    response = client.get(f"/api/v1/cases/{refused}/licence.pdf", "clerk")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_validity_in_years_comes_from_the_catalogue_version(client: ApiClient) -> None:
    change = {"licence_valid_years": 3}
    assert (
        client.http.patch(
            "/api/v1/services/individual_business_registration",
            headers=client.headers("analyst"),
            json=change,
        ).status_code
        == 200
    )
    licence = client.case(decided(client))["licence"]
    valid_from = date.fromisoformat(licence["valid_from"])
    expected = valid_from.replace(year=valid_from.year + 3) - timedelta(days=1)
    assert licence["valid_until"] == expected.isoformat()
    pdf = client.get(f"/api/v1/cases/{client.start_case()}/licence.pdf", "clerk")
    assert pdf.status_code == 409  # registered, not granted


def test_an_item_without_a_licence_name_grants_without_one(client: ApiClient) -> None:
    response = client.http.patch(
        "/api/v1/services/individual_business_registration",
        headers=client.headers("analyst"),
        json={"licence_name": None},
    )
    assert response.status_code == 200, response.json
    case = client.case(decided(client))
    assert case["licence"] is None
    assert (case["result"]["code"], case["result"]["label"]) == ("granted", "准予")

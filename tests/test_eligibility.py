"""受理条件 declared per item in the catalogue: checked at registration (422 at the field) and at the grant (409).

老年人优待证 declares its rules in catalog/service_items.yaml: 60 or older by the holder's resident
ID, and living in the county (the ID's region code, or a declared local 居住证).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.clock import Clock
from tests.support.identity import resident_id
from tests.support.pages import Browser, page_text

SERVICE = "senior_citizen_card"
ELIGIBLE = resident_id("330783", date(1958, 8, 7), "003")


def body(holder_id: str, **data: str) -> dict[str, Any]:
    return {
        "service_code": SERVICE,
        "applicant": {"kind": "person", "name": "王德华", "id_number": holder_id, "phone": "13857901234"},
        "data": {
            "holder_name": "王德华",
            "holder_id_number": holder_id,
            "residence_type": "local",
            "residence_address": "东阳市吴宁街道艺海路12号",
            **data,
        },
    }


ISSUE = {"handling_decision": "issue", "card_number": "3307830012345", "recipient_name": "王德华"}


def test_the_item_shows_its_rules(client: ApiClient) -> None:
    item = client.get(f"/api/v1/services/{SERVICE}", "clerk").json["item"]
    assert item["eligibility"][0] == {"kind": "minimum_age", "years": 60, "id_field": "data.holder_id_number"}


def test_someone_born_in_1995_is_refused_at_registration_with_the_reason(
    client: ApiClient, clock: Clock
) -> None:
    response = client.post(
        "/api/v1/cases", "clerk", json=body(resident_id("330783", date(1995, 3, 1), "002"))
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.json["errors"] == {
        "data.holder_id_number": [
            "不符合受理条件：须年满 60 周岁，按身份证号码出生日期 1995-03-01 现年 31 周岁"
        ]
    }
    assert client.inbox("clerk") == []


@pytest.mark.parametrize(("born", "admitted"), [(date(1966, 11, 23), True), (date(1966, 11, 24), False)])
def test_the_age_counts_to_the_day(client: ApiClient, clock: Clock, born: date, admitted: bool) -> None:
    # The clock stands at Monday 23 November 2026: 60 on that day, not the day after.
    response = client.post("/api/v1/cases", "clerk", json=body(resident_id("330783", born, "003")))
    assert (response.status_code == 201) is admitted, response.json


def test_a_holder_from_elsewhere_needs_a_local_residence_permit(client: ApiClient, clock: Clock) -> None:
    elsewhere = resident_id("110105", date(1950, 1, 1), "003")
    refused = client.post("/api/v1/cases", "clerk", json=body(elsewhere))
    assert refused.status_code == 422
    assert refused.json["errors"]["data.holder_id_number"] == [
        "不符合受理条件：须为东阳市居民，身份证号码地区码 110105 不属东阳市，也未申报本地居住证明"
    ]
    with_permit = body(elsewhere, residence_type="resident_permit", residence_permit_number="JH2024001")
    assert client.post("/api/v1/cases", "clerk", json=with_permit).status_code == 201


def test_the_grant_is_refused_when_a_rule_is_no_longer_met(client: ApiClient, clock: Clock) -> None:
    number = client.register(body(ELIGIBLE))["number"]
    (task,) = client.case(number)["current_tasks"]
    # Since registration, the catalogue raised the age (an analyst's change, versioned).
    rules = client.get(f"/api/v1/services/{SERVICE}", "analyst").json["item"]["eligibility"]
    rules[0] = {**rules[0], "years": 70}
    changed = client.http.patch(
        f"/api/v1/services/{SERVICE}", headers=client.headers("analyst"), json={"eligibility": rules}
    )
    assert changed.status_code == 200, changed.json

    issued = client.complete(task["id"], "clerk", {**ISSUE, "recipient_id_number": ELIGIBLE})
    assert issued.status_code == 409
    assert issued.content_type == "application/problem+json"
    assert issued.json["detail"] == (
        "不符合受理条件：须年满 70 周岁，按身份证号码出生日期 1958-08-07 现年 68 周岁。"
        "不能准予，请作出不予受理或不予许可决定"
    )
    assert client.case(number)["status"]["code"] == "submitted"  # nothing was kept
    refused = client.complete(
        task["id"], "clerk", {"handling_decision": "refuse", "refusal_reason": "未满70周岁"}
    )
    assert refused.status_code == 200, refused.json
    assert client.case(number)["status"]["code"] == "not_accepted"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"kind": "minimum_income"}, "eligibility.0.kind"),
        ({"kind": "minimum_age", "years": "sixty"}, "eligibility.0.years"),
        ({"kind": "minimum_age", "years": 60, "id_field": "holder_id_number"}, "eligibility.0.id_field"),
        (
            {"kind": "residence_in_county", "declared_field": "data.residence_type"},
            "eligibility.0.declared_values",
        ),
    ],
)
def test_a_malformed_rule_is_refused_in_the_catalogue(client: ApiClient, rule: dict, field: str) -> None:
    response = client.http.patch(
        f"/api/v1/services/{SERVICE}", headers=client.headers("analyst"), json={"eligibility": [rule]}
    )
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_the_intake_page_shows_the_unmet_rule(live_app: Flask) -> None:
    browser = Browser(live_app)
    browser.log_in("clerk")
    intake = f"/services/{SERVICE}/apply"
    browser.get(intake)
    young = body(resident_id("330783", date(1995, 3, 1), "002"))
    form = {
        "applicant_kind": "person",
        "applicant_name": young["applicant"]["name"],
        "applicant_id_number": young["applicant"]["id_number"],
        "matter_township": "330783001",
        "data": json.dumps(young["data"], ensure_ascii=False),
    }
    refused = browser.post(intake, form)
    assert refused.status_code == 422
    assert "不符合受理条件：须年满 60 周岁，按身份证号码出生日期 1995-03-01" in page_text(refused)

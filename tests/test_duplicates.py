"""Duplicate applications: a second open case of the same item for the same applicant is 409 naming the
open cases, unless the clerk confirms with a reason, which the case keeps and the audit records."""

from __future__ import annotations

from typing import Any

from tests.support.api import ApiClient, case_body
from tests.support.steps import only_task

REASON = "申请人另设一处经营场所，分别登记"


def unconfirmed(**overrides: Any) -> dict[str, Any]:
    return case_body(**{"confirm_duplicate": None, **overrides})


def register(client: ApiClient, body: dict[str, Any], user: str = "clerk") -> Any:
    return client.post("/api/v1/cases", user, json=body)


def test_a_second_open_case_is_refused_naming_the_first(client: ApiClient) -> None:
    first = register(client, unconfirmed()).json["number"]
    response = register(client, unconfirmed())
    assert response.status_code == 409
    assert response.json["type"] == "/problems/duplicate-application"
    assert response.json["existing_cases"] == [first]
    assert first in response.json["detail"]
    assert "confirm_duplicate" in response.json["errors"]


def test_a_confirmed_duplicate_is_registered_with_its_reason(client: ApiClient) -> None:
    first = register(client, unconfirmed()).json["number"]
    response = register(client, unconfirmed(confirm_duplicate={"reason": REASON}))
    assert response.status_code == 201, response.json
    case = client.case(response.json["number"])
    assert case["duplicate"] == {"existing_cases": [first], "reason": REASON}
    (confirmed,) = [event for event in case["audit"] if event["action"] == "case.duplicate_confirmed"]
    assert confirmed["actor"] == "clerk"
    assert confirmed["summary"] == {"existing_cases": [first], "reason": REASON}
    # The third one names both.
    third = register(client, unconfirmed())
    assert third.json["existing_cases"] == [first, response.json["number"]]


def test_a_confirmation_needs_a_reason(client: ApiClient) -> None:
    register(client, unconfirmed())
    for confirmation in ({}, {"reason": ""}, {"reason": " "}):
        response = register(client, unconfirmed(confirm_duplicate=confirmation))
        assert response.status_code == 422, confirmation
        assert any(field.startswith("confirm_duplicate") for field in response.json["errors"])


def test_an_ended_case_is_no_duplicate(client: ApiClient) -> None:
    first = register(client, unconfirmed()).json["number"]
    refusal = {"acceptance_decision": "refuse", "refusal_reason": "经营场所不在本辖区"}
    assert client.complete(only_task(client, first, "受理")["id"], "clerk", refusal).status_code == 200
    response = register(client, unconfirmed())
    assert response.status_code == 201
    assert client.case(response.json["number"])["duplicate"] is None


def test_another_applicant_or_item_is_no_duplicate(client: ApiClient) -> None:
    register(client, unconfirmed())
    other = {"kind": "person", "name": "李四", "id_number": "110101198001011232", "phone": "13900139000"}
    assert register(client, unconfirmed(applicant=other)).status_code == 201


def test_open_cases_at_another_window_count(client: ApiClient) -> None:
    # 个体工商户设立登记 is 同城通办: the applicant may go to any window in the city.
    first = register(client, unconfirmed()).json["number"]
    response = register(client, unconfirmed(), user="clerk-hengdian")
    assert response.status_code == 409
    assert response.json["existing_cases"] == [first]

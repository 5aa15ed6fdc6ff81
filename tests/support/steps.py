"""Moves of a 个体工商户设立登记 case up to its decision and issuance, for the closing tests."""

from __future__ import annotations

from typing import Any

from tests.support.api import APPLICANT, ApiClient

APPROVE = {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}
REFUSE = {"review_decision": "refuse", "review_opinion": "经营范围含需前置许可的项目，不予登记"}
PICKUP = {
    "delivery_method": "pickup",
    "recipient_name": APPLICANT["name"],
    "recipient_id_number": APPLICANT["id_number"],
}
MAIL = {"delivery_method": "mail", "tracking_number": "SF1234567890"}
STRANGER_ID = "330783199006200115"  # a valid resident ID of nobody on the case


def only_task(client: ApiClient, number: str, name: str, user: str = "clerk") -> dict[str, Any]:
    """The case's one open task of its process, which must be ``name``: a stray parallel task fails the
    test (tasks outside the process, such as a 差评整改, do not count)."""
    tasks = [task for task in client.case(number, user)["current_tasks"] if task["kind"] == "workflow"]
    assert [task["name"] for task in tasks] == [name], tasks
    return tasks[0]


def accept(client: ApiClient, number: str) -> None:
    response = client.complete(
        only_task(client, number, "受理")["id"], "clerk", {"acceptance_decision": "accept"}
    )
    assert response.status_code == 200, response.json


def review(client: ApiClient, number: str, decision: dict[str, Any]) -> Any:
    return client.complete(only_task(client, number, "审核", "approver")["id"], "approver", decision)


def decided(client: ApiClient, decision: dict[str, Any] = APPROVE, **overrides: Any) -> str:
    """A case registered, accepted and decided; waiting at 出件."""
    number = client.start_case(**overrides)
    accept(client, number)
    response = review(client, number, decision)
    assert response.status_code == 200, response.json
    return number


def issue(client: ApiClient, number: str, delivery: dict[str, Any] = MAIL) -> Any:
    return client.complete(only_task(client, number, "出件")["id"], "clerk", delivery)


def issued(client: ApiClient, decision: dict[str, Any] = APPROVE, **overrides: Any) -> str:
    number = decided(client, decision, **overrides)
    response = issue(client, number)
    assert response.status_code == 200, response.json
    return number


def actions(case: dict[str, Any]) -> list[str]:
    return [event["action"] for event in case["audit"]]

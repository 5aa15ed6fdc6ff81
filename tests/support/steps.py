"""The moves of a case over the API, one signature each: find a task, accept, review, issue.

``only_task`` finds a task on the case, ``inbox_task`` in a user's inbox; the moves after them are
those of a 个体工商户设立登记 case up to its decision and issuance (the other services' own moves
build on these in their test files and in tests/support/allowance.py). Every move asserts that the
service took it; a test about a refusal calls ``ApiClient.complete`` and reads the answer itself.
"""

from __future__ import annotations

from typing import Any

from tests.support.api import APPLICANT, ApiClient, case_body

ACCEPT = {"acceptance_decision": "accept"}
PASS = {"pre_review_decision": "pass"}
APPROVE = {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}
REFUSE = {"review_decision": "refuse", "review_opinion": "经营范围含需前置许可的项目，不予登记"}
PICKUP = {
    "delivery_method": "pickup",
    "recipient_name": APPLICANT["name"],
    "recipient_id_number": APPLICANT["id_number"],
}
MAIL = {"delivery_method": "mail", "tracking_number": "SF1234567890"}
STRANGER_ID = "330783199006200115"  # a valid resident ID of nobody on the case


def only_task(client: ApiClient, number: str, name: str | None = None, user: str = "clerk") -> dict[str, Any]:
    """The case's one open task of its process (as ``user`` sees the case), named ``name`` when given:
    a stray parallel task fails the test (tasks outside the process, such as a 差评整改, do not count)."""
    tasks = [task for task in client.case(number, user)["current_tasks"] if task["kind"] == "workflow"]
    assert len(tasks) == 1, tasks
    if name is not None:
        assert tasks[0]["name"] == name, tasks
    return tasks[0]


def inbox_task(client: ApiClient, user: str, number: str | None = None) -> dict[str, Any]:
    """The one task of case ``number`` in ``user``'s inbox; without a number, the inbox's only task."""
    tasks = [task for task in client.inbox(user) if number is None or task["case_number"] == number]
    assert len(tasks) == 1, tasks
    return tasks[0]


def township_task(
    client: ApiClient, user: str, number: str, name: str, organisation: str, responsibility: str
) -> dict[str, Any]:
    """The only task in ``user``'s inbox: the case's ``name``, at the township office ``organisation``,
    fulfilling the responsibility item ``responsibility`` (docs/bpmn-conventions.md)."""
    task = inbox_task(client, user)
    assert (task["case_number"], task["name"], task["lane"]) == (number, name, "township")
    assert task["organisation"]["name"] == organisation
    detail = client.get(f"/api/v1/tasks/{task['id']}", user)
    assert detail.status_code == 200, detail.json
    assert detail.json["responsibility"]["code"] == responsibility
    return task


def complete_only_task(
    client: ApiClient, number: str, user: str, data: dict[str, Any], *, claim: bool = False
) -> dict[str, Any]:
    """Complete the case's one current task (as ``user`` sees the case) as ``user``, claiming it first
    with ``claim``: the task completed."""
    task = client.open_task(number, user)
    if claim:
        claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", user)
        assert claimed.status_code == 200, claimed.json
    response = client.complete(task["id"], user, data)
    assert response.status_code == 200, response.json
    return task


def pre_review(client: ApiClient, number: str, decision: dict[str, Any], user: str = "clerk") -> Any:
    """预审 of an online application with ``decision``: the answer, which the test checks."""
    task = only_task(client, number, "预审", user)
    assert task["lane"] == "window", task
    return client.complete(task["id"], user, decision)


def accept(client: ApiClient, number: str, user: str = "clerk") -> None:
    """受理 at the window (预审 通过 first, for an online application waiting in it): the case goes on
    to its review."""
    if only_task(client, number, user=user)["name"] == "预审":
        response = pre_review(client, number, PASS, user)
        assert response.status_code == 200, response.json
    task = only_task(client, number, "受理", user)
    assert task["lane"] == "window", task
    response = client.complete(task["id"], user, ACCEPT)
    assert response.status_code == 200, response.json


def accepted(client: ApiClient, user: str = "clerk", **overrides: Any) -> str:
    """A case registered (``case_body`` with ``overrides``) and accepted by ``user``: its number."""
    number = client.start_case(user, **overrides)
    accept(client, number, user)
    return number


def tracked_case(client: ApiClient, **overrides: Any) -> tuple[str, str]:
    """A case registered at the window: its number and the query password its applicant is given."""
    answer = client.register(case_body(**overrides))
    return answer["number"], answer["query_password"]


def review(client: ApiClient, number: str, decision: dict[str, Any], user: str = "approver") -> Any:
    """审核 with ``decision``: the answer, which the test checks."""
    return client.complete(only_task(client, number, "审核", user)["id"], user, decision)


def decided(client: ApiClient, decision: dict[str, Any] = APPROVE, **overrides: Any) -> str:
    """A case registered, accepted and decided; waiting at 出件."""
    number = accepted(client, **overrides)
    response = review(client, number, decision)
    assert response.status_code == 200, response.json
    return number


def issue(client: ApiClient, number: str, delivery: dict[str, Any] = MAIL, user: str = "clerk") -> Any:
    """出件 by ``delivery``: the answer, which the test checks."""
    return client.complete(only_task(client, number, "出件", user)["id"], user, delivery)


def issued(client: ApiClient, decision: dict[str, Any] = APPROVE, **overrides: Any) -> str:
    number = decided(client, decision, **overrides)
    response = issue(client, number)
    assert response.status_code == 200, response.json
    return number


def status_path(case: dict[str, Any]) -> list[str]:
    """The codes of the statuses a case answer has been through, in order."""
    return [entry["status"]["code"] for entry in case["status_history"]]


def actions(case: dict[str, Any]) -> list[str]:
    """The case's audit trail, as its actions, oldest first."""
    return [event["action"] for event in case["audit"]]

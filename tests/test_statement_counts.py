"""The SQL statements behind the main endpoints: a small constant each, whatever the data holds.

A budget is the most statements one request may send (transaction control left out). A change that
adds a query per row, per task or per request fails here, by count, not by timing: raise a budget
only with a reason in the commit. The request path every new endpoint shares is measured by
``bench/http_bench.py``; these counts keep it from growing behind the figures' back.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.api import ApiClient, case_body
from tests.support.applications import PATH, application_body, headers_for, portal_client
from tests.support.statements import counted_statements
from tests.support.steps import ACCEPT, APPROVE, PICKUP

# Registration and completions each send one statement more than before their answers named the
# case's open tasks (``next_tasks``: the tasks with their organisations); it spares the inbox read
# a client made to find its next task.
# Every request that commits audit rows sends two statements more for the audit chain
# (services/audit.py): the head row locked (SELECT … FOR UPDATE) and moved (UPDATE); its budget is
# written "N + AUDIT_CHAIN".
AUDIT_CHAIN = 2
# Opening a case is an audited read of personal data (查询留痕): its row's INSERT and the chain's two.
AUDITED_READ = AUDIT_CHAIN + 1
# Every status change also writes its outbox event (services.portal.outbox): one INSERT each, so
# registration (申请), 受理 (受理 and 审查), the decision and 出件 have one more per status they enter.
# Every request that makes a step also writes its 电子监察 records (services.supervision.step_records):
# one INSERT (an executemany) per request, whatever the records; written "+ FEED".
FEED = 1
BUDGETS = {
    "token": 8 + AUDIT_CHAIN,  # the throttles, the account, the token and its housekeeping, the audit
    # The first case of a day also creates that day's number counter; +1 outbox; -1 since a step's
    # deadline warnings take the open tasks from the step's own read of them (here and below).
    "register": 24 + AUDIT_CHAIN + FEED,
    "inbox": 5,
    "claim": 7 + AUDIT_CHAIN,  # -1 since the claim refreshes the task's columns only (its case stays loaded)
    # Each completion: -3 since the case's lock brings its process version, item and item version,
    # -1 since its answer is built from what the completion holds (only the next tasks are read).
    # +2 outbox: two statuses; -1 since the clock's read of the item no longer flushes an UPDATE
    "complete 受理": 22 + AUDIT_CHAIN + FEED,
    "complete 审核": 26 + AUDIT_CHAIN + FEED,  # the decision also numbers and issues the licence; +1 outbox
    "complete 出件": 16 + AUDIT_CHAIN + FEED,  # +1 outbox
    "case": 10 + AUDITED_READ,  # one more since the case answer lists its extensions (延期)
}


class CountingClient:
    """An API client whose every request is counted under a name."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.api = ApiClient(app.test_client())
        self.counts: dict[str, list[int]] = {}

    def request(self, name: str, method: str, path: str, user: str | None, **kwargs: Any) -> Any:
        # Tokens are taken once per user, outside the count of the request that needs one.
        headers = self.api.headers(user) if user else {}
        with counted_statements(self.app) as statements:
            response = self.api.http.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code in (200, 201), (name, response.json)
        self.counts.setdefault(name, []).append(len(statements))
        return response.json

    def over_budget(self) -> dict[str, list[int]]:
        return {name: counts for name, counts in self.counts.items() if max(counts) > BUDGETS[name]}


def run_case(client: CountingClient, applicant_serial: int) -> str:
    """A 个体工商户设立登记 case from registration to issuance, every request counted; each step's
    task id comes from the answer before it (``next_tasks``), the approver's inbox read is kept."""
    body = case_body()
    body["applicant"]["phone"] = f"1380013{applicant_serial:04d}"
    created = client.request("register", "POST", "/api/v1/cases", "clerk", json=body)
    number = created["number"]
    (acceptance,) = created["next_tasks"]
    accepted = client.request(
        "complete 受理", "POST", f"/api/v1/tasks/{acceptance['id']}/complete", "clerk", json={"data": ACCEPT}
    )
    (review,) = accepted["next_tasks"]
    inbox = client.request("inbox", "GET", "/api/v1/tasks", "approver")
    assert review["id"] in [task["id"] for task in inbox]
    client.request("claim", "POST", f"/api/v1/tasks/{review['id']}/claim", "approver")
    reviewed = client.request(
        "complete 审核", "POST", f"/api/v1/tasks/{review['id']}/complete", "approver", json={"data": APPROVE}
    )
    (issuance,) = reviewed["next_tasks"]
    client.request("case", "GET", f"/api/v1/cases/{number}", "clerk")
    issued = client.request(
        "complete 出件", "POST", f"/api/v1/tasks/{issuance['id']}/complete", "clerk", json={"data": PICKUP}
    )
    assert issued["next_tasks"] == []
    client.request("case", "GET", f"/api/v1/cases/{number}", "clerk")
    return number


def test_each_main_endpoint_keeps_to_its_statement_budget(app: Flask) -> None:
    client = CountingClient(app)
    client.api.inbox("clerk")  # the process's first read of the working calendar is not a request's cost
    for username in ("clerk", "approver"):
        client.request(
            "token", "POST", "/api/v1/auth/token", None, json={"username": username, "password": "demo"}
        )
    for serial in range(3):
        run_case(client, serial)
    assert set(client.counts) == set(BUDGETS)
    assert client.over_budget() == {}, client.counts


def test_a_longer_inbox_costs_no_more_statements(app: Flask) -> None:
    client = CountingClient(app)
    client.api.inbox("clerk")
    client.api.start_case()
    client.request("inbox", "GET", "/api/v1/tasks", "clerk")
    for _ in range(5):
        client.api.start_case()
    client.request("inbox", "GET", "/api/v1/tasks", "clerk")
    one, six = client.counts["inbox"]
    assert one == six, client.counts


# An online application (services.portal.applications) costs what the window's registration does
# and four more: the client's token, and the idempotency key looked up, claimed (INSERT, committed
# before the work) and answered (UPDATE); the window's duplicate check is not made. A replay: the
# token, the key, and its answer as stored. A status read or a page of the list: the token and one
# query (the cases with their item and window); no audit row, the client reads its own case.
APPLICATION_BUDGETS = {
    # The first case of a day also creates that day's number counter; -1 as the registration's. +2: the
    # application enters 预审 (the demo item's ``pre_review``) as well as 申请: its outbox event and audit row.
    "submit": 30 + AUDIT_CHAIN + FEED,
    "replay": 3,
    "read": 2,
    "list": 2,
}


def test_an_online_application_keeps_to_its_statement_budget(app: Flask) -> None:
    api = ApiClient(app.test_client())
    api.inbox("clerk")  # the working calendar's first read is not a request's cost
    headers = headers_for(api, portal_client(app))
    counts: dict[str, list[int]] = {}

    def counted(name: str, method: str, path: str, **kwargs: Any) -> Any:
        with counted_statements(app) as statements:
            response = api.http.open(
                path, method=method, headers={**headers, **kwargs.pop("extra", {})}, **kwargs
            )
        assert response.status_code in (200, 201), (name, response.json)
        counts.setdefault(name, []).append(len(statements))
        return response

    for serial in range(3):
        body = application_body()
        body["applicant"]["phone"] = f"1380013{serial:04d}"
        key = {"Idempotency-Key": f"count-{serial}"}
        number = counted("submit", "POST", PATH, json=body, extra=key).json["number"]
        counted("replay", "POST", PATH, json=body, extra=key)
        counted("read", "GET", f"{PATH}/{number}")
        counted("list", "GET", PATH)
    over = {name: c for name, c in counts.items() if max(c) > APPLICATION_BUDGETS[name]}
    assert over == {}, counts

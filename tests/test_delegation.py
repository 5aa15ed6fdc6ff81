"""Delegation (委托办理): a colleague works a user's claimed tasks for a period, in both names.

Extra users are added before a test's first request: on PostgreSQL the requests share one session,
and the rollback of an error response would also undo rows added after it began.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import ApiClient
from tests.support.clock import MONDAY_9AM, Clock
from tests.support.directory import add_user, delegate, staff_back_offices
from workflow_service.extensions import db
from workflow_service.models import AuditEvent

WUNING_CENTRE = "330783001-bmfwzx"
T0 = MONDAY_9AM  # the clock fixture stands there; tokens live 12 hours, so moves stay within that
HOUR = timedelta(hours=1)
FORBIDDEN_CLAIMED = "任务已被他人签收"


def claimed_acceptance(client: ApiClient, user: str = "clerk") -> tuple[str, str]:
    """A new case whose 受理 task ``user`` has claimed: (case number, task id)."""
    number = client.start_case()
    task = client.open_task(number)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", user).status_code == 200
    return number, task["id"]


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
            .scalars()
            .all()
        )


def test_delegate_sees_and_completes_the_delegators_claimed_task(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    number, task_id = claimed_acceptance(client)
    assert client.inbox("clerk-wuning") == []  # a colleague's claimed task is not theirs

    created = delegate(client, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)
    assert created["status"] == {"code": "active", "label": "生效中"}
    assert (created["delegator"]["username"], created["delegate"]["username"]) == ("clerk", "clerk-wuning")

    # The delegate's inbox shows the task, naming the colleague it is worked for.
    [entry] = client.inbox("clerk-wuning")
    assert (entry["id"], entry["case_number"]) == (task_id, number)
    assert entry["assignee"]["username"] == "clerk"
    assert entry["delegated_from"] == entry["assignee"]
    assert entry["delegated_from"]["full_name"]
    # The delegator still has it, as their own.
    [own] = client.inbox("clerk")
    assert own["id"] == task_id and own["delegated_from"] is None
    # Task and case views name the delegator to the delegate only.
    detail = client.get(f"/api/v1/tasks/{task_id}", "clerk-wuning").json
    assert detail["delegated_from"]["username"] == "clerk"
    assert client.case(number, "clerk-wuning")["current_tasks"][0]["delegated_from"]["username"] == "clerk"
    assert client.case(number, "supervisor")["current_tasks"][0]["delegated_from"] is None

    # Claiming changes nothing: the task stays the delegator's and the delegate works it for them.
    claim = client.post(f"/api/v1/tasks/{task_id}/claim", "clerk-wuning")
    assert claim.status_code == 200
    assert claim.json["assignee"]["username"] == "clerk"
    completed = client.complete(task_id, "clerk-wuning", {"acceptance_decision": "accept"})
    assert completed.status_code == 200, completed.json
    assert completed.json["completed_on_behalf_of"]["username"] == "clerk"

    case = client.case(number)
    [step] = case["history"]
    assert step["completed_by"]["username"] == "clerk-wuning"
    assert step["completed_on_behalf_of"]["username"] == "clerk"
    assert step["assignee"]["username"] == "clerk"
    [completion] = [event for event in case["audit"] if event["action"] == "task.completed"]
    assert completion["actor"] == "clerk-wuning"
    assert completion["summary"]["on_behalf_of"] == "clerk"
    assert [e["action"] for e in case["audit"]].count("task.claimed") == 1  # only the delegator's claim

    [created_event] = audit_rows(app, "delegation.created")
    assert created_event.actor_username == "clerk"
    assert created_event.summary["delegate"] == "clerk-wuning"
    assert created_event.summary["reason"] == "年休假"


def test_own_completions_record_no_delegator(client: ApiClient, clock: Clock) -> None:
    number, task_id = claimed_acceptance(client)
    delegate(client, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)
    assert client.complete(task_id, "clerk", {"acceptance_decision": "accept"}).status_code == 200
    [step] = client.case(number)["history"]
    assert step["completed_by"]["username"] == "clerk"
    assert step["completed_on_behalf_of"] is None


def test_delegate_may_hand_the_task_back_to_the_pool(client: ApiClient, clock: Clock) -> None:
    number, task_id = claimed_acceptance(client)
    delegate(client, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)
    released = client.post(f"/api/v1/tasks/{task_id}/unclaim", "clerk-wuning")
    assert released.status_code == 200
    assert released.json["assignee"] is None
    assert released.json["delegated_from"] is None
    unclaimed = [e for e in client.case(number)["audit"] if e["action"] == "task.unclaimed"]
    assert [(e["actor"], e["summary"]) for e in unclaimed] == [("clerk-wuning", {"on_behalf_of": "clerk"})]
    assert [t["id"] for t in client.inbox("clerk-hengdian")] == []
    assert [t["id"] for t in client.inbox("clerk")] == [task_id]


def test_delegation_to_an_approver_of_the_routed_back_office(
    client: ApiClient, app: Flask, clock: Clock
) -> None:
    staff_back_offices(app, "reviewer-a", "reviewer-b")
    number = client.start_case()
    accept = client.open_task(number)
    assert client.complete(accept["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    review = client.open_task(number, "supervisor")
    office = review["organisation"]["code"]
    reviewer_a, reviewer_b = f"reviewer-a-{office}", f"reviewer-b-{office}"
    assert client.post(f"/api/v1/tasks/{review['id']}/claim", reviewer_a).status_code == 200
    delegate(client, reviewer_a, reviewer_b, T0, T0 + 2 * HOUR, reason="参加培训")
    assert [t["delegated_from"]["username"] for t in client.inbox(reviewer_b)] == [reviewer_a]
    decision = {"review_decision": "approve", "review_opinion": "材料齐全，准予登记"}
    assert client.complete(review["id"], reviewer_b, decision).status_code == 200
    [step] = [s for s in client.case(number)["history"] if s["id"] == review["id"]]
    assert (step["completed_by"]["username"], step["completed_on_behalf_of"]["username"]) == (
        reviewer_b,
        reviewer_a,
    )


def assert_not_delegated(client: ApiClient, task_id: str) -> None:
    """Outside the period the task is a colleague's claimed task again: visible in scope, not workable (403)."""
    assert client.inbox("clerk-wuning") == []
    detail = client.get(f"/api/v1/tasks/{task_id}", "clerk-wuning")
    assert detail.status_code == 200
    assert detail.json["delegated_from"] is None
    for action in ("claim", "unclaim", "complete"):
        response = client.post(
            f"/api/v1/tasks/{task_id}/{action}",
            "clerk-wuning",
            json={"data": {"acceptance_decision": "accept"}},
        )
        assert response.status_code == 403, (action, response.json)
        assert response.json["title"] == FORBIDDEN_CLAIMED


def test_delegation_works_only_within_its_period(client: ApiClient, clock: Clock) -> None:
    number, task_id = claimed_acceptance(client)
    created = delegate(client, "clerk", "clerk-wuning", T0 + HOUR, T0 + 3 * HOUR)
    assert created["status"]["code"] == "scheduled"
    assert_not_delegated(client, task_id)  # before it starts

    clock.set(T0 + HOUR)  # the start is included
    assert [t["id"] for t in client.inbox("clerk-wuning")] == [task_id]

    clock.set(T0 + 3 * HOUR)  # the end is not
    assert_not_delegated(client, task_id)
    [listed] = client.get("/api/v1/delegations", "clerk").json
    assert listed["status"] == {"code": "ended", "label": "已到期"}
    assert client.case(number)["history"] == []


def test_revoked_delegation_stops_at_once(client: ApiClient, app: Flask, clock: Clock) -> None:
    _number, task_id = claimed_acceptance(client)
    created = delegate(client, "clerk", "clerk-wuning", T0, T0 + 8 * HOUR)
    assert [t["id"] for t in client.inbox("clerk-wuning")] == [task_id]
    revoke = f"/api/v1/delegations/{created['id']}/revoke"

    # Only the delegator or an admin revokes; the delegate sees it but may not; others do not see it.
    assert client.post(revoke, "clerk-wuning").status_code == 403
    assert client.post(revoke, "clerk-hengdian").status_code == 404
    assert client.post("/api/v1/delegations/999999/revoke", "clerk").status_code == 404
    clock.set(T0 + HOUR)
    revoked = client.post(revoke, "clerk")
    assert revoked.status_code == 200
    assert revoked.json["status"]["code"] == "revoked"
    assert revoked.json["revoked_at"] == (T0 + HOUR).isoformat()
    assert_not_delegated(client, task_id)

    again = client.post(revoke, "clerk")
    assert again.status_code == 409
    assert again.content_type == "application/problem+json"
    [event] = audit_rows(app, "delegation.revoked")
    assert (event.actor_username, event.summary["delegation"]) == ("clerk", created["id"])


def test_admin_may_revoke_and_a_scheduled_delegation_can_be_cancelled(
    client: ApiClient, clock: Clock
) -> None:
    created = delegate(client, "clerk", "clerk-wuning", T0 + 2 * HOUR, T0 + 4 * HOUR)
    response = client.post(f"/api/v1/delegations/{created['id']}/revoke", "admin")
    assert response.status_code == 200
    assert response.json["status"]["code"] == "revoked"


def test_revoking_an_ended_delegation_is_a_conflict(client: ApiClient, clock: Clock) -> None:
    created = delegate(client, "clerk", "clerk-wuning", T0, T0 + HOUR)
    clock.set(T0 + 2 * HOUR)
    assert client.post(f"/api/v1/delegations/{created['id']}/revoke", "clerk").status_code == 409


def test_delegations_list_the_given_and_the_received(client: ApiClient, clock: Clock) -> None:
    given = delegate(client, "clerk", "clerk-wuning", T0, T0 + HOUR)
    received = delegate(client, "clerk-wuning", "clerk", T0 + 2 * HOUR, T0 + 3 * HOUR, reason="外出培训")
    assert [d["id"] for d in client.get("/api/v1/delegations", "clerk").json] == [received["id"], given["id"]]
    assert [d["id"] for d in client.get("/api/v1/delegations", "clerk-wuning").json] == [
        received["id"],
        given["id"],
    ]
    assert client.get("/api/v1/delegations", "clerk-hengdian").json == []


def test_delegation_is_not_passed_on(client: ApiClient, app: Flask, clock: Clock) -> None:
    add_user(app, "clerk-third", WUNING_CENTRE, ["clerk"])
    _number, task_id = claimed_acceptance(client)
    delegate(client, "clerk", "clerk-wuning", T0, T0 + HOUR)
    delegate(client, "clerk-wuning", "clerk-third", T0, T0 + HOUR)
    assert client.inbox("clerk-third") == []
    assert client.post(f"/api/v1/tasks/{task_id}/claim", "clerk-third").status_code == 403


def test_naive_times_are_read_as_beijing_time(client: ApiClient, clock: Clock) -> None:
    response = client.post(
        "/api/v1/delegations",
        "clerk",
        json={
            "delegate": "clerk-wuning",
            "starts_at": "2026-11-23T09:00:00",
            "ends_at": "2026-11-23T18:00:00",
            "reason": "病假",
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["starts_at"] == "2026-11-23T01:00:00+00:00"
    assert response.json["ends_at"] == "2026-11-23T10:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"delegate": "nobody"}, "delegate", "本机构没有该用户"),
        ({"delegate": "clerk-hengdian"}, "delegate", "本机构没有该用户"),
        ({"delegate": "clerk"}, "delegate", "不能委托给自己"),
        ({"delegate": "clerk-retired"}, "delegate", "该用户已停用"),
        ({"delegate": "wuning-cooperator"}, "delegate", "受托人须具有与您相同的岗位（窗口人员）"),
        ({"ends_at": T0.isoformat()}, "ends_at", "结束时间须晚于开始时间"),
        ({"ends_at": (T0 - HOUR).isoformat()}, "ends_at", "结束时间须晚于开始时间"),
        ({"ends_at": (T0 + timedelta(days=90, seconds=1)).isoformat()}, "ends_at", "委托期限最长 90 天"),
        (
            {"starts_at": (T0 - 3 * HOUR).isoformat(), "ends_at": (T0 - HOUR).isoformat()},
            "ends_at",
            "结束时间须晚于当前时间",
        ),
        ({"reason": "   "}, "reason", "必填"),
        ({"starts_at": "next monday"}, "starts_at", "Not a valid datetime."),
    ],
)
def test_invalid_delegations_are_field_errors(
    client: ApiClient, app: Flask, clock: Clock, changes: dict, field: str, message: str
) -> None:
    add_user(app, "clerk-retired", WUNING_CENTRE, ["clerk"], active=False)
    add_user(app, "wuning-cooperator", WUNING_CENTRE, ["cooperator"])
    body = {
        "delegate": "clerk-wuning",
        "starts_at": T0.isoformat(),
        "ends_at": (T0 + 4 * HOUR).isoformat(),
        "reason": "年休假",
        **changes,
    }
    response = client.post("/api/v1/delegations", "clerk", json=body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.json["errors"] == {field: [message]}
    assert client.get("/api/v1/delegations", "clerk").json == []
    assert audit_rows(app, "delegation.created") == []


def test_ninety_days_is_the_longest_period(client: ApiClient, clock: Clock) -> None:
    delegate(client, "clerk", "clerk-wuning", T0, T0 + timedelta(days=90))


def test_overlapping_delegation_to_the_same_colleague_is_refused(client: ApiClient, clock: Clock) -> None:
    delegate(client, "clerk", "clerk-wuning", T0, T0 + 4 * HOUR)
    response = client.post(
        "/api/v1/delegations",
        "clerk",
        json={
            "delegate": "clerk-wuning",
            "starts_at": (T0 + 2 * HOUR).isoformat(),
            "ends_at": (T0 + 6 * HOUR).isoformat(),
            "reason": "延长休假",
        },
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["starts_at"]
    # Back to back is fine.
    delegate(client, "clerk", "clerk-wuning", T0 + 4 * HOUR, T0 + 6 * HOUR)


def test_delegation_request_needs_every_field(client: ApiClient) -> None:
    response = client.post("/api/v1/delegations", "clerk", json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"delegate", "starts_at", "ends_at", "reason"}


def test_users_without_an_inbox_have_nothing_to_delegate(client: ApiClient, clock: Clock) -> None:
    response = client.post(
        "/api/v1/delegations",
        "analyst",
        json={
            "delegate": "admin",
            "starts_at": T0.isoformat(),
            "ends_at": (T0 + HOUR).isoformat(),
            "reason": "年休假",
        },
    )
    assert response.status_code == 403

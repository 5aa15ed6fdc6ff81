"""Reassignment (改派): a supervisor moves an open task to another organisation of the right type.

Extra organisations and users are added before a test's first request: on PostgreSQL the requests
share one session, and the rollback of an error response would also undo rows added after it began.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.api import APPLICANT, APPLICATION, SERVICE, ApiClient
from tests.support.directory import add_user, department_type_of_the_service, organisation, staff_back_offices
from workflow_service.extensions import db
from workflow_service.models import (
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    Task,
    TaskState,
    User,
)
from workflow_service.services.intake.cases import CaseRegistration, start_case

DONGYANG = "330783"
WUNING_CENTRE = "330783001-bmfwzx"
HENGDIAN_CENTRE = "330783111-bmfwzx"
GOVERNMENT_SERVICES = "330783-zwfwb"  # a county department of another type
REASON = "派驻机构人手不足，临时改派"


def region_id(code: str) -> int:
    return db.session.execute(select(Region.id).where(Region.code == code)).scalar_one()


def add_organisation(
    app: Flask, code: str, kind: OrganisationKind, region_code: str, **values: object
) -> None:
    with app.app_context():
        db.session.add(
            Organisation(
                code=code, name=f"测试机构 {code}", kind=kind, region_id=region_id(region_code), **values
            )
        )
        db.session.commit()


def add_other_county(app: Flask) -> None:
    """A second county of the same city, with a township service centre and a market regulation bureau."""
    with app.app_context():
        city_id = db.session.execute(select(Region.parent_id).where(Region.code == DONGYANG)).scalar_one()
        county = Region(code="339901", name="测试县", level=RegionLevel.COUNTY, parent_id=city_id)
        db.session.add(county)
        db.session.flush()
        db.session.add(
            Region(code="339901001", name="测试镇", level=RegionLevel.TOWNSHIP, parent_id=county.id)
        )
        db.session.commit()
    add_organisation(app, "339901001-bmfwzx", OrganisationKind.SERVICE_CENTRE, "339901001")
    add_organisation(
        app, "339901-scjgj", OrganisationKind.DEPARTMENT, "339901", department_type="market_regulation"
    )
    add_user(app, "clerk-testzhen", "339901001-bmfwzx", ["clerk"])
    add_user(app, "approver-testxian", "339901-scjgj", ["approver"])
    add_user(app, "supervisor-testxian", "339901-scjgj", ["supervisor"])


def reassign(client: ApiClient, task_id: str, user: str, to: str, reason: str = REASON) -> object:
    return client.post(f"/api/v1/tasks/{task_id}/reassign", user, json={"organisation": to, "reason": reason})


def accepted_case(client: ApiClient) -> tuple[str, dict]:
    """A case accepted at the 吴宁 window, with its 审核 task open at the routed back office."""
    number = client.start_case()
    task = client.open_task(number)
    assert client.complete(task["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    return number, client.open_task(number, "supervisor")


def township_site_check(app: Flask, office_code: str) -> str:
    """An open 现场核查 cooperation task at a township office, on a newly started case; its id.

    No deployed process has a township lane yet, so the task is put on the case directly."""
    task_id = str(uuid.uuid4())
    with app.app_context():
        clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()
        case = start_case(clerk, CaseRegistration(SERVICE, APPLICANT, APPLICATION))
        db.session.add(
            Task(
                id=task_id,
                case_id=case.id,
                bpmn_id="site_check",
                name="现场核查",
                lane="township",
                organisation_id=organisation(office_code).id,
                role="cooperator",
                state=TaskState.OPEN,
            )
        )
        db.session.commit()
    return task_id


def test_window_task_moves_to_another_township_service_centre(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", "clerk").status_code == 200

    response = reassign(client, task["id"], "supervisor", HENGDIAN_CENTRE, reason="吴宁窗口系统故障")
    assert response.status_code == 200, response.json
    assert response.json["organisation"]["code"] == HENGDIAN_CENTRE
    assert response.json["assignee"] is None  # the claim is cleared

    # It leaves the old window's inboxes and lands in the new one's.
    assert client.inbox("clerk") == []
    assert client.inbox("clerk-wuning") == []
    assert [t["id"] for t in client.inbox("clerk-hengdian")] == [task["id"]]
    assert client.complete(task["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 403
    # The new window sees the case and works the task.
    assert client.case(number, "clerk-hengdian")["current_tasks"][0]["id"] == task["id"]
    done = client.complete(task["id"], "clerk-hengdian", {"acceptance_decision": "accept"})
    assert done.status_code == 200, done.json

    case = client.case(number, "supervisor")
    assert case["history"][0]["completed_by"]["username"] == "clerk-hengdian"
    [event] = [e for e in case["audit"] if e["action"] == "task.reassigned"]
    assert event["actor"] == "supervisor"
    assert event["task_id"] == task["id"]
    assert event["summary"] == {
        "task": "受理",
        "from": WUNING_CENTRE,
        "to": HENGDIAN_CENTRE,
        "reason": "吴宁窗口系统故障",
        "previous_assignee": "clerk",
    }


def test_back_office_task_moves_to_a_station_of_the_same_department_type(
    client: ApiClient, app: Flask
) -> None:
    staff_back_offices(app, "reviewer")
    department_type = department_type_of_the_service(app)
    add_organisation(
        app, "330783-test-station", OrganisationKind.STATION, DONGYANG, department_type=department_type
    )
    add_user(app, "reviewer-new", "330783-test-station", ["approver"])
    number, review = accepted_case(client)
    office = review["organisation"]["code"]
    reviewer_old = f"reviewer-{office}"
    assert client.post(f"/api/v1/tasks/{review['id']}/claim", reviewer_old).status_code == 200

    response = reassign(client, review["id"], "supervisor", "330783-test-station")
    assert response.status_code == 200, response.json
    assert client.inbox(reviewer_old) == []
    assert [t["id"] for t in client.inbox("reviewer-new")] == [review["id"]]
    assert client.get(f"/api/v1/cases/{number}", "reviewer-new").status_code == 200
    decision = {"review_decision": "approve", "review_opinion": "同意"}
    # 404 once the old office has no task of the case left in its scope, else 403: never workable.
    assert client.complete(review["id"], reviewer_old, decision).status_code in (403, 404)
    assert client.complete(review["id"], "reviewer-new", decision).status_code == 200
    # The result still goes back to the accepting window.
    assert [t["name"] for t in client.inbox("clerk")] == ["出件"]
    [event] = [e for e in client.case(number)["audit"] if e["action"] == "task.reassigned"]
    assert (event["summary"]["from"], event["summary"]["to"]) == (office, "330783-test-station")
    assert event["summary"]["previous_assignee"] == reviewer_old


@pytest.fixture
def targets(app: Flask) -> None:
    """Organisations a window task may not be moved to, besides the demo ones."""
    add_other_county(app)
    add_organisation(app, "330783102-closed", OrganisationKind.SERVICE_CENTRE, "330783102", active=False)
    add_organisation(app, "330783102-nobody", OrganisationKind.SERVICE_CENTRE, "330783102")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (GOVERNMENT_SERVICES, "窗口任务只能改派给乡镇（街道）便民服务中心"),
        ("no-such-organisation", "没有编码为 no-such-organisation 的机构"),
        ("330783102-closed", "没有编码为 330783102-closed 的机构"),
        (WUNING_CENTRE, "任务已在该机构"),
        ("339901001-bmfwzx", "只能改派给本县（市、区）的便民服务中心"),
        ("330783102-nobody", "该机构没有可办理此任务的人员"),
    ],
)
def test_window_task_to_a_wrong_organisation_is_a_field_error(
    client: ApiClient, targets: None, target: str, message: str
) -> None:
    number = client.start_case()
    task = client.open_task(number)
    before = client.case(number)
    response = reassign(client, task["id"], "supervisor", target)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.json["errors"] == {"organisation": [message]}
    after = client.case(number)
    assert (after["current_tasks"], after["audit"]) == (before["current_tasks"], before["audit"])


def test_back_office_task_to_a_wrong_organisation_is_a_field_error(client: ApiClient, app: Flask) -> None:
    add_other_county(app)
    department_type = department_type_of_the_service(app)
    add_organisation(
        app, "330783-empty-station", OrganisationKind.STATION, DONGYANG, department_type=department_type
    )
    _number, review = accepted_case(client)
    for target, message in [
        (HENGDIAN_CENTRE, "只能改派给同一类型的主管部门或派驻机构"),
        (GOVERNMENT_SERVICES, "只能改派给同一类型的主管部门或派驻机构"),
        ("339901-scjgj", "只能改派给本县（市、区）的机构"),
        ("330783-empty-station", "该机构没有可办理此任务的人员"),
    ]:
        response = reassign(client, review["id"], "supervisor", target)
        assert response.status_code == 422, target
        assert response.json["errors"] == {"organisation": [message]}, target


def test_organisation_and_reason_are_required(client: ApiClient) -> None:
    task = client.open_task(client.start_case())
    empty = client.post(f"/api/v1/tasks/{task['id']}/reassign", "supervisor", json={})
    assert empty.status_code == 422
    assert empty.json["errors"] == {"organisation": ["必填"], "reason": ["必填"]}
    blank = reassign(client, task["id"], "supervisor", "no-such-organisation", reason="   ")
    assert blank.status_code == 422
    assert blank.json["errors"] == {
        "organisation": ["没有编码为 no-such-organisation 的机构"],
        "reason": ["必填"],
    }


def test_only_a_supervisor_in_scope_reassigns(client: ApiClient, app: Flask) -> None:
    add_other_county(app)
    number = client.start_case()
    task = client.open_task(number)
    before = client.case(number)["audit"]
    # In scope but not a supervisor: 403.
    for user in ("clerk", "clerk-wuning", "admin"):
        response = reassign(client, task["id"], user, HENGDIAN_CENTRE)
        assert response.status_code == 403, user
        assert response.content_type == "application/problem+json"
    # Out of scope, even the target window or another county's supervisor: 404.
    for user in ("clerk-hengdian", "supervisor-testxian", "analyst"):
        assert reassign(client, task["id"], user, HENGDIAN_CENTRE).status_code == 404, user
        assert client.post(f"/api/v1/tasks/{task['id']}/reassign", user, json={}).status_code == 404, user
    assert client.post(f"/api/v1/tasks/{task['id']}/reassign", "clerk", json={}).status_code == 403
    assert client.case(number)["audit"] == before
    assert client.open_task(number)["organisation"]["code"] == WUNING_CENTRE


COMMAND_ROOM = "command"  # 吴宁街道综合信息指挥室: a township's supervisor


def test_a_township_command_room_may_not_move_a_county_departments_review(client: ApiClient) -> None:
    number, review = accepted_case(client)
    # The case is the command room's to watch (its township accepted it), the review is not its to move.
    assert client.open_task(number, COMMAND_ROOM)["id"] == review["id"]
    before = client.case(number)["audit"]
    response = reassign(client, review["id"], COMMAND_ROOM, HENGDIAN_CENTRE)
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert "不在本人督办范围内" in response.json["detail"]
    assert client.case(number)["audit"] == before
    assert client.open_task(number, "supervisor")["organisation"] == review["organisation"]


def test_a_township_command_room_moves_only_within_its_township(client: ApiClient, app: Flask) -> None:
    number = client.start_case()
    window_task = client.open_task(number)
    # Another township's window is the county's to choose, not the township's.
    refused = reassign(client, window_task["id"], COMMAND_ROOM, HENGDIAN_CENTRE)
    assert refused.status_code == 422
    assert refused.json["errors"] == {"organisation": ["只能改派给本人督办范围内的机构"]}
    assert client.open_task(number)["organisation"]["code"] == WUNING_CENTRE
    # The county's supervisor covers both townships.
    assert reassign(client, window_task["id"], "supervisor", HENGDIAN_CENTRE).status_code == 200


def test_a_township_command_room_moves_a_task_between_its_own_offices(client: ApiClient, app: Flask) -> None:
    offices = {"a": "330783001-test-a", "b": "330783001-test-b"}
    add_organisation(app, offices["a"], OrganisationKind.OFFICE, "330783001", office_type="party_government")
    add_organisation(app, offices["b"], OrganisationKind.OFFICE, "330783001", office_type="party_building")
    add_user(app, "cooperator-b", offices["b"], ["cooperator"])
    task_id = township_site_check(app, offices["a"])
    moved = reassign(client, task_id, COMMAND_ROOM, offices["b"])
    assert moved.status_code == 200, moved.json
    assert [t["id"] for t in client.inbox("cooperator-b")] == [task_id]


def test_finished_task_is_a_conflict(client: ApiClient) -> None:
    number = client.start_case()
    task = client.open_task(number)
    assert client.complete(task["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200
    response = reassign(client, task["id"], "supervisor", HENGDIAN_CENTRE)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert "task.reassigned" not in [e["action"] for e in client.case(number)["audit"]]


def test_township_office_task_moves_only_within_its_township(client: ApiClient, app: Flask) -> None:
    offices = {"a": "330783001-test-a", "b": "330783001-test-b", "hengdian": "330783111-test"}
    add_organisation(app, offices["a"], OrganisationKind.OFFICE, "330783001", office_type="party_government")
    add_organisation(app, offices["b"], OrganisationKind.OFFICE, "330783001", office_type="party_building")
    add_organisation(
        app, offices["hengdian"], OrganisationKind.OFFICE, "330783111", office_type="party_government"
    )
    for name, code in offices.items():
        add_user(app, f"cooperator-{name}", code, ["cooperator"])
    task_id = township_site_check(app, offices["a"])

    for target, message in [
        (offices["hengdian"], "只能改派给同一乡镇（街道）的机构"),
        (WUNING_CENTRE, "只能改派给同类机构"),
    ]:
        response = reassign(client, task_id, "supervisor", target)
        assert response.status_code == 422, target
        assert response.json["errors"] == {"organisation": [message]}, target
    assert reassign(client, task_id, "supervisor", offices["b"]).status_code == 200
    assert client.inbox("cooperator-a") == []
    assert [t["id"] for t in client.inbox("cooperator-b")] == [task_id]


def race(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run both actions in threads released together; return their results."""
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        results[index] = action()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results[0], results[1]


@pytest.mark.live
def test_reassignment_racing_a_completion_leaves_one_winner(live_app: Flask) -> None:
    window, supervisor = ApiClient(live_app.test_client()), ApiClient(live_app.test_client())
    window.headers("clerk")
    supervisor.headers("supervisor")
    for _ in range(3):
        number = window.start_case()
        task_id = window.open_task(number)["id"]
        completed, reassigned = race(
            lambda t=task_id: window.complete(t, "clerk", {"acceptance_decision": "accept"}),
            lambda t=task_id: reassign(supervisor, t, "supervisor", HENGDIAN_CENTRE),
        )
        statuses = sorted([completed.status_code, reassigned.status_code])
        # The loser is 409 (finished task, or the case changed meanwhile) or, reading after the move, 403.
        assert statuses[0] == 200 and statuses[1] in (403, 409), (completed.json, reassigned.json)
        case = supervisor.case(number, "supervisor")
        actions = [e["action"] for e in case["audit"]]
        if completed.status_code == 200:
            assert [step["name"] for step in case["history"]] == ["受理"]
            assert "task.reassigned" not in actions
        else:
            assert case["history"] == []
            assert case["current_tasks"][0]["organisation"]["code"] == HENGDIAN_CENTRE
            assert "task.completed" not in actions

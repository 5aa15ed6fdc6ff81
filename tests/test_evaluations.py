"""好差评: once per finished case, by the applicant with the query password or by the window on their
behalf; 不满意 opens a rectification task outside the workflow in the deciding organisation's inbox."""

from __future__ import annotations

from typing import Any

from tests.support.api import ApiClient, case_body
from tests.support.steps import APPROVE, accept, actions, decided, issue, only_task, review

SATISFIED = {"rating": "satisfied", "comment": "一次办好，窗口服务热情"}
BAD = {"rating": "very_dissatisfied", "comment": "审核时间长，电话无人接听"}


def register(client: ApiClient) -> tuple[str, str]:
    response = client.post("/api/v1/cases", "clerk", json=case_body())
    assert response.status_code == 201, response.json
    return response.json["number"], response.json["query_password"]


def evaluate(client: ApiClient, number: str, password: str, body: dict[str, Any]) -> Any:
    return client.http.post("/api/v1/track/evaluation", json={"number": number, "password": password, **body})


def granted_and_issued(client: ApiClient) -> tuple[str, str]:
    number, password = register(client)
    accept(client, number)
    assert review(client, number, APPROVE).status_code == 200
    assert issue(client, number).status_code == 200
    return number, password


def rectifications(client: ApiClient, user: str) -> list[dict[str, Any]]:
    return [task for task in client.inbox(user) if task["kind"] == "rectification"]


def test_the_applicant_evaluates_once_with_the_query_password(client: ApiClient) -> None:
    number, password = granted_and_issued(client)
    response = evaluate(client, number, password, SATISFIED)
    assert response.status_code == 201, response.json
    assert response.json == {
        "number": number,
        "rating": "satisfied",
        "comment": SATISFIED["comment"],
        "evaluated_at": response.json["evaluated_at"],
        "rectification_opened": False,
    }
    evaluation = client.case(number)["evaluation"]
    assert evaluation["rating"] == {"code": "satisfied", "label": "满意"}
    assert evaluation["channel"] == "public"
    assert evaluation["entered_by"] is None and evaluation["rectification"] is None
    again = evaluate(client, number, password, {"rating": "very_satisfied"})
    assert again.status_code == 409
    assert again.json["type"] == "/problems/already-evaluated"
    by_window = client.post(f"/api/v1/cases/{number}/evaluation", "clerk", json=SATISFIED)
    assert by_window.status_code == 409


def test_a_wrong_password_reveals_nothing(client: ApiClient) -> None:
    number, password = granted_and_issued(client)
    wrong = "000000" if password != "000000" else "111111"
    bad = evaluate(client, number, wrong, SATISFIED)
    unknown = evaluate(client, "330783-GTDJ-20990101-9999", password, SATISFIED)
    assert bad.status_code == unknown.status_code == 404
    assert bad.json["title"] == unknown.json["title"]
    assert client.case(number)["evaluation"] is None


def test_a_case_is_evaluated_once_it_has_a_result(client: ApiClient) -> None:
    number, password = register(client)
    response = evaluate(client, number, password, SATISFIED)
    assert response.status_code == 409
    assert response.json["type"] == "/problems/not-yet-evaluable"


def test_a_bad_evaluation_opens_a_rectification_for_the_deciding_station(client: ApiClient) -> None:
    number, password = granted_and_issued(client)
    assert evaluate(client, number, password, {"rating": "dissatisfied"}).status_code == 422  # no comment
    response = evaluate(client, number, password, BAD)
    assert response.status_code == 201
    assert response.json["rectification_opened"] is True

    (task,) = rectifications(client, "approver")
    assert task["case_number"] == number
    assert task["name"] == "差评整改"
    assert task["organisation"]["code"] == "330783-scjgj-wuning"
    assert task["due_date"] is not None
    assert rectifications(client, "clerk") == []
    detail = client.get(f"/api/v1/tasks/{task['id']}", "approver").json
    assert detail["form"]["required"] == ["rectification_note"]

    case = client.case(number)
    assert case["evaluation"]["rectification"]["id"] == task["id"]
    assert {"case.evaluated", "rectification.opened"} <= set(actions(case))

    # Completed through the usual endpoint, without the engine: the case stays as it was.
    assert client.complete(task["id"], "clerk", {"rectification_note": "已整改"}).status_code == 403
    assert client.complete(task["id"], "approver", {}).status_code == 422
    note = {
        "rectification_note": "已约谈审批人员，公开审核进度查询电话，并回访申请人",
        "applicant_contacted": True,
    }
    done = client.complete(task["id"], "approver", note)
    assert done.status_code == 200, done.json
    assert done.json["state"] == "completed"
    assert client.complete(task["id"], "approver", note).status_code == 409
    after = client.case(number)
    assert after["status"] == case["status"] and after["status_history"] == case["status_history"]
    assert rectifications(client, "approver") == []
    rectified = [event for event in after["audit"] if event["action"] == "evaluation.rectified"]
    assert rectified[0]["summary"]["note"] == note["rectification_note"]
    assert after["evaluation"]["rectification"]["state"] == "completed"


def test_a_rectification_survives_the_next_steps_of_the_process(client: ApiClient) -> None:
    number, password = register(client)
    accept(client, number)
    assert review(client, number, APPROVE).status_code == 200
    assert evaluate(client, number, password, BAD).status_code == 201  # granted, not yet issued
    assert issue(client, number).status_code == 200
    (task,) = rectifications(client, "approver")
    assert task["case_number"] == number and task["state"] == "open"


def test_the_window_enters_an_evaluation_for_the_applicant(client: ApiClient) -> None:
    number = decided(client)
    path = f"/api/v1/cases/{number}/evaluation"
    assert client.post(path, "approver", json=SATISFIED).status_code == 403
    assert client.post(path, "clerk-hengdian", json=SATISFIED).status_code == 404
    assert client.post(path, "clerk", json={"rating": "great"}).status_code == 422
    response = client.post(path, "clerk", json={"rating": "basically_satisfied"})
    assert response.status_code == 201, response.json
    evaluation = client.case(number)["evaluation"]
    assert evaluation["channel"] == "window"
    assert evaluation["entered_by"]["username"] == "clerk"
    assert evaluation["rating"]["label"] == "基本满意"


def test_a_bad_evaluation_of_a_case_the_window_refused_goes_to_the_window(client: ApiClient) -> None:
    number = client.start_case()
    refusal = {"acceptance_decision": "refuse", "refusal_reason": "不属于本机关登记范围"}
    assert client.complete(only_task(client, number, "受理")["id"], "clerk", refusal).status_code == 200
    response = client.post(f"/api/v1/cases/{number}/evaluation", "clerk", json=BAD)
    assert response.status_code == 201
    (task,) = rectifications(client, "clerk")
    assert task["organisation"]["code"] == "330783001-bmfwzx"
    assert rectifications(client, "approver") == []


def test_a_bad_evaluation_of_a_withdrawn_case_goes_to_the_accepting_window(client: ApiClient) -> None:
    number = client.start_case()
    accept(client, number)
    assert (
        client.post(f"/api/v1/cases/{number}/withdraw", "clerk", json={"reason": "不再申请"}).status_code
        == 200
    )
    assert client.post(f"/api/v1/cases/{number}/evaluation", "clerk", json=BAD).status_code == 201
    (task,) = rectifications(client, "clerk")
    assert task["case_number"] == number

"""Looking a case up without an account: the query password, the public page and its JSON twin,
one answer for a wrong password and an unknown case, and the limit on failed tries."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.support.api import ApiClient, case_body, problem_body
from tests.support.steps import status_path
from workflow_service.extensions import db
from workflow_service.models import Case


def register(client: ApiClient, **overrides: Any) -> tuple[str, str]:
    response = client.post("/api/v1/cases", "clerk", json=case_body(**overrides))
    assert response.status_code == 201, response.json
    return response.json["number"], response.json["query_password"]


def wrong(password: str) -> str:
    return "000000" if password != "000000" else "111111"


def track_api(client: ApiClient, number: str, password: str, address: str = "203.0.113.7") -> Any:
    return client.http.post(
        "/api/v1/track", json={"number": number, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def track_page(client: ApiClient, number: str, password: str, address: str = "203.0.113.7") -> Any:
    return client.http.post(
        f"/track/{number}", data={"password": password}, environ_base={"REMOTE_ADDR": address}
    )


def unknown_number() -> str:
    return f"330783-GTDJ-20260105-{uuid.uuid4().int % 10000:04d}X"


def test_a_case_gets_a_six_digit_query_password_stored_only_as_a_hash(client: ApiClient, app: Flask) -> None:
    number, password = register(client)
    assert re.fullmatch(r"\d{6}", password)
    with app.app_context():
        stored = db.session.execute(
            select(Case.query_password_hash).where(Case.number == number)
        ).scalar_one()
    assert stored.startswith("hmac-sha256$")
    assert password not in stored
    # The case as staff read it never shows the password again.
    assert password not in str(client.case(number))
    assert "query_password" not in client.case(number)


def test_the_portal_api_gives_the_status_for_the_right_password(client: ApiClient) -> None:
    number, password = register(client)
    task = client.open_task(number)
    assert client.complete(task["id"], "clerk", {"acceptance_decision": "accept"}).status_code == 200

    response = track_api(client, number, password)
    assert response.status_code == 200
    body = response.json
    assert body["number"] == number
    assert body["service_name"] == "个体工商户设立登记"
    assert body["applicant"] == "张*"
    assert body["status"] == {"code": "under_review", "label": "审查"}
    assert status_path(body) == ["submitted", "accepted", "under_review"]
    assert body["due_date"] == client.case(number)["due_date"]
    assert body["collection"]["method"] is None
    assert "吴宁街道便民服务中心" in body["collection"]["instructions"]
    assert "password" not in body


def test_a_wrong_password_and_an_unknown_case_get_the_same_answer(client: ApiClient) -> None:
    number, password = register(client)
    wrong_password = track_api(client, number, wrong(password))
    unknown_case = track_api(client, unknown_number(), password)
    assert wrong_password.status_code == unknown_case.status_code == 404
    assert wrong_password.mimetype == unknown_case.mimetype == "application/problem+json"
    assert problem_body(wrong_password.json) == problem_body(unknown_case.json)
    assert wrong_password.json["title"] == "办件编号或查询密码不正确"


def test_the_status_page_asks_for_the_password_then_shows_progress(client: ApiClient) -> None:
    number, password = register(client)
    form = client.http.get(f"/track/{number}")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'name="viewport"' in html
    assert 'method="post"' in html
    assert "查询密码" in html
    # Self-contained: nothing fetched from elsewhere, and the page says so to the browser too.
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert "<script" not in html
    assert "default-src 'none'" in form.headers["Content-Security-Policy"]

    page = track_page(client, number, password)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "个体工商户设立登记" in html
    assert "申请/预审" in html
    assert "吴宁街道便民服务中心" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert password not in html


def test_the_page_shows_the_same_message_for_a_wrong_password_and_an_unknown_case(client: ApiClient) -> None:
    number, password = register(client)
    other = unknown_number()
    wrong_password = track_page(client, number, wrong(password))
    unknown_case = track_page(client, other, password)
    assert wrong_password.status_code == unknown_case.status_code == 404
    first = wrong_password.get_data(as_text=True)
    second = unknown_case.get_data(as_text=True)
    assert "办件编号或查询密码不正确" in first
    assert first.replace(number, "N") == second.replace(other, "N")


def test_after_five_failures_from_one_address_it_is_429_even_with_the_right_password(
    client: ApiClient,
) -> None:
    number, password = register(client)
    for _ in range(5):
        assert track_page(client, number, wrong(password), address="198.51.100.1").status_code == 404
    limited = track_page(client, number, password, address="198.51.100.1")
    assert limited.status_code == 429
    assert "查询失败次数过多" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) > 0
    api = track_api(client, number, password, address="198.51.100.1")
    assert api.status_code == 429
    assert api.mimetype == "application/problem+json"
    assert int(api.headers["Retry-After"]) > 0


def test_failures_are_limited_per_address_across_case_numbers(client: ApiClient) -> None:
    number, password = register(client)
    for _ in range(5):
        assert track_api(client, unknown_number(), "123456", address="198.51.100.2").status_code == 404
    assert track_api(client, number, password, address="198.51.100.2").status_code == 429
    assert track_api(client, number, password, address="198.51.100.3").status_code == 200


def test_failures_are_limited_per_case_number_across_addresses(client: ApiClient) -> None:
    number, password = register(client)
    for attempt in range(5):
        assert (
            track_api(client, number, wrong(password), address=f"192.0.2.{attempt + 10}").status_code == 404
        )
    assert track_api(client, number, password, address="192.0.2.99").status_code == 429
    other, other_password = register(client)
    assert track_api(client, other, other_password, address="192.0.2.99").status_code == 200


def test_successful_look_ups_are_not_counted(client: ApiClient) -> None:
    number, password = register(client)
    for _ in range(8):
        assert track_api(client, number, password).status_code == 200


def test_the_window_reissues_a_lost_password(client: ApiClient) -> None:
    number, old = register(client)
    response = client.post(f"/api/v1/cases/{number}/query-password", "clerk")
    assert response.status_code == 201
    new = response.json["query_password"]
    assert re.fullmatch(r"\d{6}", new)
    assert track_api(client, number, new).status_code == 200
    if new != old:
        assert track_api(client, number, old).status_code == 404
    actions = [event["action"] for event in client.case(number)["audit"]]
    assert "case.query_password_reissued" in actions

    assert client.post(f"/api/v1/cases/{number}/query-password", "clerk-hengdian").status_code == 404
    assert client.post(f"/api/v1/cases/{number}/query-password", "supervisor").status_code == 403


def test_after_issuance_the_page_says_how_the_result_was_delivered(client: ApiClient) -> None:
    number, password = register(client)
    task = client.open_task(number)
    client.complete(task["id"], "clerk", {"acceptance_decision": "accept"})
    review = client.open_task(number, "approver")
    client.post(f"/api/v1/tasks/{review['id']}/claim", "approver")
    client.complete(review["id"], "approver", {"review_decision": "approve", "review_opinion": "准予登记"})
    issuance = client.open_task(number)
    client.complete(issuance["id"], "clerk", {"delivery_method": "mail", "tracking_number": "SF1234567890"})

    body = track_api(client, number, password).json
    assert body["status"]["label"] == "已出件"
    assert body["collection"]["method"] == "mail"
    assert body["collection"]["tracking_number"] == "SF1234567890"
    assert "SF1234567890" in track_page(client, number, password).get_data(as_text=True)


def test_the_unified_case_code_is_kept_and_unique(client: ApiClient) -> None:
    code = "330000" + uuid.uuid4().hex[:12].upper()
    response = client.post("/api/v1/cases", "clerk", json=case_body(unified_case_code=code))
    assert response.status_code == 201
    assert response.json["unified_case_code"] == code
    assert client.case(response.json["number"])["unified_case_code"] == code
    duplicate = client.post("/api/v1/cases", "clerk", json=case_body(unified_case_code=code))
    assert duplicate.status_code == 409
    assert duplicate.json["errors"] == {"unified_case_code": ["已被其他办件使用"]}
    assert client.case(client.start_case())["unified_case_code"] is None

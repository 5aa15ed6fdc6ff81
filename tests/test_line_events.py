"""Events from line systems: ``POST /api/v1/events`` registers a 基层治理事件 in its township's
综合信息指挥室, idempotently by ``Idempotency-Key``; the line system reads how it stands (and only
its own events) and hears of it by webhook."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.api import HENGDIAN, WUNING, ApiClient
from tests.support.pages import Browser, page_text
from tests.support.portal import client_headers, register_client
from tests.support.statements import counted_statements
from tests.support.steps import inbox_task
from tests.support.webhooks import deliveries, subscribe
from tests.test_attachments import pdf_bytes, png_bytes
from workflow_service.extensions import db
from workflow_service.models import ApiClient as ApiClientRow
from workflow_service.models import Attachment, Case, EventSubmission
from workflow_service.services.portal import webhook_delivery

EVENT: dict[str, Any] = {
    "type": "illegal_construction",
    "place": {"region_code": WUNING, "address": "吴宁街道西街村后塘自然村12号旁"},
    "description": "有人在村道旁搭建彩钢棚，占用消防通道",
    "reporter": {"channel": "hotline_12345", "name": "楼小红", "phone": "13967901234"},
    "ticket_number": "ZJ20260310-0457",
}
DISPATCH = {
    "triage_decision": "dispatch",
    "dispatch_target": "township",
    "dispatch_instructions": "请上门劝导",
}
HANDLED = {"handling_outcome": "resolved", "handling_report": "已责令当事人当日自行拆除，现场已恢复通行"}
# A replay: the token (with its client) and the stored answer. A read: the token, the case, its
# township and command room, the step it waits at and the photo count.
REPLAY_STATEMENTS = 2
READ_STATEMENTS = 6
CLOSE = {
    "verification_decision": "close",
    "feedback_to_reporter": "彩钢棚已拆除，消防通道已恢复",
    "reporter_satisfaction": "satisfied",
}


@pytest.fixture
def line(client: ApiClient, app: Flask) -> dict[str, str]:
    """The 12345 hotline's token, granted events:write for 东阳市."""
    return client_headers(client.http, register_client(app, "12345热线", scopes=["events:write"]))


def submit(client: ApiClient, headers: dict[str, str], key: str = "ev-0001", body: Any = None) -> Any:
    return client.http.post(
        "/api/v1/events", json=EVENT if body is None else body, headers={**headers, "Idempotency-Key": key}
    )


def status(client: ApiClient, headers: dict[str, str], number: str) -> Any:
    return client.http.get(f"/api/v1/events/{number}", headers=headers)


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_an_event_lands_in_the_command_room_of_its_township(
    client: ApiClient, app: Flask, line: dict[str, str]
) -> None:
    response = submit(client, line)
    assert response.status_code == 201, response.json
    number = response.json["number"]
    assert (
        response.json["status"] == {"code": "submitted", "label": "申请/预审"}
        or response.json["status"]["code"] == "submitted"
    )
    assert response.json["command_room"] == "吴宁街道综合信息指挥室"

    case = client.case(number, "command")
    assert case["channel"] == "line:12345"
    assert case["accepting_organisation"]["name"] == "吴宁街道综合信息指挥室"
    assert case["applicant"]["name"] == "楼小红"
    task = inbox_task(client, "command", number)
    assert (task["name"], task["lane"]) == ("研判分拨", "command")

    answer = status(client, line, number)
    assert answer.status_code == 200, answer.json
    assert answer.json["status"]["code"] == "submitted"
    assert answer.json["current_step"] == "综合信息指挥室正在研判分拨"
    assert answer.json["township"] == "吴宁街道"
    assert [entry["status"]["code"] for entry in answer.json["history"]] == ["submitted"]
    assert answer.json["result"] is None
    assert "triage" not in str(answer.json)  # no internal names

    with app.app_context():
        row = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        hotline = db.session.execute(
            select(ApiClientRow).where(ApiClientRow.name == "12345热线")
        ).scalar_one()
        assert row.submitted_by_client_id == hotline.id
        assert row.created_by_id is None


def test_a_retry_replays_the_first_answer_and_another_body_with_the_key_is_422(
    client: ApiClient, app: Flask, line: dict[str, str]
) -> None:
    first = submit(client, line)
    again = submit(client, line)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert (first.headers["Idempotent-Replayed"], again.headers["Idempotent-Replayed"]) == ("false", "true")
    assert count(app, EventSubmission) == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 1

    changed = submit(client, line, body={**EVENT, "description": "另一件事：路灯损坏多日无人维修"})
    assert changed.status_code == 422
    assert changed.mimetype == "application/problem+json"
    assert "Idempotency-Key" in changed.json["errors"]
    assert first.json["number"] in changed.json["errors"]["Idempotency-Key"][0]

    other = submit(
        client, line, key="ev-0002", body={**EVENT, "description": "另一件事：路灯损坏多日无人维修"}
    )
    assert other.status_code == 201 and other.json["number"] != first.json["number"]

    missing = client.http.post("/api/v1/events", json=EVENT, headers=line)
    assert missing.status_code == 422
    assert "Idempotency-Key" in missing.json["errors"]


def test_a_line_system_sees_only_its_own_events(client: ApiClient, app: Flask, line: dict[str, str]) -> None:
    number = submit(client, line).json["number"]
    grid = client_headers(client.http, register_client(app, "网格通", scopes=["events:write"]))
    assert status(client, grid, number).status_code == 404
    photo = {"file": (io.BytesIO(png_bytes()), "现场.png")}
    response = client.http.post(f"/api/v1/events/{number}/photos", data=photo, headers=grid)
    assert response.status_code == 404
    # A window case is no event of anyone's.
    window_case = client.start_case()
    assert status(client, line, window_case).status_code == 404
    # The same key is the other client's own: no conflict.
    assert submit(client, grid).status_code == 201


def test_where_and_who_are_checked(client: ApiClient, app: Flask, line: dict[str, str]) -> None:
    elsewhere = client_headers(client.http, register_client(app, "横店网格", ["events:write"], [HENGDIAN]))
    refused = submit(client, elsewhere)
    assert refused.status_code == 403
    county = submit(
        client, line, key="k2", body={**EVENT, "place": {**EVENT["place"], "region_code": "330783"}}
    )
    assert county.status_code == 422 and "place.region_code" in county.json["errors"]
    no_ticket = {key: value for key, value in EVENT.items() if key != "ticket_number"}
    response = submit(client, line, key="k3", body=no_ticket)
    assert response.status_code == 422 and "ticket_number" in response.json["errors"]
    grid = {**no_ticket, "reporter": {"channel": "grid_member"}}
    response = submit(client, line, key="k4", body=grid)
    assert response.status_code == 422 and "reporter.name" in response.json["errors"]
    grid["reporter"] = {"channel": "grid_member", "name": "王网格"}
    response = submit(client, line, key="k4", body=grid)
    assert response.status_code == 422 and "grid_name" in response.json["errors"]
    unknown = submit(client, line, key="k5", body={**EVENT, "priority": "high"})
    assert unknown.status_code == 422
    reader = client_headers(client.http, register_client(app, "只读门户", scopes=["services:read"]))
    assert submit(client, reader).status_code == 403
    assert count(app, Case) == 0


def test_photos_in_base64_and_afterwards_anonymous_reporter(
    client: ApiClient, app: Flask, line: dict[str, str]
) -> None:
    photo = {"file_name": "现场1.png", "content_base64": base64.b64encode(png_bytes()).decode()}
    body = {
        **{key: value for key, value in EVENT.items() if key != "ticket_number"},
        "reporter": {"channel": "anonymous"},
        "photos": [photo],
    }
    response = submit(client, line, body=body)
    assert response.status_code == 201, response.json
    number = response.json["number"]
    case = client.case(number, "command")
    assert case["channel"] == "line:anonymous"
    assert case["applicant"]["name"] == "匿名"

    later = client.http.post(
        f"/api/v1/events/{number}/photos", data={"file": (io.BytesIO(png_bytes()), "现场2.png")}, headers=line
    )
    assert later.status_code == 201, later.json
    assert later.json["content_type"] == "image/png"
    assert status(client, line, number).json["photos"] == 2
    files = client.get(f"/api/v1/cases/{number}/attachments", "command").json
    assert [(f["material_name"], f["filename"]) for f in files] == [
        ("现场照片", "现场1.png"),
        ("现场照片", "现场2.png"),
    ]
    assert files[0]["uploaded_by"] is None
    assert files[0]["organisation"]["name"] == "吴宁街道综合信息指挥室"

    pdf = {"file_name": "a.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}
    refused = submit(client, line, key="k2", body={**body, "photos": [pdf]})
    assert refused.status_code == 422 and "photos.0.content_base64" in refused.json["errors"]
    garbled = submit(
        client, line, key="k3", body={**body, "photos": [{"file_name": "x.png", "content_base64": "%%"}]}
    )
    assert garbled.status_code == 422
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Attachment)).scalar_one() == 2


def test_the_line_system_follows_the_event_to_已处置_and_hears_each_status(
    client: ApiClient, app: Flask, line: dict[str, str]
) -> None:
    with app.app_context():
        hotline = db.session.execute(
            select(ApiClientRow).where(ApiClientRow.name == "12345热线")
        ).scalar_one()
        hotline_id = hotline.id
    subscribe(app, hotline_id, "http://127.0.0.1:1/hooks")
    number = submit(client, line).json["number"]

    triage = inbox_task(client, "command", number)
    assert client.complete(triage["id"], "command", DISPATCH).status_code == 200
    assert status(client, line, number).json["current_step"] == "已分拨乡镇（街道）处置"
    handling = inbox_task(client, "command-cooperator", number)
    assert client.complete(handling["id"], "command-cooperator", HANDLED).status_code == 200
    assert status(client, line, number).json["current_step"] == "综合信息指挥室正在核查处置结果"
    verification = inbox_task(client, "command", number)
    assert client.complete(verification["id"], "command", CLOSE).status_code == 200

    answer = status(client, line, number).json
    assert answer["status"] == {"code": "approved", "label": "办结-已处置"}
    assert answer["current_step"] == "已办结"
    assert (answer["result"]["code"], answer["result"]["label"]) == ("disposed", "已处置")
    assert [entry["status"]["code"] for entry in answer["history"]] == [
        "submitted",
        "accepted",
        "under_review",
        "approved",
    ]
    # Each status change is an event for the client's webhook (delivered by the worker).
    with app.app_context():
        webhook_delivery.dispatch_outbox()
    sent = [delivery.event_id for delivery in deliveries(app)]
    assert len(sent) == 4
    ended = client.http.post(
        f"/api/v1/events/{number}/photos", data={"file": (io.BytesIO(png_bytes()), "晚到.png")}, headers=line
    )
    assert ended.status_code == 409


@pytest.mark.live
def test_two_requests_with_one_key_at_once_make_one_case(live_app: Flask) -> None:
    from tests.test_concurrency import race

    first, second = ApiClient(live_app.test_client()), ApiClient(live_app.test_client())
    line = client_headers(first.http, register_client(live_app, "12345热线", scopes=["events:write"]))
    for attempt in range(3):
        key = f"race-{attempt}"
        responses = race(
            [lambda c=first, k=key: submit(c, line, k), lambda c=second, k=key: submit(c, line, k)]
        )
        assert [r.status_code for r in responses] == [201, 201], [r.json for r in responses]
        assert responses[0].json == responses[1].json
        assert sorted(r.headers["Idempotent-Replayed"] for r in responses) == ["false", "true"]
    assert count(live_app, Case) == 3


def test_a_replay_and_a_status_read_cost_a_few_statements(
    client: ApiClient, app: Flask, line: dict[str, str]
) -> None:
    number = submit(client, line).json["number"]
    with counted_statements(app) as replay:
        assert submit(client, line).status_code == 201
    with counted_statements(app) as read:
        assert status(client, line, number).status_code == 200
    assert len(replay) <= REPLAY_STATEMENTS, replay
    assert len(read) <= READ_STATEMENTS, read


def test_the_command_room_page_shows_the_event_and_its_photo(
    client: ApiClient, app: Flask, line: dict[str, str]
) -> None:
    photo = {"file_name": "现场1.png", "content_base64": base64.b64encode(png_bytes()).decode()}
    number = submit(client, line, body={**EVENT, "photos": [photo]}).json["number"]
    browser = Browser(app)
    browser.log_in("command")
    response = browser.get(f"/cases/{number}")
    assert response.status_code == 200
    page = page_text(response)
    assert "现场1.png" in page and "接入系统" in page

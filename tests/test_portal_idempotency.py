"""Idempotent online applications: a retry with the same ``Idempotency-Key`` never makes a second case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.api import ApiClient
from tests.support.applications import PATH, application_body, headers_for, portal_client, submit
from tests.support.clock import Clock
from tests.test_concurrency import race
from workflow_service.extensions import db
from workflow_service.models import Case, IdempotencyKey, IdempotencyState
from workflow_service.worker import Worker


def portal_cases(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(Case).where(Case.channel == "portal")
        ).scalar_one()


@pytest.fixture
def headers(app: Flask, client: ApiClient) -> dict[str, str]:
    return headers_for(client, portal_client(app))


def test_the_idempotency_key_is_required_and_named_when_missing_or_malformed(
    client: ApiClient, headers: dict[str, str]
) -> None:
    missing = client.http.post(PATH, json=application_body(), headers=headers)
    assert missing.status_code == 422
    assert list(missing.json["errors"]) == ["Idempotency-Key"]
    for bad in ("x" * 129, "带中文的键", "has space"):
        response = client.http.post(
            PATH, json=application_body(), headers={**headers, "Idempotency-Key": bad}
        )
        assert response.status_code == 422, bad
        assert list(response.json["errors"]) == ["Idempotency-Key"]


def test_the_same_key_and_body_replays_the_first_answer(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    first = submit(client, headers, key="retry-1")
    again = submit(client, headers, key="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert portal_cases(app) == 1


def test_the_same_key_with_another_body_is_422_naming_the_conflict(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    assert submit(client, headers, key="k-2").status_code == 201
    changed = submit(client, headers, application_body(contact="13900139000"), key="k-2")
    assert changed.status_code == 422
    assert "幂等键 k-2 已用于内容不同的请求" in changed.json["errors"]["Idempotency-Key"][0]
    assert portal_cases(app) == 1


def test_keys_are_the_clients_own(app: Flask, client: ApiClient, headers: dict[str, str]) -> None:
    other = headers_for(client, portal_client(app, name="12345热线"))
    first = submit(client, headers, key="shared")
    second = submit(client, other, key="shared")
    assert first.json["number"] != second.json["number"]
    assert portal_cases(app) == 2


def test_a_refused_first_request_gives_its_key_back(
    app: Flask, client: ApiClient, headers: dict[str, str]
) -> None:
    refused = submit(client, headers, application_body(service_code="no_such_item"), key="k-3")
    assert refused.status_code == 422
    assert submit(client, headers, key="k-3").status_code == 201
    assert portal_cases(app) == 1


def test_a_request_while_the_first_still_runs_waits_and_then_gives_up_with_409(
    app: Flask, client: ApiClient, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first request is stuck (its row says running and never finishes): the second waits its
    # bounded time, here none, and says so rather than registering a second case.
    body = application_body()
    assert submit(client, headers, body, key="done").status_code == 201
    with app.app_context():
        done = db.session.execute(select(IdempotencyKey)).scalar_one()
        db.session.add(
            IdempotencyKey(
                client_id=done.client_id,
                key="stuck",
                body_hash=done.body_hash,  # the same body as the stuck request's
                state=IdempotencyState.RUNNING,
                created_at=done.created_at,
            )
        )
        db.session.commit()
    monkeypatch.setitem(app.config, "IDEMPOTENCY_WAIT_SECONDS", 0.0)
    waiting = submit(client, headers, body, key="stuck")
    assert waiting.status_code == 409
    assert waiting.json["type"].endswith("idempotency-key-in-use")
    assert portal_cases(app) == 1


def test_keys_are_kept_a_day_and_then_purged_by_the_worker(
    app: Flask, client: ApiClient, clock: Clock
) -> None:
    headers = headers_for(client, portal_client(app))
    assert submit(client, headers, key="old").status_code == 201
    clock.set(clock.at + timedelta(hours=23))
    Worker(app).run_once()
    with app.app_context():
        assert db.session.execute(select(IdempotencyKey.key)).scalars().all() == ["old"]
    clock.set(clock.at + timedelta(hours=1, seconds=1))
    Worker(app).run_once()
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(IdempotencyKey)).scalar_one() == 0


@pytest.mark.live
def test_two_requests_with_one_key_at_once_make_one_case(live_app: Flask) -> None:
    clients = [ApiClient(live_app.test_client()) for _ in range(2)]
    portal = portal_client(live_app)
    headers = [headers_for(c, portal) for c in clients]
    body = application_body()
    for attempt in range(3):
        answers = race(
            [
                lambda c=c, h=h, k=f"race-{attempt}": submit(c, h, body, key=k)
                for c, h in zip(clients, headers, strict=True)
            ]
        )
        assert [a.status_code for a in answers] == [201, 201], [a.json for a in answers]
        assert answers[0].json["number"] == answers[1].json["number"]
        assert sorted(a.headers.get("Idempotent-Replayed", "no") for a in answers) == ["no", "true"]
    assert portal_cases(live_app) == 3

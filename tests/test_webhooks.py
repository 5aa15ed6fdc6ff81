"""Webhooks from the transactional outbox: signed, retried, in order per case, dead-lettered, crash-safe.

The receiver is a real HTTP server on localhost; the worker is the real one, run pass by pass on
the test clock (a retry waits at most ``WEBHOOK_RETRY_MAX_SECONDS``, so moving the clock an hour
makes every retry due, whatever the jitter drew).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.api import ApiClient
from tests.support.clock import Clock
from tests.support.pages import Browser, page_text
from tests.support.portal import client_headers, register_client
from tests.support.steps import APPROVE, accept, review
from tests.support.webhooks import Receiver, deliveries, portal_client, receiver, submitted_by, subscribe
from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import ApiClient as ClientRow
from workflow_service.models import Case, CaseStatus, DeliveryState, OutboxEvent, WebhookSubscription
from workflow_service.services.portal import webhook_delivery, webhooks
from workflow_service.services.portal.webhook_delivery import DeliveryOutcome
from workflow_service.services.process.progress import change_status
from workflow_service.worker import Worker

HOUR = timedelta(hours=1)


@pytest.fixture
def hooks(app: Flask) -> Iterator[Receiver]:
    app.config.update(WEBHOOK_RETRY_BASE_SECONDS=10, WEBHOOK_RETRY_MAX_SECONDS=60, WEBHOOK_MAX_ATTEMPTS=3)
    with receiver() as running:
        yield running


def portal_case(client: ApiClient, app: Flask, client_id: int) -> str:
    number = client.start_case()
    submitted_by(app, number, client_id)
    return number


def statuses(events: list[dict]) -> list[str]:
    return [event["new_status"] for event in events]


def test_a_receiver_that_fails_twice_gets_each_event_exactly_as_signed_and_in_order(
    app: Flask, client: ApiClient, clock: Clock, hooks: Receiver
) -> None:
    portal = portal_client(app)
    secret = subscribe(app, portal, hooks.url)
    number = portal_case(client, app, portal)
    accept(client, number)  # 受理, then 审查
    hooks.fail_times(2)
    worker = Worker(app)

    worker.run_once()
    assert worker.deliveries == {DeliveryOutcome.RETRY: 1}  # the later two wait for the first
    clock.at += HOUR
    worker.run_once()
    assert worker.deliveries == {DeliveryOutcome.RETRY: 1}
    clock.at += HOUR
    worker.run_once()
    assert worker.deliveries == {DeliveryOutcome.DELIVERED: 3}
    clock.at += HOUR
    worker.run_once()
    assert worker.deliveries == {}

    assert [request.answered for request in hooks.received] == [500, 500, 200, 200, 200]
    for request in hooks.received:
        assert request.signed_with(secret)
        assert request.headers["X-Event-Id"] == request.event["event_id"]
        assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    # Each try is signed at its own time (a receiver refuses old timestamps against replay).
    times = [int(request.headers["X-Timestamp"]) for request in hooks.received]
    assert times[1] - times[0] == 3600
    # The same event every time it was tried: one id to de-duplicate by.
    assert len({request.headers["X-Event-Id"] for request in hooks.received[:3]}) == 1
    delivered = hooks.delivered()
    assert [event["sequence"] for event in delivered] == [1, 2, 3]
    assert statuses(delivered) == ["submitted", "accepted", "under_review"]
    assert [event["old_status"] for event in delivered] == [None, "submitted", "accepted"]
    assert [event["kind"] for event in delivered] == ["status-changed", "notice-issued", "status-changed"]
    assert {event["case_number"] for event in delivered} == {number}
    case = client.case(number)
    assert [event["at"] for event in delivered] == [entry["at"] for entry in case["status_history"]]

    review(client, number, APPROVE)
    worker.run_once()
    (ready,) = hooks.delivered()[3:]
    assert (ready["kind"], ready["new_status"], ready["sequence"]) == ("result-ready", "approved", 4)


def test_a_dead_receiver_ends_dead_lettered_and_gets_the_event_after_the_admins_redeliver(
    app: Flask, client: ApiClient, clock: Clock, hooks: Receiver
) -> None:
    portal = portal_client(app)
    secret = subscribe(app, portal, hooks.url)
    number = portal_case(client, app, portal)
    hooks.answer = lambda _event: 503
    worker = Worker(app)
    outcomes = []
    for _ in range(4):
        worker.run_once()
        outcomes.append(dict(worker.deliveries))
        clock.at += HOUR
    assert outcomes == [{"retry": 1}, {"retry": 1}, {"dead": 1}, {}]

    dead = client.get("/api/v1/admin/webhook-deliveries?state=dead", "admin")
    assert dead.status_code == 200, dead.json
    (listed,) = dead.json
    assert (listed["state"], listed["attempts"], listed["last_status_code"]) == ("dead", 3, 503)
    assert listed["event"]["case_number"] == number
    assert listed["subscription"] == {
        "id": listed["subscription"]["id"],
        "url": hooks.url,
        "client": "浙里办",
    }
    assert (
        client.post(f"/api/v1/admin/webhook-deliveries/{listed['id']}/redeliver", "clerk").status_code == 403
    )

    hooks.answer = lambda _event: 200  # the receiver is back
    worker.run_once()
    assert worker.deliveries == {}  # a dead one stays dead until an admin says otherwise
    answer = client.post(f"/api/v1/admin/webhook-deliveries/{listed['id']}/redeliver", "admin", json={})
    assert answer.status_code == 200, answer.json
    assert (answer.json["state"], answer.json["attempts"]) == ("pending", 0)
    again = client.post(f"/api/v1/admin/webhook-deliveries/{listed['id']}/redeliver", "admin", json={})
    assert (again.status_code, again.json["type"].rsplit("/", 1)[-1]) == (409, "delivery-not-dead")
    worker.run_once()
    assert worker.deliveries == {"delivered": 1}
    assert hooks.received[-1].signed_with(secret)
    assert statuses(hooks.delivered()) == ["submitted"]
    assert client.get("/api/v1/admin/webhook-deliveries?state=dead", "admin").json == []
    assert "webhook.redelivered" in [event["action"] for event in client.case(number)["audit"]]


def test_a_dead_event_holds_back_the_later_events_of_its_case_but_not_other_cases(
    app: Flask, client: ApiClient, clock: Clock, hooks: Receiver
) -> None:
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 1
    portal = portal_client(app)
    subscribe(app, portal, hooks.url)
    stuck = portal_case(client, app, portal)
    other = portal_case(client, app, portal)
    hooks.answer = lambda event: 500 if (event["case_number"], event["sequence"]) == (stuck, 1) else 200
    accept(client, stuck)
    accept(client, other)
    worker = Worker(app)
    worker.run_once()
    assert worker.deliveries == {"dead": 1, "delivered": 3}
    clock.at += HOUR
    worker.run_once()
    assert worker.deliveries == {}
    assert [(e["case_number"], e["sequence"]) for e in hooks.delivered()] == [
        (other, 1),
        (other, 2),
        (other, 3),
    ]
    states = {(d.case_id, d.sequence): d.state for d in deliveries(app)}
    assert sorted(state.value for state in states.values()) == ["dead"] + ["delivered"] * 3 + ["pending"] * 2

    (dead,) = client.get("/api/v1/admin/webhook-deliveries?state=dead", "admin").json
    skipped = client.post(f"/api/v1/admin/webhook-deliveries/{dead['id']}/skip", "admin", json={})
    assert (skipped.status_code, skipped.json["state"]) == (200, "skipped")
    worker.run_once()
    assert worker.deliveries == {"delivered": 2}
    assert [(e["case_number"], e["sequence"]) for e in hooks.delivered()][3:] == [(stuck, 2), (stuck, 3)]


def _outbox_rows(number: str) -> int:
    return db.session.execute(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.case_number == number)
    ).scalar_one()


def test_the_outbox_row_is_written_in_the_transaction_of_the_status_change(
    app: Flask, client: ApiClient
) -> None:
    number = client.start_case()
    with app.app_context():
        assert _outbox_rows(number) == 1  # 申请, written with the registration
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        change_status(case, CaseStatus.WITHDRAWN, None)
        db.session.flush()
        assert _outbox_rows(number) == 2
        db.session.rollback()  # the change fails later in its transaction: its event goes with it
        assert _outbox_rows(number) == 1
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert case.status == CaseStatus.SUBMITTED
    accept(client, number)
    with app.app_context():
        events = db.session.execute(
            select(OutboxEvent).where(OutboxEvent.case_number == number).order_by(OutboxEvent.sequence)
        ).scalars()
        assert [(e.sequence, e.payload["new_status"]) for e in events] == [
            (1, "submitted"),
            (2, "accepted"),
            (3, "under_review"),
        ]


def test_a_delivery_whose_worker_was_killed_is_sent_once_its_lease_expires(
    app: Flask, client: ApiClient, clock: Clock, hooks: Receiver
) -> None:
    portal = portal_client(app)
    secret = subscribe(app, portal, hooks.url)
    number = portal_case(client, app, portal)
    with app.app_context():
        # A worker dispatches the outbox, takes the delivery and is killed before it POSTs anything.
        assert webhook_delivery.dispatch_outbox() >= 1
        assert len(webhook_delivery.claim_due("killed-worker", 10)) == 1
        db.session.remove()
    worker = Worker(app)
    worker.run_once()
    assert worker.deliveries == {}  # the lease is still the dead worker's
    assert hooks.received == []
    clock.at += timedelta(seconds=app.config["WEBHOOK_LEASE_SECONDS"] + 1)
    worker.run_once()
    assert worker.deliveries == {"delivered": 1}
    ((request,),) = [hooks.received]
    assert request.signed_with(secret)
    assert (request.event["case_number"], request.event["new_status"]) == (number, "submitted")
    (delivery,) = deliveries(app)
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 2)


def test_a_status_change_committed_while_no_worker_ran_is_delivered_when_one_runs(
    app: Flask, client: ApiClient, hooks: Receiver
) -> None:
    portal = portal_client(app)
    subscribe(app, portal, hooks.url)
    number = portal_case(client, app, portal)
    accept(client, number)
    with app.app_context():
        pending = db.session.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        ).scalar_one()
    assert pending >= 3  # the outbox keeps them until a worker hands them on
    Worker(app).run_once()
    assert statuses(hooks.delivered()) == ["submitted", "accepted", "under_review"]


def test_a_subscription_hears_only_the_kinds_it_chose_and_nothing_once_cancelled(
    app: Flask, client: ApiClient, hooks: Receiver
) -> None:
    portal = portal_client(app)
    subscribe(app, portal, hooks.url, ("notice-issued",))
    number = portal_case(client, app, portal)
    window_case = client.start_case()  # no client: nobody hears of it
    accept(client, number)
    accept(client, window_case)
    worker = Worker(app)
    worker.run_once()
    assert [(e["case_number"], e["kind"]) for e in hooks.delivered()] == [(number, "notice-issued")]
    with app.app_context():
        (subscription,) = db.session.execute(select(WebhookSubscription)).scalars()
        webhooks.unsubscribe(subscription.client, subscription.id)
    review(client, number, {"review_decision": "refuse", "review_opinion": "经营范围不符"})
    worker.run_once()
    assert len(hooks.received) == 1


def test_subscribing_checks_the_url_the_kinds_and_a_chosen_secret(app: Flask) -> None:
    portal = portal_client(app)
    chosen = "a-secret-of-the-portal-own"
    with app.app_context():
        client_row = db.session.get(ClientRow, portal)
        assert client_row is not None
        made = webhooks.subscribe(client_row, "https://portal.example/hooks", ["result-ready"], chosen)
        assert made.secret == chosen
        generated = webhooks.subscribe(client_row, "https://portal.example/other", ["status-changed"])
        assert len(generated.secret) == 64 and generated.secret != chosen
        for url, kinds, secret, field in [
            ("ftp://portal.example/", ["result-ready"], None, "url"),
            ("https://portal.example/", [], None, "event_kinds"),
            ("https://portal.example/", ["everything"], None, "event_kinds"),
            ("https://portal.example/", ["result-ready"], "short", "secret"),
        ]:
            with pytest.raises(InvalidInput) as refused:
                webhooks.subscribe(client_row, url, kinds, secret)
            assert field in refused.value.errors
        assert [s.url for s in webhooks.list_subscriptions(client_row)] == [
            "https://portal.example/hooks",
            "https://portal.example/other",
        ]


def test_the_applicant_channels_are_stubs_that_say_they_only_log(
    app: Flask, client: ApiClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    logger = logging.getLogger("workflow_service.services.portal.notification_channels")
    # Alembic's logging set-up (the template database's migration) disables loggers that existed before it.
    monkeypatch.setattr(logger, "disabled", False)
    number = client.start_case()
    accept(client, number)
    with caplog.at_level(logging.INFO, logger=logger.name):
        Worker(app).run_once()
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name == logger.name and number in record.getMessage()
    ]
    assert lines == [
        f"sms channel is a logging stub and sent nothing: would notify the applicant of case {number} (notice-issued)",
        f"in-app channel is a logging stub and sent nothing: would notify the applicant of case {number} (notice-issued)",
    ]
    assert all("138" not in line for line in lines)  # no phone number in the log


def test_a_new_subscription_hears_of_the_changes_after_it(
    app: Flask, client: ApiClient, hooks: Receiver
) -> None:
    portal = portal_client(app)
    number = portal_case(client, app, portal)
    Worker(app).run_once()  # the 申请 event is dispatched while nobody listens
    assert deliveries(app) == []
    subscribe(app, portal, hooks.url)
    accept(client, number)
    Worker(app).run_once()
    assert [event["sequence"] for event in hooks.delivered()] == [2, 3]


def test_an_admin_sees_dead_deliveries_on_a_page_and_redelivers_or_skips_them_with_a_click(
    app: Flask, client: ApiClient, clock: Clock, hooks: Receiver
) -> None:
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 1
    portal = portal_client(app)
    subscribe(app, portal, hooks.url)
    first = portal_case(client, app, portal)
    second = portal_case(client, app, portal)
    hooks.answer = lambda _event: 502
    worker = Worker(app)
    worker.run_once()
    assert worker.deliveries == {"dead": 2}

    clerk = Browser(app)
    clerk.log_in("clerk")
    assert clerk.get("/admin/webhooks").status_code == 403
    admin = Browser(app)
    admin.log_in("admin")
    page = page_text(admin.get("/admin/webhooks"))
    assert page.count('data-testid="dead-delivery"') == 2
    assert first in page and second in page and "HTTP 502" in page and hooks.url in page
    ids = [int(found) for found in re.findall(r"/admin/webhooks/(\d+)/redeliver", page)]
    forged = admin.http.post(f"/admin/webhooks/{ids[0]}/redeliver")  # no CSRF token
    assert forged.status_code == 400

    hooks.answer = lambda _event: 200
    redelivered = admin.post(f"/admin/webhooks/{ids[0]}/redeliver")
    assert redelivered.status_code == 302
    skipped = admin.post(f"/admin/webhooks/{ids[1]}/skip")
    assert skipped.status_code == 302
    page = page_text(admin.get("/admin/webhooks"))
    assert "没有死信" in page and "跳过投递" in page
    again = admin.post(f"/admin/webhooks/{ids[1]}/skip")  # already skipped: said, not a crash
    assert "只有死信可以重投或跳过" in page_text(admin.get(again.headers["Location"]))
    worker.run_once()
    assert worker.deliveries == {"delivered": 1}
    (delivered,) = hooks.delivered()
    assert delivered["case_number"] in (first, second)


@pytest.mark.parametrize(("tries", "ceiling"), [(1, 10), (2, 20), (3, 40), (4, 60), (20, 60)])
def test_a_retry_waits_a_random_time_up_to_the_exponential_backoff(
    app: Flask, hooks: Receiver, tries: int, ceiling: int
) -> None:
    with app.app_context():
        waits = {webhook_delivery.retry_delay(tries).total_seconds() for _ in range(200)}
    assert all(0 <= wait <= ceiling for wait in waits)
    assert len(waits) > 100  # full jitter: spread over the whole range, not one fixed delay
    assert max(waits) > ceiling / 2


def test_a_disabled_client_hears_nothing_more(
    app: Flask, client: ApiClient, clock: Clock, hooks: Receiver
) -> None:
    portal = portal_client(app)
    subscribe(app, portal, hooks.url)
    portal_case(client, app, portal)
    with app.app_context():
        row = db.session.get(ClientRow, portal)
        assert row is not None
        row.disabled_at = clock.at
        db.session.commit()
    Worker(app).run_once()
    assert hooks.received == []
    assert deliveries(app) == []


def test_a_client_subscribes_lists_and_ends_its_subscriptions_over_the_api(
    app: Flask, client: ApiClient
) -> None:
    headers = client_headers(client.http, register_client(app, "门户", scopes=["webhooks:manage"]))
    body = {"url": "https://portal.example.gov.cn/hooks/cases", "event_kinds": ["status-changed"]}
    made = client.http.post("/api/v1/webhooks", json=body, headers=headers)
    assert made.status_code == 201, made.json
    assert made.json["url"] == body["url"] and made.json["event_kinds"] == ["status-changed"]
    assert len(made.json["secret"]) == 64 and made.json["created_at"]
    listed = client.http.get("/api/v1/webhooks", headers=headers).json
    assert [entry["id"] for entry in listed] == [made.json["id"]]
    assert "secret" not in listed[0]
    assert client.http.delete(f"/api/v1/webhooks/{made.json['id']}", headers=headers).status_code == 204
    assert client.http.get("/api/v1/webhooks", headers=headers).json == []

"""Webhook delivery: hand outbox events to the channels, then POST each delivery, signed, in order per case.

A pass of the worker first dispatches the outbox (every undispatched event to every channel,
services.portal.notification_channels; the webhook channel adds a delivery per interested
subscription), then claims due deliveries like jobs (services.process.jobs): ``running`` with the
worker's name and time, a lease that another worker takes over once ``WEBHOOK_LEASE_SECONDS``
have passed. The POST is made outside any transaction, and the outcome is recorded after it, so a
worker killed between the two leaves the delivery ``running`` until its lease expires and it is
sent again: at least once, never lost. Receivers de-duplicate by ``X-Event-Id``.

Order per case: a delivery is claimed only when its subscription has no earlier delivery of the
same case still pending, running or dead, and the case has no earlier event not yet dispatched.
A failure is retried after an exponential backoff with full jitter; after ``WEBHOOK_MAX_ATTEMPTS``
tries it is dead, and holds back the case's later events until an admin redelivers or skips it.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from workflow_service.errors import Conflict, NotFound
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    DeliveryState,
    OutboxEvent,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow_service.models.webhooks import UNFINISHED_DELIVERY_STATES
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory.permissions import require_admin
from workflow_service.services.portal.notification_channels import CaseEvent, channels

log = logging.getLogger(__name__)

# One pass stops after this many deliveries, so a flood cannot keep it from returning.
MAX_DELIVERIES_PER_PASS = 1000
DISPATCH_BATCH_SIZE = 200
USER_AGENT = "yichuang-webhooks/1"


class DeliveryNotDead(Conflict):
    title = "该投递不是死信"
    type_slug = "delivery-not-dead"


class DeliveryOutcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # failed; tried again after a backoff
    DEAD = "dead"  # failed for the last time
    SKIPPED = "skipped"  # its subscription was cancelled meanwhile
    LOST = "lost"  # the lease had expired and another worker holds the delivery now


def canonical_body(payload: dict) -> bytes:
    """The bytes a delivery sends (and signs): the event's payload as compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Signature``: hex HMAC-SHA256 with the subscription's secret over ``f"{timestamp}.{body}"``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """Full jitter: a random wait up to the exponential backoff after ``attempts`` failed tries."""
    base = current_app.config["WEBHOOK_RETRY_BASE_SECONDS"]
    ceiling = min(current_app.config["WEBHOOK_RETRY_MAX_SECONDS"], base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(0, ceiling))  # noqa: S311 - spreading retries, not a secret


def dispatch_outbox(limit: int = DISPATCH_BATCH_SIZE) -> int:
    """Hand the oldest undispatched events to every channel and mark them dispatched; committed.
    How many were dispatched."""
    rows = db.session.execute(
        select(OutboxEvent, Case.submitted_by_client_id)
        .join(Case, Case.id == OutboxEvent.case_id)
        .where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
        # Ignored by SQLite, whose writers are serialized. A worker skipping another's events
        # cannot deliver out of order: the claim waits for a case's earlier undispatched events.
        .with_for_update(of=OutboxEvent, skip_locked=True)
    ).all()
    events = [CaseEvent(event, client_id) for event, client_id in rows]
    for channel in channels():
        channel.dispatch(events)
    moment = now()
    for entry in events:
        entry.event.dispatched_at = moment
    db.session.commit()
    return len(events)


def _is_due(moment: datetime) -> ColumnElement[bool]:
    lease_expired = moment - timedelta(seconds=current_app.config["WEBHOOK_LEASE_SECONDS"])
    return or_(
        and_(WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.next_attempt_at <= moment),
        and_(WebhookDelivery.state == DeliveryState.RUNNING, WebhookDelivery.locked_at < lease_expired),
    )


def _in_turn() -> ColumnElement[bool]:
    """No earlier delivery of the case to the subscription unfinished, no earlier event undispatched."""
    earlier = aliased(WebhookDelivery)
    earlier_event = aliased(OutboxEvent)
    return and_(
        ~exists().where(
            earlier.subscription_id == WebhookDelivery.subscription_id,
            earlier.case_id == WebhookDelivery.case_id,
            earlier.sequence < WebhookDelivery.sequence,
            earlier.state.in_(UNFINISHED_DELIVERY_STATES),
        ),
        ~exists().where(
            earlier_event.case_id == WebhookDelivery.case_id,
            earlier_event.sequence < WebhookDelivery.sequence,
            earlier_event.dispatched_at.is_(None),
        ),
    )


def claim_due(worker: str, limit: int) -> list[int]:
    """Claim up to ``limit`` due deliveries whose turn it is (oldest first) and commit; their ids."""
    moment = now()
    is_due = _is_due(moment)
    # A CTE with FOR UPDATE, as services.process.jobs.claim_due explains.
    due = (
        select(WebhookDelivery.id)
        .where(is_due, _in_turn())
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    claimed = (
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == due.c.id, is_due)
            .values(
                state=DeliveryState.RUNNING,
                locked_by=worker,
                locked_at=moment,
                attempts=WebhookDelivery.attempts + 1,
            )
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(claimed)


@dataclass(frozen=True)
class Outgoing:
    """What one try sends, copied out of the session so the POST runs outside any transaction."""

    url: str
    secret: str
    event_id: str
    body: bytes
    active: bool


def _held(delivery_id: int, worker: str, lock: bool = False) -> WebhookDelivery | None:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .execution_options(populate_existing=True)
    )
    delivery = db.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if delivery is None or delivery.state != DeliveryState.RUNNING or delivery.locked_by != worker:
        return None
    return delivery


def _outgoing(delivery_id: int, worker: str) -> Outgoing | None:
    delivery = _held(delivery_id, worker)
    if delivery is None:
        return None
    subscription, event = delivery.subscription, delivery.event
    return Outgoing(
        url=subscription.url,
        secret=subscription.secret,
        event_id=event.event_id,
        body=canonical_body(event.payload),
        active=subscription.disabled_at is None,
    )


def post(outgoing: Outgoing) -> tuple[int | None, str | None]:
    """POST the signed event; the answer's status (None if none came) and the error, if it failed."""
    timestamp = str(int(now().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Event-Id": outgoing.event_id,
        "X-Timestamp": timestamp,
        "X-Signature": signature(outgoing.secret, timestamp, outgoing.body),
    }
    import requests  # ~15 MiB: the background worker delivers webhooks, the web workers never do

    try:
        response = requests.post(
            outgoing.url,
            data=outgoing.body,
            headers=headers,
            timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"],
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:4000]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def _record(delivery_id: int, worker: str, status: int | None, error: str | None) -> DeliveryOutcome:
    delivery = _held(delivery_id, worker, lock=True)
    if delivery is None:
        db.session.commit()
        return DeliveryOutcome.LOST
    moment = now()
    delivery.last_status_code = status
    delivery.last_error = error
    delivery.locked_by = None
    delivery.locked_at = None
    if error is None:
        delivery.state = DeliveryState.DELIVERED
        delivery.finished_at = moment
        outcome = DeliveryOutcome.DELIVERED
    elif delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.state = DeliveryState.DEAD
        delivery.finished_at = moment
        outcome = DeliveryOutcome.DEAD
        log.error("webhook delivery %s dead after %s tries: %s", delivery.id, delivery.attempts, error)
    else:
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = moment + retry_delay(delivery.attempts)
        outcome = DeliveryOutcome.RETRY
        log.warning("webhook delivery %s try %s failed: %s", delivery.id, delivery.attempts, error)
    db.session.commit()
    return outcome


def _skip_cancelled(delivery_id: int, worker: str) -> DeliveryOutcome:
    delivery = _held(delivery_id, worker, lock=True)
    if delivery is None:
        db.session.commit()
        return DeliveryOutcome.LOST
    delivery.state = DeliveryState.SKIPPED
    delivery.finished_at = now()
    delivery.last_error = "订阅已取消"
    db.session.commit()
    return DeliveryOutcome.SKIPPED


def deliver(delivery_id: int, worker: str) -> DeliveryOutcome:
    """One try of a claimed delivery: read it, end the transaction, POST, record the outcome."""
    outgoing = _outgoing(delivery_id, worker)
    # No transaction stays open across the POST (on SQLite it would hold the write lock).
    db.session.rollback()
    if outgoing is None:
        return DeliveryOutcome.LOST
    if not outgoing.active:
        return _skip_cancelled(delivery_id, worker)
    status, error = post(outgoing)
    return _record(delivery_id, worker, status, error)


def run_deliveries(worker: str, stopping: Callable[[], bool] = lambda: False) -> Counter[DeliveryOutcome]:
    """One pass: dispatch the outbox, then claim and send due deliveries until none is due."""
    for _ in range(MAX_DELIVERIES_PER_PASS // DISPATCH_BATCH_SIZE):
        if stopping() or dispatch_outbox() < DISPATCH_BATCH_SIZE:
            break
    outcomes: Counter[DeliveryOutcome] = Counter()
    batch_size = current_app.config["WORKER_BATCH_SIZE"]
    while outcomes.total() < MAX_DELIVERIES_PER_PASS and not stopping():
        claimed = claim_due(worker, batch_size)
        if not claimed:
            break
        for index, delivery_id in enumerate(claimed):
            if stopping():
                _release(claimed[index:], worker)
                break
            outcomes[deliver(delivery_id, worker)] += 1
    return outcomes


def _release(delivery_ids: Sequence[int], worker: str) -> None:
    """Hand back claimed deliveries a stopping worker will not send: pending, the try not counted."""
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(delivery_ids),
            WebhookDelivery.state == DeliveryState.RUNNING,
            WebhookDelivery.locked_by == worker,
        )
        .values(
            state=DeliveryState.PENDING,
            locked_by=None,
            locked_at=None,
            attempts=WebhookDelivery.attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def list_deliveries(
    actor: User, state: DeliveryState | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    """Deliveries for the admins (in one state, or all), newest first, with event and client."""
    require_admin(actor)
    query = (
        select(WebhookDelivery)
        .options(
            joinedload(WebhookDelivery.event),
            joinedload(WebhookDelivery.subscription).joinedload(WebhookSubscription.client),
        )
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    return list(db.session.execute(query).scalars())


def _dead_delivery(actor: User, delivery_id: int) -> WebhookDelivery:
    require_admin(actor)
    delivery = db.session.execute(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound("没有该投递")
    if delivery.state != DeliveryState.DEAD:
        raise DeliveryNotDead(f"投递 {delivery.id} 的状态是 {delivery.state.value}，只有死信可以重投或跳过")
    return delivery


def _audit(action: str, actor: User, delivery: WebhookDelivery) -> None:
    audit.record(
        action,
        actor,
        case=delivery.event.case,
        summary={
            "delivery": delivery.id,
            "event_id": delivery.event.event_id,
            "client": delivery.subscription.client.name,
            "url": delivery.subscription.url,
            "error": delivery.last_error,
        },
    )


def redeliver(actor: User, delivery_id: int) -> WebhookDelivery:
    """A dead delivery gets a fresh set of tries, due now (the worker sends it at its next pass); audited."""
    delivery = _dead_delivery(actor, delivery_id)
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now()
    delivery.finished_at = None
    _audit("webhook.redelivered", actor, delivery)
    db.session.commit()
    return delivery


def skip(actor: User, delivery_id: int) -> WebhookDelivery:
    """Give up a dead delivery for good: the case's later events go on without it; audited."""
    delivery = _dead_delivery(actor, delivery_id)
    delivery.state = DeliveryState.SKIPPED
    delivery.finished_at = now()
    _audit("webhook.skipped", actor, delivery)
    db.session.commit()
    return delivery

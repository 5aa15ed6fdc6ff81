"""The channels an outbox event goes out by: webhooks to the client that submitted the case, and notices
to applicants (SMS, in-app messages) — the latter, for now, stubs that only log.

The worker hands every event of the outbox to every channel once, in one transaction with marking
the event dispatched (services.portal.webhook_delivery); a channel only adds rows to that
transaction or logs, it never calls out itself, so a crash loses nothing: an undispatched event
is handed over again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import (
    ApiClient,
    DeliveryState,
    EventKind,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow_service.services.clock import now
from workflow_service.services.portal.webhooks import wants

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseEvent:
    """An outbox event with the client that submitted its case (None: taken at a window)."""

    event: OutboxEvent
    client_id: int | None


class NotificationChannel(Protocol):
    """A way events reach someone outside: given a batch of events, in outbox order, in the
    worker's transaction."""

    name: str

    def dispatch(self, events: Sequence[CaseEvent]) -> None: ...


class WebhookChannel:
    """A delivery row per event and interested subscription of the case's client; the worker sends them."""

    name = "webhook"

    def dispatch(self, events: Sequence[CaseEvent]) -> None:
        clients = {entry.client_id for entry in events if entry.client_id is not None}
        if not clients:
            return
        subscriptions: dict[int, list[WebhookSubscription]] = {}
        for subscription in db.session.execute(
            select(WebhookSubscription)
            .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
            .where(
                WebhookSubscription.client_id.in_(clients),
                WebhookSubscription.disabled_at.is_(None),
                # A disabled client hears nothing more, whatever it subscribed to.
                ApiClient.disabled_at.is_(None),
            )
            .order_by(WebhookSubscription.id)
        ).scalars():
            subscriptions.setdefault(subscription.client_id, []).append(subscription)
        moment = now()
        for entry in events:
            for subscription in subscriptions.get(entry.client_id or 0, []):
                if wants(subscription, entry.event.kind):
                    db.session.add(
                        WebhookDelivery(
                            event_id=entry.event.id,
                            subscription_id=subscription.id,
                            case_id=entry.event.case_id,
                            sequence=entry.event.sequence,
                            state=DeliveryState.PENDING,
                            attempts=0,
                            next_attempt_at=moment,
                            created_at=moment,
                        )
                    )


class LoggingApplicantChannel:
    """A stub of a notice channel to applicants (SMS, in-app message): it ONLY LOGS that it would notify,
    and sends nothing. A real channel (an SMS gateway, the portal's message centre) replaces it."""

    # The events an applicant is told of: a notice issued, a result ready.
    KINDS = frozenset({EventKind.NOTICE_ISSUED, EventKind.RESULT_READY})

    def __init__(self, name: str) -> None:
        self.name = name

    def dispatch(self, events: Sequence[CaseEvent]) -> None:
        for entry in events:
            if entry.event.kind in self.KINDS:
                # The number and the kind only: the applicant's phone and name stay out of the log.
                log.info(
                    "%s channel is a logging stub and sent nothing: "
                    "would notify the applicant of case %s (%s)",
                    self.name,
                    entry.event.case_number,
                    entry.event.kind.value,
                )


def channels() -> tuple[NotificationChannel, ...]:
    """Every channel, in the order events are handed to them."""
    return (WebhookChannel(), LoggingApplicantChannel("sms"), LoggingApplicantChannel("in-app"))

"""The portal's outbox and webhooks: events of a case written with its change, the clients'
subscriptions, and each event's delivery to each subscription."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.api_clients import ApiClient
from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow
from workflow_service.models.cases import Case


class EventKind(enum.StrEnum):
    STATUS_CHANGED = "status-changed"  # any other status change
    NOTICE_ISSUED = "notice-issued"  # the new status issues a notice (受理, 补正, 不予受理)
    RESULT_READY = "result-ready"  # 办结: the result waits for 出件


class OutboxEvent(Base):
    """One event of a case, written in the transaction that changed the case; the worker hands it to
    the notification channels (``dispatched_at``) and only then may forget it."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        UniqueConstraint("case_id", "sequence", name="uq_outbox_event_case_id_sequence"),
        # The worker's look for events not yet handed to the channels.
        Index("ix_outbox_event_dispatched_at_id", "dispatched_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id receivers de-duplicate by (X-Event-Id): a UUID, the same on every delivery.
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    case_number: Mapped[str] = mapped_column(String(32))
    # The case's status changes counted from 1: receivers order a case's events by it.
    sequence: Mapped[int]
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 32))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()


class WebhookSubscription(Base):
    """A client's URL for the events of the cases it submitted, with the secret its deliveries are
    signed with."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_kinds: Mapped[list[str]] = mapped_column(JSON)
    # HMAC-SHA256 key: the receiver needs it in clear to verify, so it is kept, not hashed.
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[ApiClient] = relationship()


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # to be tried at next_attempt_at
    RUNNING = "running"  # taken by a worker (a lease: taken again once it expires)
    DELIVERED = "delivered"
    DEAD = "dead"  # gave up after the last try; holds back the case's later events
    SKIPPED = "skipped"  # an admin let the case's later events go on without it


# A delivery in one of these states holds back the later events of its case for its subscription.
UNFINISHED_DELIVERY_STATES = (DeliveryState.PENDING, DeliveryState.RUNNING, DeliveryState.DEAD)


class WebhookDelivery(Base):
    """One event to one subscription: its tries, the last answer, and where it stands."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", name="uq_webhook_delivery_event_id_subscription_id"),
        # The worker's claim (due ones by time) and the admin's list (dead ones).
        Index("ix_webhook_delivery_state_next_attempt_at", "state", "next_attempt_at"),
        # The hold-back check: the earlier unfinished deliveries of a case to a subscription.
        Index(
            "ix_webhook_delivery_subscription_id_case_id_sequence", "subscription_id", "case_id", "sequence"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    # Copied from the event, so the order check needs no join.
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState, 16), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[OutboxEvent] = relationship()
    subscription: Mapped[WebhookSubscription] = relationship()

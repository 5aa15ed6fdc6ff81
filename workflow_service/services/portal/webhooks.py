"""A client's webhook subscriptions: subscribe a URL to kinds of events, list them, unsubscribe.

The secret deliveries are signed with (HMAC-SHA256, services.portal.webhook_delivery) is the
client's own choice or generated here; either way it is shown once, in the answer to subscribing.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from workflow_service.errors import InvalidInput, NotFound
from workflow_service.extensions import db
from workflow_service.models import ApiClient, EventKind, WebhookSubscription
from workflow_service.services.clock import now

SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 128
URL_MAX_LENGTH = 2000


@dataclass(frozen=True)
class NewSubscription:
    """A subscription just made, with its secret in clear: the only time anyone sees it."""

    subscription: WebhookSubscription
    secret: str


def _checked_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > URL_MAX_LENGTH:
        raise InvalidInput(
            "回调地址无效", errors={"url": [f"须为 http(s) 地址，至多 {URL_MAX_LENGTH} 个字符"]}
        )
    return url.strip()


def _checked_kinds(kinds: Sequence[str]) -> list[str]:
    known = [kind.value for kind in EventKind]
    unknown = [kind for kind in kinds if kind not in known]
    if unknown or not kinds:
        raise InvalidInput("事件类型无效", errors={"event_kinds": [f"至少一种，可用值：{', '.join(known)}"]})
    return [kind for kind in known if kind in kinds]


def _checked_secret(secret: str | None) -> str:
    if secret is None:
        return secrets.token_hex(32)
    if not SECRET_MIN_LENGTH <= len(secret) <= SECRET_MAX_LENGTH or not secret.isprintable():
        raise InvalidInput(
            "签名密钥无效",
            errors={"secret": [f"{SECRET_MIN_LENGTH} 至 {SECRET_MAX_LENGTH} 个可打印字符"]},
        )
    return secret


def subscribe(
    client: ApiClient, url: str, event_kinds: Sequence[str], secret: str | None = None
) -> NewSubscription:
    """Subscribe ``url`` to these kinds of events of the client's cases; committed.

    ``status-changed`` hears of every status change (each event is one); ``notice-issued`` and
    ``result-ready`` only of those that issue a notice or make a result ready.
    """
    chosen = _checked_secret(secret)
    subscription = WebhookSubscription(
        client_id=client.id,
        url=_checked_url(url),
        event_kinds=_checked_kinds(event_kinds),
        secret=chosen,
        created_at=now(),
    )
    db.session.add(subscription)
    db.session.commit()
    return NewSubscription(subscription, chosen)


def list_subscriptions(client: ApiClient) -> list[WebhookSubscription]:
    """The client's active subscriptions, oldest first."""
    return list(
        db.session.execute(
            select(WebhookSubscription)
            .where(WebhookSubscription.client_id == client.id, WebhookSubscription.disabled_at.is_(None))
            .order_by(WebhookSubscription.id)
        ).scalars()
    )


def unsubscribe(client: ApiClient, subscription_id: int) -> WebhookSubscription:
    """End one of the client's subscriptions (404 for another client's); committed.

    The row stays, disabled, so the deliveries already made keep their subscription; deliveries
    still pending are not sent any more (services.portal.webhook_delivery).
    """
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None or subscription.client_id != client.id or subscription.disabled_at is not None:
        raise NotFound("没有该订阅")
    subscription.disabled_at = now()
    db.session.commit()
    return subscription


def wants(subscription: WebhookSubscription, kind: EventKind) -> bool:
    """Whether the subscription hears of an event of ``kind``: every event is a status change."""
    return (
        kind.value in subscription.event_kinds or EventKind.STATUS_CHANGED.value in subscription.event_kinds
    )

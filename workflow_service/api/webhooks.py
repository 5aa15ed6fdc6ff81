"""A client's webhook subscriptions: ``POST/GET/DELETE /api/v1/webhooks`` (scope ``webhooks:manage``,
a token from ``POST /oauth/token``)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.client_authentication import current_client, require_client_scope
from workflow_service.api.portal_examples import (
    NEW_SUBSCRIPTION_EXAMPLE,
    SUBSCRIPTION_EXAMPLE,
    SUBSCRIPTION_REQUEST_EXAMPLE,
)
from workflow_service.api.webhook_schemas import (
    NewSubscriptionSchema,
    SubscriptionCreateSchema,
    SubscriptionSchema,
)
from workflow_service.models import WebhookSubscription
from workflow_service.services.portal import webhooks

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="回调订阅（接入系统）/ webhook subscriptions of API clients",
)
blp.before_request(require_client_scope("webhooks:manage"))
CLIENT_ONLY = [{"clientCredentials": ["webhooks:manage"]}]


@blp.route("")
class SubscriptionsResource(MethodView):
    @blp.doc(security=CLIENT_ONLY)
    @blp.response(200, SubscriptionSchema(many=True), example=[SUBSCRIPTION_EXAMPLE])
    def get(self) -> list[WebhookSubscription]:
        """回调订阅列表 / Webhook subscriptions

        本接入系统在用的回调订阅。

        The client's active subscriptions.
        """
        return webhooks.list_subscriptions(current_client())

    @blp.doc(security=CLIENT_ONLY)
    @blp.arguments(SubscriptionCreateSchema, example=SUBSCRIPTION_REQUEST_EXAMPLE)
    @blp.response(201, NewSubscriptionSchema, example=NEW_SUBSCRIPTION_EXAMPLE)
    def post(self, payload: dict) -> webhooks.NewSubscription:
        """订阅回调 / Subscribe a webhook

        为本接入系统的办件事件（状态变化、文书送达、结果待领）订阅一个 URL；应答中的签名密钥只出现这一次。
        回调以 HMAC-SHA256 签名：X-Signature 为以密钥对“X-Timestamp 的值 + . + 原始正文”计算的十六进制
        HMAC，X-Timestamp 为本次投递的 Unix 秒数；接收方应拒绝超出重放窗口的时间戳，并按 X-Event-Id 去重。

        Subscribe a URL to this client's case events (status changes, notices issued, result ready); the
        answer carries the signing secret, shown this once. Deliveries are signed with HMAC-SHA256:
        ``X-Signature`` is the hex HMAC of the ``X-Timestamp`` value (Unix seconds of the try), a dot and
        the raw body under the secret; receivers refuse timestamps outside their replay window and
        de-duplicate by ``X-Event-Id``.
        """
        return webhooks.subscribe(
            current_client(), payload["url"], payload["event_kinds"], payload.get("secret")
        )


@blp.route("/<int:subscription_id>")
class SubscriptionResource(MethodView):
    @blp.doc(security=CLIENT_ONLY)
    @blp.response(204)
    def delete(self, subscription_id: int) -> None:
        """取消订阅 / Unsubscribe

        结束一项订阅：其尚未投递的事件不再发送。

        End a subscription: its pending deliveries are not sent any more.
        """
        webhooks.unsubscribe(current_client(), subscription_id)

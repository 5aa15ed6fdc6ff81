"""A client's webhook subscriptions: ``POST/GET/DELETE /api/v1/webhooks`` (scope ``webhooks:manage``,
a token from ``POST /oauth/token``)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.client_authentication import current_client, require_client_scope
from workflow_service.api.webhook_schemas import (
    NewSubscriptionSchema,
    SubscriptionCreateSchema,
    SubscriptionSchema,
)
from workflow_service.models import WebhookSubscription
from workflow_service.services.portal import webhooks

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhook 订阅（API 客户端）")
blp.before_request(require_client_scope("webhooks:manage"))
CLIENT_ONLY = [{"clientCredentials": ["webhooks:manage"]}]


@blp.route("")
class SubscriptionsResource(MethodView):
    @blp.doc(security=CLIENT_ONLY)
    @blp.response(200, SubscriptionSchema(many=True))
    def get(self) -> list[WebhookSubscription]:
        """The client's active subscriptions."""
        return webhooks.list_subscriptions(current_client())

    @blp.doc(security=CLIENT_ONLY)
    @blp.arguments(SubscriptionCreateSchema)
    @blp.response(201, NewSubscriptionSchema)
    def post(self, payload: dict) -> dict:
        """Subscribe a URL; the answer carries the signing secret, shown this once."""
        made = webhooks.subscribe(
            current_client(), payload["url"], payload["event_kinds"], payload.get("secret")
        )
        return {**SubscriptionSchema().dump(made.subscription), "secret": made.secret}


@blp.route("/<int:subscription_id>")
class SubscriptionResource(MethodView):
    @blp.doc(security=CLIENT_ONLY)
    @blp.response(204)
    def delete(self, subscription_id: int) -> None:
        """End a subscription: its pending deliveries are not sent any more."""
        webhooks.unsubscribe(current_client(), subscription_id)

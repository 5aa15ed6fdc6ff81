"""A client's webhook subscriptions: ``POST/GET/DELETE /api/v1/webhooks`` (scope ``webhooks:manage``).

NOT REGISTERED YET: the app factory does not register this blueprint, because nothing here can
authenticate an API client until the OAuth2 client-credentials tokens (``POST /oauth/token``) exist.
Registering it is one line once that check sets ``g.api_client`` for a token with scope
``webhooks:manage``: until then :func:`require_client` refuses every request (401). The services
behind it (services.portal.webhooks) are complete and tested.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.webhook_schemas import (
    NewSubscriptionSchema,
    SubscriptionCreateSchema,
    SubscriptionSchema,
)
from workflow_service.errors import NotAuthenticated
from workflow_service.models import ApiClient, WebhookSubscription
from workflow_service.services.portal import webhooks

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhook 订阅（API 客户端）")
SCOPE = "webhooks:manage"


@blp.before_request
def require_client() -> None:
    """401 unless the client bearer check put a client with scope ``webhooks:manage`` in ``g``."""
    client = g.get("api_client")
    if not isinstance(client, ApiClient) or not client.active or SCOPE not in client.scopes:
        raise NotAuthenticated(f"缺少具有 {SCOPE} 权限的客户端令牌")


def current_client() -> ApiClient:
    return g.api_client


@blp.route("")
class SubscriptionsResource(MethodView):
    @blp.response(200, SubscriptionSchema(many=True))
    def get(self) -> list[WebhookSubscription]:
        """The client's active subscriptions."""
        return webhooks.list_subscriptions(current_client())

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
    @blp.response(204)
    def delete(self, subscription_id: int) -> None:
        """End a subscription: its pending deliveries are not sent any more."""
        webhooks.unsubscribe(current_client(), subscription_id)

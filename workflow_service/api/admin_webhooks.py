"""Administration of webhook deliveries: list them (the dead ones above all), redeliver or skip a dead one."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.input_fields import NoBodySchema
from workflow_service.api.webhook_schemas import DeliveryQuerySchema, DeliverySchema
from workflow_service.models import DeliveryState, WebhookDelivery
from workflow_service.services.directory.permissions import require_admin
from workflow_service.services.portal import webhook_delivery

blp = Blueprint(
    "admin_webhooks",
    __name__,
    url_prefix="/api/v1/admin/webhook-deliveries",
    description="系统管理：webhook 投递与死信 / administration: webhook deliveries",
)
blp.before_request(require_bearer_token)


@blp.before_request
def require_admin_role() -> None:
    """403 for every other role, before any input is looked at."""
    require_admin(current_user())


@blp.route("")
class DeliveriesResource(MethodView):
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliverySchema(many=True))
    def get(self, query: dict) -> list[WebhookDelivery]:
        """回调投递记录 / Webhook deliveries

        最近 100 次投递，新的在前；state=dead：阻塞其办件后续事件的死信。

        The latest 100 deliveries, newest first; ``state=dead``: those that hold back their case.
        """
        state = DeliveryState(query["state"]) if query.get("state") else None
        return webhook_delivery.list_deliveries(current_user(), state)


@blp.route("/<int:delivery_id>/redeliver")
class RedeliverResource(MethodView):
    @blp.alt_response(409, description="The delivery is not dead")
    @blp.arguments(NoBodySchema)
    @blp.response(200, DeliverySchema)
    def post(self, _body: dict, delivery_id: int) -> WebhookDelivery:
        """重新投递 / Redeliver

        死信从第一次尝试重新开始，由工作进程下一轮投递。

        Try a dead delivery again from its first try, at the worker's next pass.
        """
        return webhook_delivery.redeliver(current_user(), delivery_id)


@blp.route("/<int:delivery_id>/skip")
class SkipResource(MethodView):
    @blp.alt_response(409, description="The delivery is not dead")
    @blp.arguments(NoBodySchema)
    @blp.response(200, DeliverySchema)
    def post(self, _body: dict, delivery_id: int) -> WebhookDelivery:
        """跳过死信 / Skip

        放弃一次死信投递：该办件后续事件不再等它。

        Give a dead delivery up: the case's later events go out without it.
        """
        return webhook_delivery.skip(current_user(), delivery_id)

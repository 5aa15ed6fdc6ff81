"""The catalogue of service items (事项) a window can register."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import require_bearer_token
from workflow_service.api.schemas import ServiceItemDetailSchema, ServiceItemSchema
from workflow_service.models import ServiceItem
from workflow_service.services.service_items import ServiceItemView, list_service_items, service_item_view

blp = Blueprint("services", __name__, url_prefix="/api/v1/services", description="事项目录")
blp.before_request(require_bearer_token)


@blp.route("")
class ServiceItemsResource(MethodView):
    @blp.response(200, ServiceItemSchema(many=True))
    def get(self) -> list[ServiceItem]:
        """Every service item, by code."""
        return list_service_items()


@blp.route("/<string:code>")
class ServiceItemResource(MethodView):
    @blp.response(200, ServiceItemDetailSchema)
    def get(self, code: str) -> ServiceItemView:
        """One service item with the application form its cases start with."""
        return service_item_view(code)

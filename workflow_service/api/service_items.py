"""The catalogue of service items (事项): read by staff, changed by analysts (each change a new version)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.service_item_schemas import (
    ServiceItemChangeSchema,
    ServiceItemDetailSchema,
    ServiceItemSchema,
    ServiceItemVersionSchema,
)
from workflow_service.models import ServiceItem, ServiceItemVersion
from workflow_service.services.catalogue.service_items import (
    ServiceItemView,
    change_service_item,
    item_versions,
    list_service_items,
    service_item_view,
)

blp = Blueprint("services", __name__, url_prefix="/api/v1/services", description="事项目录（实施清单）")
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
        """One service item with its materials and the application form its cases start with."""
        return service_item_view(code)

    @blp.arguments(ServiceItemChangeSchema)
    @blp.response(200, ServiceItemSchema)
    def patch(self, changes: dict, code: str) -> ServiceItem:
        """Change an item (analysts): the whole item is checked again, and a new version recorded."""
        return change_service_item(current_user(), code, changes)


@blp.route("/<string:code>/versions")
class ServiceItemVersionsResource(MethodView):
    @blp.response(200, ServiceItemVersionSchema(many=True))
    def get(self, code: str) -> list[ServiceItemVersion]:
        """Every version of the item, oldest first, each as it stood."""
        return item_versions(code)

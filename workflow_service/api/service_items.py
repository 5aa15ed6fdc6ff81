"""The catalogue of service items (事项): read by staff, changed by analysts (each change a new version)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.client_authentication import require_staff_or_client_scope
from workflow_service.api.portal_examples import SERVICE_EXAMPLE, SERVICE_LIST_EXAMPLE
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
from workflow_service.services.portal.catalogue import catalogue_tag, item_tag

blp = Blueprint(
    "services",
    __name__,
    url_prefix="/api/v1/services",
    description="事项目录（实施清单）/ the service catalogue",
)
# Portals read the catalogue with a client token granted services:read; the rest is the staff's.
PORTAL_READABLE = frozenset({"services.ServiceItemsResource", "services.ServiceItemResource"})
READ_SCOPE = "services:read"
BOTH_KINDS = [{"bearerAuth": []}, {"clientCredentials": [READ_SCOPE]}]
TAGGED = {
    "description": "Entity tag of this answer: send it back in `If-None-Match` to be told 304 if unchanged",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of an earlier answer: 304 without a body while it is still current",
}
NOT_MODIFIED = "Unchanged since the answer whose ETag was sent in `If-None-Match` (no body)"


@blp.before_request
def _authenticate() -> None:
    if request.method in ("GET", "HEAD") and request.endpoint in PORTAL_READABLE:
        require_staff_or_client_scope(READ_SCOPE)
    else:
        require_bearer_token()


def _quoted(tag: str) -> str:
    return f'"{tag}"'


def _unchanged(tag: str) -> Response | None:
    """304 when the caller's ``If-None-Match`` names ``tag``; None when it must be answered in full."""
    if not request.if_none_match.contains_weak(tag):
        return None
    return Response(status=304, headers={"ETag": _quoted(tag)})


@blp.route("")
class ServiceItemsResource(MethodView):
    @blp.doc(security=BOTH_KINDS, parameters=[IF_NONE_MATCH])
    @blp.alt_response(304, description=NOT_MODIFIED, headers={"ETag": TAGGED})
    @blp.alt_response(429, description="A client over its requests a minute: `Retry-After` says when")
    @blp.response(200, ServiceItemSchema(many=True), headers={"ETag": TAGGED}, example=SERVICE_LIST_EXAMPLE)
    def get(self) -> Response | tuple[list[ServiceItem], int, dict[str, str]]:
        """事项目录 / The service catalogue

        全部事项（按编码），含材料及其形式、是否可容缺；工作人员或获授 services:read 的接入系统可读。支持
        ETag / If-None-Match：目录未变时 304。

        Every service item, by code, with its materials (form, 可容缺); staff, or a client granted
        services:read. ``ETag`` / ``If-None-Match``: 304 while the catalogue is unchanged.
        """
        tag = catalogue_tag()
        unchanged = _unchanged(tag)
        if unchanged is not None:
            return unchanged
        return list_service_items(), 200, {"ETag": _quoted(tag)}


@blp.route("/<string:code>")
class ServiceItemResource(MethodView):
    @blp.doc(security=BOTH_KINDS, parameters=[IF_NONE_MATCH])
    @blp.alt_response(304, description=NOT_MODIFIED, headers={"ETag": TAGGED})
    @blp.alt_response(429, description="A client over its requests a minute: `Retry-After` says when")
    @blp.response(200, ServiceItemDetailSchema, headers={"ETag": TAGGED}, example=SERVICE_EXAMPLE)
    def get(self, code: str) -> Response | tuple[ServiceItemView, int, dict[str, str]]:
        """单个事项及申请表单 / One service item with its application form

        单个事项的材料及其申请表单的 JSON Schema，供门户自行渲染表单；工作人员或获授 services:read 的接入
        系统可读。支持 ETag / If-None-Match：事项及其流程未变时 304。

        One service item with its materials (form, 可容缺) and the JSON Schema of the application form its
        cases start with, so a portal renders its own form; staff, or a client granted services:read.
        ``ETag`` / ``If-None-Match``: 304 while the item and its process are unchanged.
        """
        tag = item_tag(code)
        unchanged = _unchanged(tag) if tag is not None else None
        if unchanged is not None:
            return unchanged
        return service_item_view(code), 200, {"ETag": _quoted(tag or "")}

    @blp.arguments(ServiceItemChangeSchema)
    @blp.alt_response(409, description="`version` is not the item's version: it changed meanwhile")
    @blp.response(200, ServiceItemSchema)
    def patch(self, changes: dict, code: str) -> ServiceItem:
        """修改事项 / Change a service item

        流程管理员或系统管理员修改事项：整个事项重新校验，并记录新版本；
        带 ``version`` 时，仅当事项仍是该版本才保存。

        Change an item (analysts and admins): the whole item is checked again, and a new version
        recorded; with ``version``, only if the item is still at that version.
        """
        expected = changes.pop("version", None)
        return change_service_item(current_user(), code, changes, expected_version=expected)


@blp.route("/<string:code>/versions")
class ServiceItemVersionsResource(MethodView):
    @blp.response(200, ServiceItemVersionSchema(many=True))
    def get(self, code: str) -> list[ServiceItemVersion]:
        """事项的历次版本 / The item's versions

        事项的每个版本，按先后，各为当时的样子。

        Every version of the item, oldest first, each as it stood.
        """
        return item_versions(code)

"""Administration of API clients (portals, line systems): list, register, disable, enable, rotate."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.api_client_schemas import (
    ApiClientCreateSchema,
    ApiClientSchema,
    ApiClientSecretSchema,
    ApiClientUpdateSchema,
)
from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.input_fields import NoBodySchema
from workflow_service.models import ApiClient
from workflow_service.services.directory.permissions import require_admin
from workflow_service.services.portal import clients

blp = Blueprint(
    "api_clients",
    __name__,
    url_prefix="/api/v1/admin/clients",
    description="系统管理：接入系统（门户、条线系统）/ administration: API clients",
)
blp.before_request(require_bearer_token)


@blp.before_request
def require_admin_role() -> None:
    require_admin(current_user(), clients.ADMINISTER_CLIENTS)


@blp.route("")
class ClientsResource(MethodView):
    @blp.response(200, ApiClientSchema(many=True))
    def get(self) -> list[ApiClient]:
        """接入系统列表 / API clients

        全部已登记的接入系统（门户、条线系统），按名称。

        Every registered client, by name.
        """
        return clients.list_clients(current_user())

    @blp.alt_response(409, description="A client of this name exists")
    @blp.arguments(ApiClientCreateSchema)
    @blp.response(201, ApiClientSecretSchema)
    def post(self, payload: dict) -> clients.ClientSecret:
        """登记接入系统 / Register an API client

        登记接入系统及其授权范围和可申报区划：client_secret 只在此次应答中出现，系统只保存其摘要。

        Register a client: its `client_secret` is in this answer only (only a hash is kept).
        """
        return clients.create_client(current_user(), payload["name"], payload["scopes"], payload["regions"])


@blp.route("/<string:client_id>")
class ClientResource(MethodView):
    @blp.response(200, ApiClientSchema)
    def get(self, client_id: str) -> ApiClient:
        """接入系统详情 / One API client

        单个接入系统。

        One registered client, with its scopes, regions and state.
        """
        return clients.get_client(current_user(), client_id)

    @blp.arguments(ApiClientUpdateSchema, example={"scopes": ["applications:read", "applications:read-all"]})
    @blp.response(200, ApiClientSchema)
    def patch(self, payload: dict, client_id: str) -> ApiClient:
        """修改授权范围 / Change a client's scopes

        以所给授权范围替换接入系统原有的（如授予 applications:read-all）；新授予的范围在其下次申请令牌时生
        效，收回的立即生效。

        Grant the client other scopes (replacing its own), e.g. applications:read-all.
        """
        return clients.set_scopes(current_user(), client_id, payload["scopes"])


@blp.route("/<string:client_id>/disable")
class DisableResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(200, ApiClientSchema)
    def post(self, _body: dict, client_id: str) -> ApiClient:
        """停用接入系统 / Disable an API client

        此后拒绝该接入系统：其访问令牌立即失效。

        Refuse the client from now on: its tokens stop working at once.
        """
        return clients.disable_client(current_user(), client_id)


@blp.route("/<string:client_id>/enable")
class EnableResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(200, ApiClientSchema)
    def post(self, _body: dict, client_id: str) -> ApiClient:
        """重新启用接入系统 / Enable an API client

        允许停用的接入系统重新申请令牌。

        Let a disabled client ask for tokens again.
        """
        return clients.enable_client(current_user(), client_id)


@blp.route("/<string:client_id>/rotate-secret")
class RotateResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(200, ApiClientSecretSchema)
    def post(self, _body: dict, client_id: str) -> clients.ClientSecret:
        """更换密钥 / Rotate the secret

        生成新密钥，只在此次应答中出现；原密钥和已发的令牌随即失效。

        A new secret, in this answer only; the old one and the client's tokens stop working.
        """
        return clients.rotate_secret(current_user(), client_id)

"""Delegations: give one, list mine (given and received), revoke one."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.delegation_schemas import DelegationCreateSchema, DelegationSchema
from workflow_service.models import Delegation
from workflow_service.services.directory import delegations

blp = Blueprint(
    "delegations", __name__, url_prefix="/api/v1/delegations", description="委托办理 / delegations"
)
blp.before_request(require_bearer_token)


@blp.route("")
class DelegationsResource(MethodView):
    @blp.response(200, DelegationSchema(many=True))
    def get(self) -> list[Delegation]:
        """委托代办 / Delegations

        调用者委托出去的和受托的代办，新的在前。

        The delegations the caller gave and received, newest first.
        """
        return delegations.my_delegations(current_user())

    @blp.arguments(DelegationCreateSchema)
    @blp.response(201, DelegationSchema)
    def post(self, payload: dict) -> Delegation:
        """委托同事代办 / Delegate to a colleague

        把调用者已签收的任务委托给同机构同角色的同事。

        Delegate the caller's claimed tasks to a colleague of the same organisation and role.
        """
        return delegations.create_delegation(
            current_user(), payload["delegate"], payload["starts_at"], payload["ends_at"], payload["reason"]
        )


@blp.route("/<int:delegation_id>/revoke")
class RevokeResource(MethodView):
    @blp.alt_response(409, description="The delegation was revoked already or has ended")
    @blp.response(200, DelegationSchema)
    def post(self, delegation_id: int) -> Delegation:
        """撤销委托 / Revoke a delegation

        立即结束一项委托（委托人或系统管理员）。

        End a delegation now (the delegator or an admin).
        """
        return delegations.revoke_delegation(current_user(), delegation_id)

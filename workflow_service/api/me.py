"""The caller's own account: who am I, and change my password (open even while a change is pending)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.admin_schemas import MeSchema, PasswordChangeSchema
from workflow_service.api.authentication import (
    current_credential_id,
    current_user,
    require_bearer_token_allowing_password_change,
)
from workflow_service.api.problems import ALLOWED_BEFORE_PASSWORD_CHANGE
from workflow_service.api.staff_examples import ME_EXAMPLE
from workflow_service.models import User
from workflow_service.services.directory import accounts, credentials

blp = Blueprint(
    "me",
    __name__,
    url_prefix="/api/v1/me",
    description="当前用户：账户信息，修改密码 / the caller's account and password",
)
blp.before_request(require_bearer_token_allowing_password_change)


@blp.route("")
class MeResource(MethodView):
    @blp.doc(**{ALLOWED_BEFORE_PASSWORD_CHANGE: True})
    @blp.response(200, MeSchema, example=ME_EXAMPLE)
    def get(self) -> User:
        """当前用户 / Who am I

        用户名、姓名、机构、角色，以及是否须修改密码。

        Who am I: username, full name, organisation, roles, and whether the password must be changed.
        """
        return accounts.who_am_i(current_user())


@blp.route("/password")
class PasswordResource(MethodView):
    @blp.doc(**{ALLOWED_BEFORE_PASSWORD_CHANGE: True})
    @blp.alt_response(429, description="Too many wrong current passwords: blocked for a while, as a login")
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, payload: dict) -> None:
        """修改密码 / Change the password

        修改调用者的密码；当前密码错误为字段错误（422），不是 401。调用者其他令牌和网页会话随即失效，本次
        请求的令牌继续有效。

        Change the caller's password; a wrong current password is a field error (422), not 401. Every
        other token and browser session of the caller ends; the token of this request goes on.
        """
        credentials.change_password(
            current_user(),
            payload["current_password"],
            payload["new_password"],
            client_address=request.remote_addr,
            keep_credential=current_credential_id(),
        )

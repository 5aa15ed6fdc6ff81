"""Bearer-token authentication for the staff API, and the token endpoint."""

from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.auth_schemas import TokenRequestSchema, TokenSchema
from workflow_service.api.problems import ALLOWED_BEFORE_PASSWORD_CHANGE
from workflow_service.errors import NotAuthenticated, PasswordChangeRequired
from workflow_service.models import CredentialKind, User
from workflow_service.services.directory.authentication import (
    IssuedToken,
    issue_token,
    revoke,
    user_for_token,
)

STAFF_TOKEN_EXAMPLE = {
    "access_token": "Jx0kq3T2mVb8sLr5nWc1aPh9uE4fGz6yQoR2iYtKwDs",
    "token_type": "Bearer",
    "expires_at": "2026-03-13T09:12:00+00:00",
    "user": {
        "username": "clerk-wuning",
        "full_name": "何丽",
        "roles": ["clerk"],
        "organisation": {"code": "330783001-bmfwzx", "name": "吴宁街道便民服务中心"},
        "must_change_password": False,
    },
}
blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/v1/auth",
    description="登录，获取访问令牌 / staff login and bearer tokens",
)


def require_bearer_token_allowing_password_change() -> None:
    """``before_request`` hook of /api/v1/me: a valid token, even if the password must be changed first."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("缺少 Authorization: Bearer 令牌")
    credential = user_for_token(token.strip())
    g.current_user, g.credential_id = credential.user, credential.id
    g.bearer_token = token.strip()


def require_bearer_token() -> None:
    """``before_request`` hook of every staff blueprint: a valid token, and no pending password change."""
    require_bearer_token_allowing_password_change()
    if g.current_user.must_change_password:
        raise PasswordChangeRequired("须先修改密码：请通过 POST /api/v1/me/password 设置新密码后再继续")


def current_user() -> User:
    return g.current_user


def current_credential_id() -> int:
    """The id of the token this request came with (kept when the caller changes their password)."""
    return g.credential_id


@blp.route("/token")
class TokenResource(MethodView):
    @blp.alt_response(401, description="Wrong username or password, or a disabled account: all alike")
    @blp.alt_response(
        429, description="Five failures in a row for one username from one address: blocked for a while"
    )
    @blp.doc(security=[])
    @blp.arguments(TokenRequestSchema, example={"username": "clerk-wuning", "password": "••••••••"})
    @blp.response(200, TokenSchema, example=STAFF_TOKEN_EXAMPLE)
    def post(self, credentials: dict) -> IssuedToken:
        """工作人员登录取令牌 / Log in for a staff bearer token

        以用户名和密码换取工作人员访问令牌。密码错误、用户不存在或账户停用均为同样的 401；同一地址对同一用
        户名连续失败 5 次即暂时锁定（429 并带 Retry-After，逐次加倍，最长 15 分钟）。

        Exchange a username and password for a bearer token. Every wrong password, unknown user or
        disabled account is the same 401. Five failures in a row for one username from one client address
        block that pair: 429 with Retry-After, for a minute, doubling with each further failure up to 15
        minutes; other addresses are not affected. After ``LOGIN_RATE_LIMIT`` failed logins from one
        address over all accounts (20 per minute by default), 429 too, except for accounts that logged in
        from there in the last 30 days.
        """
        return issue_token(credentials["username"], credentials["password"], request.remote_addr)


@blp.route("/logout")
class LogoutResource(MethodView):
    @blp.doc(**{ALLOWED_BEFORE_PASSWORD_CHANGE: True})
    @blp.response(204)
    def post(self) -> None:
        """注销令牌 / Log out

        作废本次请求所带的访问令牌，此后以它请求均为 401。

        Revoke the bearer token this request carries; it is refused (401) from now on.
        """
        require_bearer_token_allowing_password_change()
        revoke(g.bearer_token, CredentialKind.BEARER)

"""Administration: organisations and staff accounts (admin role only; sees everything)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.admin_schemas import (
    AdminUserSchema,
    DisabledUserSchema,
    OrganisationCreateSchema,
    OrganisationPatchSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    PasswordResetSchema,
    UserCreateSchema,
    UserPatchSchema,
    UserQuerySchema,
)
from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.input_fields import NoBodySchema
from workflow_service.models import Organisation, User
from workflow_service.services.directory import accounts, organisations
from workflow_service.services.directory.permissions import require_admin

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/api/v1/admin",
    description="系统管理：机构与账户 / administration: organisations and accounts",
)
blp.before_request(require_bearer_token)


@blp.before_request
def require_admin_role() -> None:
    """403 for every other role, before any input is looked at."""
    require_admin(current_user())


@blp.route("/organisations")
class OrganisationsResource(MethodView):
    @blp.arguments(OrganisationQuerySchema, location="query")
    @blp.response(200, OrganisationSchema(many=True))
    def get(self, query: dict) -> list[Organisation]:
        """机构列表 / Organisations

        按编码列出机构，可按类型和区划筛选（县含其乡镇）。

        Organisations by code, filtered by kind and by region (a county includes its townships).
        """
        return organisations.list_organisations(
            current_user(), query.get("kind"), query.get("region"), query["limit"], query["offset"]
        )

    @blp.alt_response(
        409, description="The code is taken, or the region has an active organisation of this type"
    )
    @blp.arguments(OrganisationCreateSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, payload: dict) -> Organisation:
        """新建机构 / Create an organisation

        新建机构；派驻机构须写明所属部门和覆盖的乡镇。

        Create an organisation; a station names its parent department and covered townships.
        """
        return organisations.create_organisation(
            current_user(),
            code=payload["code"],
            name=payload["name"],
            kind=payload["kind"],
            region_code=payload["region"],
            department_type=payload.get("department_type"),
            office_type=payload.get("office_type"),
            parent_code=payload.get("parent"),
            covered_townships=payload["covered_townships"],
            active=payload["active"],
        )


@blp.route("/organisations/<string:code>")
class OrganisationResource(MethodView):
    @blp.response(200, OrganisationSchema)
    def get(self, code: str) -> Organisation:
        """机构详情 / One organisation

        单个机构。

        One organisation, as administrators manage it.
        """
        return organisations.get_organisation(current_user(), code)

    @blp.alt_response(
        409,
        description="Deactivating an organisation with open tasks or active staff "
        "(`open_tasks`, `active_users`), or a second active one of its type",
    )
    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, changes: dict, code: str) -> Organisation:
        """修改机构 / Change an organisation

        修改所给字段（编码、类型、区划不可改）。机构仍有未办结任务或在用账户时停用为 409
        organisation-in-use。

        Change the given fields (code, kind and region cannot change). Deactivating (``active: false``) is
        refused with 409 ``organisation-in-use`` while the organisation still has open tasks
        (``open_tasks``: a supervisor reassigns them first) or active accounts (``active_users``: moved to
        another organisation or disabled first).
        """
        return organisations.update_organisation(current_user(), code, changes)


@blp.route("/users")
class UsersResource(MethodView):
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, AdminUserSchema(many=True))
    def get(self, query: dict) -> list[User]:
        """账户列表 / Accounts

        按用户名列出账户，可限某一机构。

        Accounts by username, optionally of one organisation.
        """
        return accounts.list_users(current_user(), query.get("organisation"), query["limit"], query["offset"])

    @blp.alt_response(409, description="The username is taken")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, AdminUserSchema)
    def post(self, payload: dict) -> User:
        """新建账户 / Create an account

        以初始密码新建账户（缺省须在首次登录时修改）。

        Create an account with an initial password (by default to be changed at first login).
        """
        return accounts.create_user(
            current_user(),
            username=payload["username"],
            full_name=payload["full_name"],
            organisation_code=payload["organisation"],
            roles=payload["roles"],
            password=payload["password"],
            must_change_password=payload["must_change_password"],
        )


@blp.route("/users/<string:username>")
class UserResource(MethodView):
    @blp.response(200, AdminUserSchema)
    def get(self, username: str) -> User:
        """账户详情 / One account

        单个账户及其锁定和密码状态。

        One account, with its lockout and password state.
        """
        return accounts.get_user(current_user(), username)

    @blp.arguments(UserPatchSchema)
    @blp.response(200, AdminUserSchema)
    def patch(self, changes: dict, username: str) -> User:
        """修改账户 / Change an account

        修改姓名、机构或角色；该用户不能再办理的已签收任务随即退回。

        Change full name, organisation or roles; claimed tasks the user can no longer work are released.
        """
        return accounts.update_user(current_user(), username, changes)


@blp.route("/users/<string:username>/reset-password")
class ResetPasswordResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(200, PasswordResetSchema)
    def post(self, _body: dict, username: str) -> accounts.PasswordReset:
        """重设密码 / Reset a password

        生成一次性临时密码，只在此次应答中出现；用户须立即修改。

        A one-time temporary password, shown only in this answer; the user must change it at once.
        """
        return accounts.reset_password(current_user(), username)


@blp.route("/users/<string:username>/unlock")
class UnlockResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(200, AdminUserSchema)
    def post(self, _body: dict, username: str) -> User:
        """解除锁定 / Unlock an account

        解除因连续登录失败而设的锁定。

        Lift a lockout after too many failed logins.
        """
        return accounts.unlock_user(current_user(), username)


@blp.route("/users/<string:username>/disable")
class DisableResource(MethodView):
    @blp.arguments(NoBodySchema)
    @blp.response(200, DisabledUserSchema)
    def post(self, _body: dict, username: str) -> accounts.DisabledUser:
        """停用账户 / Disable an account

        人员离岗：令牌立即失效，已签收的未办结任务退回本机构，其委托与受托均结束。

        A leaver: tokens stop working at once, claimed open tasks go back to the organisation's pool,
        delegations to and from them in force or to come end (``delegation.ended``, 账户停用).
        """
        return accounts.disable_user(current_user(), username)


@blp.route("/users/<string:username>/enable")
class EnableResource(MethodView):
    @blp.alt_response(409, description="The account's organisation is deactivated")
    @blp.arguments(NoBodySchema)
    @blp.response(200, AdminUserSchema)
    def post(self, _body: dict, username: str) -> User:
        """重新启用账户 / Enable an account

        重新启用停用的账户（其机构已停用时 409：先调动）。

        Re-enable a disabled account (409 while its organisation is inactive: move it first).
        """
        return accounts.enable_user(current_user(), username)

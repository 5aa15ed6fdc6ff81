"""Wire formats of /api/v1/me and /api/v1/admin: one's own account, accounts and organisations.

Rules (password policy, roles, organisation kinds) are checked by the services, which the command
line shares; these schemas describe shapes, and list the allowed values for the API docs.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields

from workflow_service.api.auth_schemas import CurrentUserSchema
from workflow_service.api.common_schemas import OrganisationRefSchema, UserRefSchema
from workflow_service.api.input_fields import Int, Text
from workflow_service.models import OrganisationKind, Role
from workflow_service.services.directory import login_protection

ROLES = [role.value for role in Role]
KINDS = [kind.value for kind in OrganisationKind]
PASSWORD_INPUT_MAX_LENGTH = 1024


class PageQuerySchema(Schema):
    limit = Int(load_default=100, minimum=1, maximum=1000)
    offset = Int(load_default=0, minimum=0)


class MeSchema(CurrentUserSchema):
    must_change_password = fields.Boolean(
        metadata={"description": "为 true 时须先修改密码，其他接口一律返回 403"}
    )
    password_changed_at = fields.DateTime(allow_none=True)


class PasswordChangeSchema(Schema):
    current_password = Text(required=True, load_only=True, min_length=1, max_length=256)
    # Beyond the policy's 256 on purpose: the policy refuses with its own message; this bounds hashing work.
    new_password = Text(
        required=True,
        max_length=PASSWORD_INPUT_MAX_LENGTH,
        load_only=True,
        metadata={"description": "至少 8 个字符，同时包含字母和数字，不能与用户名或当前密码相同"},
    )


class RegionRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class OrganisationSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    region = fields.Nested(RegionRefSchema)
    department_type = fields.String(allow_none=True)
    office_type = fields.String(allow_none=True)
    parent = fields.Nested(OrganisationRefSchema, allow_none=True)
    covered_townships = fields.List(fields.Nested(RegionRefSchema))
    active = fields.Boolean()


class OrganisationQuerySchema(PageQuerySchema):
    kind = Text(max_length=32, metadata={"enum": KINDS})
    region = Text(max_length=12, metadata={"description": "区划代码；市、县包括其下各级的机构"})


class OrganisationPatchSchema(Schema):
    name = Text(max_length=128)
    department_type = Text(
        allow_none=True, max_length=64, metadata={"description": "县级部门和派驻机构的类型"}
    )
    office_type = Text(allow_none=True, max_length=64, metadata={"description": "乡镇办公室的类型"})
    parent = Text(allow_none=True, max_length=32, metadata={"description": "派驻机构的上级部门编码"})
    covered_townships = fields.List(
        Text(max_length=12), metadata={"description": "派驻机构覆盖的乡镇（街道）区划代码"}
    )
    active = fields.Boolean()


class OrganisationCreateSchema(OrganisationPatchSchema):
    code = Text(required=True, max_length=32)
    name = Text(required=True, max_length=128)
    kind = Text(required=True, max_length=32, metadata={"enum": KINDS})
    region = Text(
        required=True,
        max_length=12,
        metadata={"description": "所在区划代码：乡镇（街道）机构为乡镇，县级部门和派驻机构为县"},
    )
    covered_townships = fields.List(Text(max_length=12), load_default=list)
    active = fields.Boolean(load_default=True)


def _isoformat(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class LoginBlockSchema(Schema):
    client_address = fields.String()
    failed_count = fields.Integer()
    blocked_until = fields.DateTime()


class AdminUserSchema(UserRefSchema):
    organisation = fields.Nested(OrganisationRefSchema)
    roles = fields.List(fields.String())
    active = fields.Boolean()
    disabled_at = fields.DateTime(allow_none=True)
    locked_until = fields.Function(
        lambda user: _isoformat(login_protection.locked_until(user)),
        allow_none=True,
        metadata={
            "description": "从某地址登录被锁定、自动解除的最晚时间；管理员可提前解除；其他地址仍可登录"
        },
    )
    login_blocks = fields.Function(
        lambda user: LoginBlockSchema(many=True).dump(login_protection.blocked_origins(user)),
        metadata={"description": "当前被锁定的 (账户, 地址)：连续失败次数与解除时间"},
    )
    failed_login_count = fields.Function(
        login_protection.recent_failures, metadata={"description": "各地址连续登录失败次数之和"}
    )
    must_change_password = fields.Boolean()
    password_changed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class UserQuerySchema(PageQuerySchema):
    organisation = Text(max_length=32, metadata={"description": "机构编码"})


class UserPatchSchema(Schema):
    full_name = Text(max_length=64)
    organisation = Text(max_length=32, metadata={"description": "机构编码"})
    roles = fields.List(Text(max_length=32, metadata={"enum": ROLES}))


class UserCreateSchema(UserPatchSchema):
    username = Text(required=True, max_length=64)
    full_name = Text(required=True, max_length=64)
    organisation = Text(required=True, max_length=32, metadata={"description": "机构编码"})
    roles = fields.List(Text(max_length=32, metadata={"enum": ROLES}), required=True)
    password = Text(
        required=True,
        max_length=PASSWORD_INPUT_MAX_LENGTH,
        load_only=True,
        metadata={"description": "初始密码：至少 8 个字符，同时包含字母和数字，不能与用户名相同"},
    )
    must_change_password = fields.Boolean(
        load_default=True, metadata={"description": "首次登录后须修改密码（默认是）"}
    )


class PasswordResetSchema(Schema):
    username = fields.String(attribute="user.username")
    temporary_password = fields.String(metadata={"description": "一次性临时密码，仅此一次显示"})
    must_change_password = fields.Boolean(attribute="user.must_change_password")


class DisabledUserSchema(Schema):
    user = fields.Nested(AdminUserSchema)
    tasks_released = fields.Integer(metadata={"description": "退回机构待签收的任务数"})
    delegations_ended = fields.Integer(
        metadata={"description": "因账户停用而终止的委托数（委托或受托，生效中或未开始）"}
    )

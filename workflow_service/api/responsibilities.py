"""The responsibility list (部门职责乡镇配合事项清单), readable by every staff user."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from workflow_service.api.authentication import require_bearer_token
from workflow_service.api.input_fields import Text
from workflow_service.api.task_schemas import ResponsibilitySchema
from workflow_service.models import ResponsibilityItem
from workflow_service.services.directory.responsibilities import list_responsibilities, responsibility_by_code

blp = Blueprint(
    "responsibilities",
    __name__,
    url_prefix="/api/v1/responsibilities",
    description="配合事项清单 / the township cooperation list",
)
blp.before_request(require_bearer_token)


class ResponsibilityQuerySchema(Schema):
    category = Text(
        max_length=16, load_default=None, metadata={"description": "审批服务 / 行政执法 / 社会管理"}
    )
    department_type = Text(max_length=64, load_default=None)


@blp.route("")
class ResponsibilitiesResource(MethodView):
    @blp.arguments(ResponsibilityQuerySchema, location="query")
    @blp.response(200, ResponsibilitySchema(many=True))
    def get(self, query: dict) -> list[ResponsibilityItem]:
        """职责清单 / The responsibility list

        部门职责乡镇配合事项清单，按编码；可按类别或牵头部门类型筛选。

        The list, by code; filter by category or lead department type.
        """
        return list_responsibilities(query["category"], query["department_type"])


@blp.route("/<string:code>")
class ResponsibilityResource(MethodView):
    @blp.response(200, ResponsibilitySchema)
    def get(self, code: str) -> ResponsibilityItem:
        """单项职责 / One responsibility item

        单个配合事项及乡镇的配合职责和工作情形。

        One item with the township's duty and its working situations.
        """
        return responsibility_by_code(code)

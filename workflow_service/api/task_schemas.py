"""Wire formats of tasks: the inbox and its filters, one task with its form, completing and reassigning."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.common_schemas import DUE_STATE_DESCRIPTION, OrganisationRefSchema, UserRefSchema
from workflow_service.api.input_fields import Int, Text
from workflow_service.models import CaseStatus


class TaskSummarySchema(Schema):
    """A task as the caller sees it (services.read.tasks.TaskView)."""

    id = fields.String(attribute="task.id")
    name = fields.String(attribute="task.name")
    bpmn_id = fields.String(attribute="task.bpmn_id")
    kind = fields.String(
        attribute="task.kind",
        metadata={
            "description": "workflow 流程任务 / rectification 差评整改 / supervision 督办（后两者不属于流程）"
        },
    )
    lane = fields.String(attribute="task.lane")
    state = fields.String(attribute="task.state")
    role = fields.String(attribute="task.role")
    organisation = fields.Nested(OrganisationRefSchema, attribute="task.organisation")
    assignee = fields.Nested(UserRefSchema, attribute="task.assignee", allow_none=True)
    delegated_from = fields.Nested(
        UserRefSchema,
        allow_none=True,
        metadata={"description": "委托人：调用者作为受托人代其办理此任务时给出，否则为 null"},
    )
    due_date = fields.Date(attribute="task.due_date", allow_none=True)
    due_state = fields.String(allow_none=True, metadata={"description": DUE_STATE_DESCRIPTION})
    created_at = fields.DateTime(attribute="task.created_at")


class InboxTaskSchema(TaskSummarySchema):
    case_number = fields.String(attribute="task.case.number")
    service_name = fields.String(attribute="task.case.service_item.name")
    applicant_name = fields.String(attribute="task.case.applicant_name")


class CompletedStepSchema(TaskSummarySchema):
    completed_at = fields.DateTime(attribute="task.completed_at")
    completed_by = fields.Nested(UserRefSchema, attribute="task.completed_by", allow_none=True)
    completed_on_behalf_of = fields.Nested(
        UserRefSchema,
        attribute="task.completed_on_behalf_of",
        allow_none=True,
        metadata={"description": "受托人代办时的委托人"},
    )
    data = fields.Dict(attribute="task.data")


class ResponsibilitySchema(Schema):
    code = fields.String()
    matter = fields.String()
    category = fields.String()
    lead_department_type = fields.String()
    township_duty = fields.String()
    working_situations = fields.List(fields.String())
    cooperating_office_type = fields.String(allow_none=True)


class TaskDetailSchema(TaskSummarySchema):
    case_number = fields.String(attribute="task.case.number")
    form_key = fields.String(attribute="task.form_key", allow_none=True)
    form = fields.Dict(allow_none=True, metadata={"description": "办理此任务的表单（JSON Schema）"})
    data = fields.Dict(attribute="task.data", allow_none=True)
    # For township cooperation tasks: the responsibility-list item and the duty it asks for.
    responsibility = fields.Nested(
        ResponsibilitySchema, attribute="task.responsibility_item", allow_none=True
    )
    completed_on_behalf_of = fields.Nested(
        UserRefSchema, attribute="task.completed_on_behalf_of", allow_none=True
    )


class NextTaskSchema(Schema):
    """An open task named by the answer to a step (services.read.tasks.NextTask)."""

    id = fields.String(attribute="task.id")
    name = fields.String(attribute="task.name")
    organisation = fields.Nested(OrganisationRefSchema, attribute="task.organisation")
    may_work = fields.Boolean(metadata={"description": "调用者能否办理：任务派给其机构及其岗位"})


NEXT_TASKS_DESCRIPTION = "办件此后的待办任务（无需再查待办箱）；办件已结束时为空"


class TaskCompletedSchema(TaskDetailSchema):
    next_tasks = fields.List(fields.Nested(NextTaskSchema), metadata={"description": NEXT_TASKS_DESCRIPTION})


class InboxQuerySchema(Schema):
    """The inbox page's filters; an unknown query parameter is a 422, as an unknown body field is."""

    limit = Int(load_default=50, minimum=1, maximum=200)
    cursor = Text(
        load_default=None,
        max_length=200,
        metadata={"description": "上一页响应头 X-Next-Cursor 的值：从该位置继续（键集分页）"},
    )
    claimed = Text(
        max_length=16,
        load_default="all",
        validate=validate.OneOf(["all", "mine", "unclaimed"]),
        metadata={"description": "all：本人已签收和本机构待签收；mine：本人已签收；unclaimed：待签收"},
    )
    service = Text(load_default=None, max_length=64, metadata={"description": "事项编码"})
    status = fields.List(
        fields.Enum(CaseStatus, by_value=True),
        load_default=list,
        metadata={"description": "办件状态，可重复给出多个"},
    )
    township = Text(
        load_default=None, max_length=12, metadata={"description": "事项所在乡镇（街道）的区划代码"}
    )
    due_soon = fields.Boolean(load_default=False, metadata={"description": "只看即将到期或超期（黄、红）"})


class TaskCompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), required=True, metadata={"description": "任务表单数据"})


class TaskReassignSchema(Schema):
    # Not required here: the service answers 404 outside the caller's scope (and 403, 409) before
    # it reports missing fields, so a body never tells an outsider anything about the task.
    organisation = Text(
        load_default=None, max_length=32, metadata={"description": "改派到的机构编码（必填）"}
    )
    reason = Text(load_default=None, max_length=255, metadata={"description": "改派理由（必填）"})

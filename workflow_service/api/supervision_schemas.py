"""The supervisors' case list and dashboard: their query parameters and answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.common_schemas import OrganisationRefSchema, StatusField
from workflow_service.api.input_fields import Int, Text
from workflow_service.models import CaseStatus, FunctionType
from workflow_service.services.supervision.case_filters import DueState

DUE_DESCRIPTION = (
    "on_time 按时 / due_soon 即将到期（预警工作日内）/ overdue 超期（运行中已过期，或办结晚于承诺期限）"
)


class _RangeQuerySchema(Schema):
    date_from = fields.Date(
        data_key="from", load_default=None, metadata={"description": "登记日期起（含，北京时间）"}
    )
    date_to = fields.Date(data_key="to", load_default=None, metadata={"description": "登记日期止（含）"})
    service = Text(load_default=None, max_length=64, metadata={"description": "事项编码"})
    township = Text(
        load_default=None, max_length=12, metadata={"description": "事项所在乡镇（街道）的区划代码"}
    )


class CaseListQuerySchema(_RangeQuerySchema):
    limit = Int(load_default=50, minimum=1, maximum=200)
    cursor = Text(
        load_default=None,
        max_length=20,
        metadata={"description": "上一页响应头 X-Next-Cursor 的值：从该位置继续（键集分页）"},
    )
    status = fields.List(
        fields.Enum(CaseStatus, by_value=True),
        load_default=list,
        metadata={"description": "办件状态，可重复给出多个"},
    )
    function_type = fields.Enum(
        FunctionType,
        by_value=True,
        load_default=None,
        metadata={"description": "乡镇功能类型：economic 经济型 / ecological 生态型 / composite 复合型"},
    )
    window = Text(load_default=None, max_length=32, metadata={"description": "受理窗口（机构编码）"})
    department = Text(load_default=None, max_length=32, metadata={"description": "承办单位（机构编码）"})
    due = fields.Enum(DueState, by_value=True, load_default=None, metadata={"description": DUE_DESCRIPTION})
    channel = Text(
        load_default=None,
        max_length=16,
        validate=validate.OneOf(["window", "portal"]),
        metadata={"description": "申请渠道：window 窗口 / portal 网办"},
    )
    format = Text(
        max_length=8,
        load_default="json",
        validate=validate.OneOf(["json", "xlsx"]),
        metadata={"description": "xlsx：全部符合条件的办件导出为 Excel（不分页）"},
    )


class DashboardQuerySchema(_RangeQuerySchema):
    format = Text(
        max_length=8,
        load_default="json",
        validate=validate.OneOf(["json", "xlsx"]),
        metadata={"description": "xlsx：各项统计导出为 Excel"},
    )


class TownshipRefSchema(Schema):
    code = fields.String()
    name = fields.String()
    function_type = fields.String(allow_none=True)


class ServiceRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class SupervisedCaseSchema(Schema):
    number = fields.String(attribute="case.number")
    service = fields.Nested(ServiceRefSchema, attribute="case.service_item")
    applicant_name = fields.String(attribute="case.applicant_name")
    status = StatusField(attribute="case.status")
    channel = fields.String(attribute="case.channel")
    township = fields.Nested(TownshipRefSchema, attribute="case.matter_region")
    window = fields.Nested(OrganisationRefSchema, attribute="case.accepting_organisation")
    department = fields.Nested(
        OrganisationRefSchema, attribute="case.competent_organisation", allow_none=True
    )
    submitted_at = fields.DateTime(attribute="case.submitted_at")
    accepted_on = fields.Date(attribute="case.accepted_on", allow_none=True)
    due_date = fields.Date(
        attribute="case.due_date", allow_none=True, metadata={"description": "承诺办结期限"}
    )
    legal_due_date = fields.Date(
        attribute="case.legal_due_date", allow_none=True, metadata={"description": "法定办结期限"}
    )
    decided_on = fields.Date(
        attribute="case.clock_stopped_on", allow_none=True, metadata={"description": "计时停止（办结）日期"}
    )
    due_state = fields.String(allow_none=True, metadata={"description": DUE_DESCRIPTION})


class CountSchema(Schema):
    code = fields.String()
    name = fields.String()
    count = fields.Integer()
    overdue = fields.Integer(metadata={"description": "其中当前超期（运行中）"})
    function_type = fields.String(allow_none=True)


class TimelinessSchema(Schema):
    decided = fields.Integer(metadata={"description": "办结（准予或不予）的办件"})
    on_time_promised = fields.Integer()
    on_time_legal = fields.Integer()
    promised_rate = fields.Float(allow_none=True, metadata={"description": "承诺时限内办结率"})
    legal_rate = fields.Float(allow_none=True, metadata={"description": "法定时限内办结率"})
    average_working_days = fields.Float(allow_none=True, metadata={"description": "受理至办结平均工作日"})
    p90_working_days = fields.Integer(allow_none=True, metadata={"description": "受理至办结工作日，90%分位"})


class SupplementsSchema(Schema):
    cases = fields.Integer()
    notices = fields.Integer()
    rate = fields.Float(allow_none=True)
    rounds = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "补正次数 → 办件数"}
    )
    repeated = fields.Integer(metadata={"description": "补正两次及以上的办件"})


class DueCaseSchema(Schema):
    number = fields.String()
    service = fields.Nested(ServiceRefSchema)
    township = fields.Nested(TownshipRefSchema)
    department = fields.Nested(OrganisationRefSchema, allow_none=True)
    status = StatusField()
    due_date = fields.String(metadata={"description": "承诺办结期限（YYYY-MM-DD）"})
    due_state = fields.String()


class LocalResolutionSchema(Schema):
    decided = fields.Integer()
    local = fields.Integer(metadata={"description": "未经县级部门办理即办结"})
    share = fields.Float(allow_none=True)


class AcceptanceSchema(Schema):
    total = fields.Integer()
    same_township = fields.Integer(metadata={"description": "在事项所在乡镇受理"})
    same_city = fields.Integer(metadata={"description": "同城通办：同一设区市的其他窗口受理"})
    cross_region = fields.Integer(metadata={"description": "异地可办：其他设区市的窗口受理"})


class EvaluationsSchema(Schema):
    total = fields.Integer()
    by_rating = fields.Dict(keys=fields.String(), values=fields.Integer())
    open_rectifications = fields.Integer(metadata={"description": "未完成的差评整改"})


class UrgingSchema(Schema):
    issued = fields.Integer(metadata={"description": "发出的督办"})
    answered = fields.Integer(metadata={"description": "已回复（含逾期回复）"})
    answered_late = fields.Integer(metadata={"description": "逾期回复"})
    open = fields.Integer(metadata={"description": "待回复，未逾期"})
    late = fields.Integer(metadata={"description": "逾期未回复"})


class DaySchema(Schema):
    day = fields.String(metadata={"description": "登记日期（YYYY-MM-DD）"})
    count = fields.Integer()


class DashboardSchema(Schema):
    """Dumps services.supervision.dashboard_document's dictionary (the page's script reads the same)."""

    date_from = fields.String(attribute="from", data_key="from")
    date_to = fields.String(attribute="to", data_key="to")
    total = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_service = fields.List(fields.Nested(CountSchema))
    by_township = fields.List(fields.Nested(CountSchema))
    by_function_type = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_department = fields.List(fields.Nested(CountSchema))
    timeliness = fields.Nested(TimelinessSchema)
    supplements = fields.Nested(SupplementsSchema)
    overdue = fields.List(fields.Nested(DueCaseSchema))
    due_soon = fields.List(fields.Nested(DueCaseSchema))
    local_resolution = fields.Nested(LocalResolutionSchema)
    acceptance = fields.Nested(AcceptanceSchema)
    evaluations = fields.Nested(EvaluationsSchema)
    urging = fields.Nested(UrgingSchema, metadata={"description": "督办：发出、回复、逾期"})
    daily = fields.List(fields.Nested(DaySchema))

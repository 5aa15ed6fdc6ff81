"""Wire formats of online applications (/api/v1/applications), for portals and line systems."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.case_schemas import ApplicantSchema
from workflow_service.api.input_fields import Text
from workflow_service.models import Rating

APPLICATION_EXAMPLE = {
    "service_code": "individual_business_registration",
    "matter_township": "330783001",
    "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
    "contact": "13800138000",
    "channel": "app",
    "data": {"business_name": "东阳市吴宁张三小吃店", "operator_name": "张三"},
}


class ApplicationCreateSchema(Schema):
    service_code = Text(required=True, max_length=64, metadata={"description": "事项编码 / service code"})
    matter_township = Text(
        required=True,
        max_length=12,
        metadata={
            "description": "事项所在乡镇（街道）的区划代码，须在本接入系统获准的区域内 / "
            "the matter's township (region code), within the client's regions"
        },
    )
    applicant = fields.Nested(ApplicantSchema, required=True)
    contact = Text(
        load_default=None,
        allow_none=True,
        max_length=32,
        metadata={"description": "联系电话（申请人未填电话时使用）/ contact phone"},
    )
    channel = Text(
        load_default=None,
        allow_none=True,
        max_length=32,
        metadata={"description": "门户自己的渠道（app、web、小程序…），记入留痕 / the portal's own channel"},
    )
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "事项申请表（GET /api/v1/services/<code> 的表单）/ the application form"},
    )


class ApplicationStatusSchema(Schema):
    code = fields.String(metadata={"example": "submitted"})
    label = fields.String(metadata={"example": "申请/预审"})


class ApplicationStatusEntrySchema(Schema):
    status = fields.Nested(ApplicationStatusSchema)
    at = fields.String(metadata={"format": "date-time"})


class ApplicationResultSchema(Schema):
    code = fields.String(metadata={"example": "granted"})
    label = fields.String(metadata={"example": "准予"})
    reason = fields.String(allow_none=True)
    at = fields.String(allow_none=True, metadata={"format": "date-time"})


class ApplicationCollectionSchema(Schema):
    method = fields.String(
        allow_none=True, metadata={"description": "pickup 窗口领取 / mail 邮寄送达；未出件为 null"}
    )
    label = fields.String(metadata={"description": "如何领取结果 / how to collect the result"})
    window = fields.String(metadata={"description": "受理窗口 / the accepting window"})
    tracking_number = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class ApplicationSchema(Schema):
    number = fields.String(metadata={"example": "330783-GTDJ-20260313-0001"})
    service_code = fields.String()
    service_name = fields.String()
    channel = fields.String(metadata={"example": "portal"})
    status = fields.Nested(ApplicationStatusSchema)
    status_history = fields.List(fields.Nested(ApplicationStatusEntrySchema))
    current_step = fields.String(
        metadata={
            "description": "当前环节（申请人看得懂的说法）/ the current step in the applicant's words",
            "example": "预审中：窗口正在审核您的申请材料",
        }
    )
    submitted_at = fields.String(metadata={"format": "date-time"})
    due_date = fields.String(
        allow_none=True, metadata={"format": "date", "description": "承诺办结日期 / due date"}
    )
    result = fields.Nested(ApplicationResultSchema, allow_none=True)
    collection = fields.Nested(ApplicationCollectionSchema, allow_none=True)


class ApplicationListQuerySchema(Schema):
    since = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "只列此时刻（含）以后提交的申请 / applications submitted at or after"},
    )
    cursor = Text(
        load_default=None,
        max_length=20,
        metadata={"description": "上一页响应头 X-Next-Cursor 的值：从该位置继续（键集分页）"},
    )


class ApplicationWithdrawSchema(Schema):
    reason = Text(required=True, min_length=1, max_length=500, metadata={"description": "撤回原因 / reason"})


class ApplicationRatingSchema(Schema):
    rating = Text(
        required=True,
        max_length=32,
        validate=validate.OneOf([r.value for r in Rating]),
        metadata={"description": "好差评五级 / five grades: very_satisfied … very_dissatisfied"},
    )
    comment = Text(
        load_default=None,
        allow_none=True,
        max_length=500,
        metadata={"description": "不满意（dissatisfied, very_dissatisfied）须写明原因"},
    )


class ApplicationRatingAnswerSchema(Schema):
    rating = fields.String()
    label = fields.String(metadata={"example": "非常满意"})
    comment = fields.String(allow_none=True)
    evaluated_at = fields.String(metadata={"format": "date-time"})

"""Wire formats of cases: registering one, the case answer (a dump of services.read.cases.CaseView),
suspending, withdrawing, taking 容缺 materials in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from workflow_service.api.closing_schemas import (
    CaseResultSchema,
    DeliverySchema,
    EvaluationSchema,
    FeeSchema,
    LicenceSchema,
)
from workflow_service.api.common_schemas import (
    DUE_STATE_DESCRIPTION,
    CaseStatusField,
    OrganisationRefSchema,
    StatusField,
    UserRefSchema,
)
from workflow_service.api.input_fields import Int, Text
from workflow_service.api.task_schemas import CompletedStepSchema, NextTaskSchema, TaskSummarySchema
from workflow_service.models import SuspensionKind
from workflow_service.services.calendar.case_clock import LIMIT_STATE_LABELS
from workflow_service.services.review.extensions import STATE_LABELS as EXTENSION_STATE_LABELS
from workflow_service.services.review.suspensions import KIND_LABELS as SUSPENSION_KIND_LABELS

if TYPE_CHECKING:
    from workflow_service.services.read.cases import CaseView


class ApplicantSchema(Schema):
    kind = Text(
        max_length=16,
        load_default="person",
        metadata={
            "description": (
                "person（自然人）、legal_entity（法人）或 reporter（事件反映人）；须为事项受理的类型"
            )
        },
    )
    name = Text(
        load_default=None,
        allow_none=True,
        max_length=128,
        metadata={"description": "事件反映人可不填（匿名）"},
    )
    id_number = Text(
        load_default=None,
        allow_none=True,
        max_length=32,
        metadata={"description": "居民身份证号码或统一社会信用代码；事件反映人不填"},
    )
    phone = Text(load_default=None, allow_none=True, max_length=32)
    channel = Text(
        load_default=None,
        allow_none=True,
        max_length=24,
        metadata={
            "description": "反映渠道：grid_member 网格员 / hotline_12345 / walk_in 来访 / anonymous 匿名"
        },
    )

    @validates_schema
    def _identified_unless_reporter(self, data: dict, **kwargs: object) -> None:
        """A person or legal entity names itself and its number; a reporter may stay anonymous."""
        if data.get("kind") == "reporter":
            return
        missing = {name: ["必填"] for name in ("name", "id_number") if not data.get(name)}
        if missing:
            raise ValidationError(missing)


class AgentSchema(Schema):
    """Whoever acts for the applicant (帮办代办): checked by services.intake.applicants.checked_agent."""

    name = Text(required=True, max_length=128, metadata={"description": "代理人姓名"})
    id_number = Text(required=True, max_length=32, metadata={"description": "代理人居民身份证号码"})
    phone = Text(required=True, max_length=32, metadata={"description": "代理人联系电话"})
    relationship = Text(
        required=True,
        max_length=64,
        metadata={"description": "与申请人的关系或受托身份，如 子女、受托人、村级代办员"},
    )
    authorisation_note = Text(
        load_default=None,
        allow_none=True,
        max_length=500,
        metadata={"description": "授权说明"},
    )
    authorisation_material = Text(
        max_length=255,
        load_default=None,
        allow_none=True,
        metadata={"description": "作为授权证明的申请材料名称；缺省为事项材料中唯一的委托类材料（如 委托书）"},
    )


class ConfirmDuplicateSchema(Schema):
    reason = Text(required=True, min_length=2, max_length=500, metadata={"description": "再次申请的理由"})


class CaseCreateSchema(Schema):
    service_code = Text(required=True, max_length=64, metadata={"description": "事项编码"})
    applicant = fields.Nested(ApplicantSchema, required=True)
    agent = fields.Nested(
        AgentSchema,
        load_default=None,
        allow_none=True,
        metadata={"description": "帮办代办：代申请人办理的人（可选）"},
    )
    matter_township = Text(
        max_length=12,
        load_default=None,
        allow_none=True,
        metadata={"description": "事项所在乡镇（街道）的区划代码；缺省为受理窗口所在地"},
    )
    data = fields.Dict(
        keys=fields.String(), required=True, metadata={"description": "事项申请表（见事项的表单）"}
    )
    unified_case_code = Text(
        load_default=None,
        allow_none=True,
        min_length=1,
        max_length=64,
        metadata={"description": "统一办件编码（省级平台已赋码时填写）"},
    )
    confirm_duplicate = fields.Nested(
        ConfirmDuplicateSchema,
        load_default=None,
        allow_none=True,
        metadata={
            "description": (
                "申请人已有同一事项的在办件时（否则 409，existing_cases 列出办件编号），"
                "确认仍要登记并说明理由"
            )
        },
    )


class StatusChangeSchema(Schema):
    status = StatusField()
    at = fields.String()


class AuditEventSchema(Schema):
    at = fields.DateTime()
    action = fields.String()
    actor = fields.String(attribute="actor_username", allow_none=True)
    task_id = fields.String(allow_none=True)
    summary = fields.Dict()


class CaseCreatedSchema(Schema):
    number = fields.String(attribute="case.number")
    status = CaseStatusField(attribute="case")
    incident = fields.String(attribute="case.incident", allow_none=True)
    unified_case_code = fields.String(attribute="case.unified_case_code", allow_none=True)
    query_password = fields.String(
        metadata={"description": "查询密码：仅在此返回一次（只存其哈希），请交申请人或印在受理通知书上"}
    )
    warnings = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "请窗口与证件核对之处（不影响登记），按字段：如地区码不在区划代码表中"},
    )
    next_tasks = fields.List(
        fields.Nested(NextTaskSchema), metadata={"description": "办件的首个待办任务（无需再查待办箱）"}
    )


class TimeLimitSchema(Schema):
    amount = fields.Integer()
    unit = fields.String(metadata={"description": "working_day 工作日 / natural_day 自然日 / hour 小时"})
    instant = fields.Boolean(metadata={"description": "即办件：受理当日办结"})


class ClockSchema(Schema):
    """The deadline clock: started at acceptance, paused in 补正, 中止 and at a pausesClock timer (公示)."""

    limit = fields.Nested(TimeLimitSchema)
    started_on = fields.Date(allow_none=True, metadata={"description": "受理日（不计入期限）"})
    paused_since = fields.Date(
        allow_none=True, metadata={"description": "计时暂停（补正、中止、公示）的起始日"}
    )
    paused_days = fields.Integer(metadata={"description": "已结束的暂停所占的天数（顺延期限）"})
    stopped_on = fields.Date(allow_none=True, metadata={"description": "作出决定或撤回，计时结束之日"})
    extension_days = fields.Integer(metadata={"description": "已批准延期的工作日（两个时限都顺延）"})


class LimitStateSchema(Schema):
    """One of the case's two limits (services.calendar.case_clock.LimitState)."""

    kind = fields.Function(
        lambda state: {"code": state.kind, "label": "承诺时限" if state.kind == "promised" else "法定时限"}
    )
    limit = fields.Nested(TimeLimitSchema)
    due_date = fields.Date(allow_none=True, metadata={"description": "到期日（含暂停顺延和延期）"})
    state = fields.Function(
        lambda state: (
            {"code": state.state, "label": LIMIT_STATE_LABELS[state.state]} if state.state else None
        ),
        metadata={
            "description": "normal 正常 / yellow 即将到期 / red 已超期 / paused 暂停计时 / "
            "met 按期办结 / late 超期办结；未受理为 null"
        },
    )


class ExtensionSchema(Schema):
    """One 延期 of the case (models.extensions.CaseExtension)."""

    id = fields.Integer()
    reason = fields.String()
    days = fields.Integer(metadata={"description": "延长的工作日"})
    state = fields.Function(
        lambda extension: {"code": extension.state.value, "label": EXTENSION_STATE_LABELS[extension.state]},
        metadata={"description": "requested 待负责人审批 / approved 已批准 / refused 不予批准"},
    )
    organisation = fields.Nested(OrganisationRefSchema)
    requested_at = fields.DateTime()
    requested_by = fields.Nested(UserRefSchema)
    decided_at = fields.DateTime(allow_none=True)
    decided_by = fields.Nested(UserRefSchema, allow_none=True)
    decision_note = fields.String(allow_none=True, metadata={"description": "审批意见；不予批准的理由"})


class ExtensionRequestSchema(Schema):
    reason = Text(required=True, min_length=1, max_length=500, metadata={"description": "延期理由"})
    days = Int(
        load_default=None,
        minimum=1,
        maximum=15,
        metadata={"description": "延长的工作日；缺省为法定上限的剩余天数（单一机关 10 日，联合办理 15 日）"},
    )


class ExtensionApprovalSchema(Schema):
    note = Text(load_default=None, allow_none=True, max_length=500, metadata={"description": "审批意见"})


class ExtensionRefusalSchema(Schema):
    note = Text(required=True, min_length=1, max_length=500, metadata={"description": "不予批准的理由"})


class SuspensionSchema(Schema):
    """One 中止 (services.read.cases.SuspensionView)."""

    kind = fields.Function(
        lambda view: {
            "code": view.suspension.kind.value,
            "label": SUSPENSION_KIND_LABELS[view.suspension.kind],
        }
    )
    reason = fields.String(attribute="suspension.reason")
    expected_days = fields.Integer(
        attribute="suspension.expected_days", metadata={"description": "预计所需工作日"}
    )
    expected_resume_on = fields.Date(metadata={"description": "预计恢复日（工作日计）"})
    organisation = fields.Nested(OrganisationRefSchema, attribute="suspension.organisation")
    suspended_at = fields.DateTime(attribute="suspension.suspended_at")
    suspended_by = fields.Nested(UserRefSchema, attribute="suspension.suspended_by")
    resumed_at = fields.DateTime(attribute="suspension.resumed_at", allow_none=True)
    resumed_by = fields.Nested(UserRefSchema, attribute="suspension.resumed_by", allow_none=True)
    result = fields.String(
        attribute="suspension.result", allow_none=True, metadata={"description": "特别程序结果"}
    )
    applicant_told_at = fields.DateTime(
        attribute="suspension.applicant_told_at",
        allow_none=True,
        metadata={"description": "告知申请人特别程序结果之时"},
    )
    ended_note = fields.String(
        attribute="suspension.ended_note",
        allow_none=True,
        metadata={"description": "未经恢复而结束时的原因（withdrawn）"},
    )


class CaseSuspendSchema(Schema):
    kind = Text(
        required=True,
        max_length=24,
        validate=validate.OneOf([kind.value for kind in SuspensionKind]),
        metadata={
            "description": "hearing 听证 / tender_auction 招标、拍卖 / testing 检验、检测、检疫 / "
            "appraisal 鉴定 / expert_review 专家评审 / inspection 现场核查 / publicity 公示 / other 其他"
        },
    )
    reason = Text(required=True, min_length=1, max_length=500)
    expected_days = Int(required=True, minimum=1, maximum=365, metadata={"description": "预计所需工作日"})


class CaseResumeSchema(Schema):
    result = Text(
        load_default=None, allow_none=True, max_length=1000, metadata={"description": "特别程序结果"}
    )
    applicant_told_at = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "告知申请人结果之时；给出结果而缺省时为当前时间"},
    )


class CaseWithdrawSchema(Schema):
    reason = Text(required=True, min_length=1, max_length=500, metadata={"description": "申请人撤回的理由"})


class MaterialRequestSchema(Schema):
    name = fields.String()
    form = fields.String(metadata={"description": "original 原件 / copy 复印件 / electronic 电子件"})
    copies = fields.Integer()
    note = fields.String(allow_none=True)


class SupplementNoticeSchema(Schema):
    sequence = fields.Integer(metadata={"description": "第几次补正"})
    materials = fields.List(
        fields.Nested(MaterialRequestSchema), metadata={"description": "一次性告知的全部补正材料"}
    )
    note = fields.String(allow_none=True)
    issued_at = fields.DateTime()
    issued_by = fields.Nested(UserRefSchema)
    received_at = fields.DateTime(
        allow_none=True, metadata={"description": "窗口收取补正材料之时（回到受理；审核退回的回到审核）"}
    )
    received_by = fields.Nested(UserRefSchema, allow_none=True)


class DeferredMaterialSchema(Schema):
    """One 容缺 material (services.read.cases.DeferredMaterialView)."""

    id = fields.Integer(attribute="material.id")
    name = fields.String(attribute="material.name")
    promised_on = fields.Date(
        attribute="material.promised_on", metadata={"description": "申请人承诺补交的期限"}
    )
    overdue = fields.Boolean(metadata={"description": "逾期未补交"})
    deferred_at = fields.DateTime(attribute="material.deferred_at")
    deferred_by = fields.Nested(UserRefSchema, attribute="material.deferred_by")
    received_at = fields.DateTime(attribute="material.received_at", allow_none=True)
    received_by = fields.Nested(UserRefSchema, attribute="material.received_by", allow_none=True)
    received_note = fields.String(attribute="material.received_note", allow_none=True)


class DeferredMaterialReceiptSchema(Schema):
    note = Text(
        load_default=None,
        allow_none=True,
        max_length=500,
        metadata={"description": "收取说明"},
    )


class WaitingTimerSchema(Schema):
    name = fields.Function(lambda job: job.payload.get("name"), metadata={"description": "定时事件名称"})
    fires_at = fields.DateTime(attribute="run_at", metadata={"description": "到期时间（UTC）"})


class CaseSchema(Schema):
    """A case as the caller sees it (services.read.cases.CaseView)."""

    number = fields.String(attribute="case.number")
    unified_case_code = fields.String(attribute="case.unified_case_code", allow_none=True)
    service_code = fields.String(attribute="case.service_item.code")
    service_name = fields.String(attribute="case.service_item.name")
    # The catalogue entry as registered (materials, limits), whatever was changed since.
    service_item = fields.Dict(attribute="case.service_item_version.snapshot", allow_none=True)
    status = CaseStatusField(attribute="case")
    status_history = fields.Method("_status_history")
    incident = fields.String(attribute="case.incident", allow_none=True)
    channel = fields.String(attribute="case.channel")
    applicant = fields.Method("_applicant")
    agent = fields.Method(
        "_agent", allow_none=True, metadata={"description": "帮办代办的代理人；无则为 null"}
    )
    application = fields.Dict(attribute="case.application")
    accepting_organisation = fields.Nested(OrganisationRefSchema, attribute="case.accepting_organisation")
    matter_township = fields.Nested(OrganisationRefSchema, attribute="case.matter_region")
    process = fields.Method("_process")
    submitted_at = fields.DateTime(attribute="case.submitted_at")
    due_date = fields.Date(attribute="case.due_date", allow_none=True)
    due_state = fields.String(allow_none=True, metadata={"description": DUE_STATE_DESCRIPTION})
    clock = fields.Nested(ClockSchema)
    limits = fields.List(
        fields.Nested(LimitStateSchema), metadata={"description": "承诺时限和法定时限：到期日与状态"}
    )
    extensions = fields.List(fields.Nested(ExtensionSchema), metadata={"description": "延期记录，最早的在前"})
    extension_allowance = fields.Integer(
        metadata={"description": "法定可延期的工作日上限（单一机关 10，联合办理 15）"}
    )
    suspensions = fields.List(
        fields.Nested(SuspensionSchema), metadata={"description": "中止（特别程序）记录，最早的在前"}
    )
    supplement_count = fields.Integer(attribute="case.supplement_count", metadata={"description": "补正次数"})
    supplement_notices = fields.List(
        fields.Nested(SupplementNoticeSchema),
        metadata={"description": "补正材料通知（一次性告知），最早的在前"},
    )
    deferred_materials = fields.List(
        fields.Nested(DeferredMaterialSchema),
        metadata={"description": "容缺受理的材料；未补交前不能作出决定"},
    )
    ended_at = fields.DateTime(attribute="case.ended_at", allow_none=True)
    result = fields.Nested(
        CaseResultSchema, allow_none=True, metadata={"description": "办结结果；未办结为 null"}
    )
    fee = fields.Nested(
        FeeSchema, allow_none=True, metadata={"description": "收费事项的费用及缴费状态；不收费为 null"}
    )
    licence = fields.Nested(
        LicenceSchema,
        allow_none=True,
        metadata={"description": "电子证照（GET …/licence.pdf）；未出证为 null"},
    )
    delivery = fields.Method(
        "_delivery",
        allow_none=True,
        metadata={"description": "出件：窗口领取（领取人）或邮寄（运单号）；未出件为 null"},
    )
    evaluation = fields.Nested(
        EvaluationSchema, allow_none=True, metadata={"description": "好差评；未评价为 null"}
    )
    duplicate = fields.Method(
        "_duplicate",
        allow_none=True,
        metadata={"description": "登记时申请人已有的同一事项在办件及确认理由；无则为 null"},
    )
    current_tasks = fields.List(fields.Nested(TaskSummarySchema), attribute="open_tasks")
    waiting_timers = fields.List(
        fields.Nested(WaitingTimerSchema),
        metadata={"description": "流程正在等待的定时事件（如公示期），后台工作进程到期触发"},
    )
    history = fields.List(fields.Nested(CompletedStepSchema), attribute="completed_tasks")
    audit = fields.List(fields.Nested(AuditEventSchema), attribute="events")

    def _status_history(self, view: CaseView) -> list:
        return StatusChangeSchema(many=True).dump(
            [{"status": entry["status"], "at": entry["at"]} for entry in view.case.status_history]
        )

    def _applicant(self, view: CaseView) -> dict:
        case = view.case
        return {
            "kind": case.applicant_kind.value,
            "name": case.applicant_name,
            "id_number": case.applicant_id_number,
            "phone": case.applicant_phone,
            "channel": case.applicant_channel,
        }

    def _agent(self, view: CaseView) -> dict | None:
        case = view.case
        if case.agent_name is None:
            return None
        return {
            "name": case.agent_name,
            "id_number": case.agent_id_number,
            "phone": case.agent_phone,
            "relationship": case.agent_relationship,
            "authorisation_note": case.agent_authorisation_note,
            "authorisation_material": case.agent_authorisation_material,
        }

    def _process(self, view: CaseView) -> dict:
        definition = view.case.process_definition
        return {"key": definition.key, "version": definition.version}

    def _delivery(self, view: CaseView) -> dict | None:
        return DeliverySchema().dump(view.case) if view.case.delivery_method else None

    def _duplicate(self, view: CaseView) -> dict | None:
        if not view.case.duplicate_of:
            return None
        return {"existing_cases": list(view.case.duplicate_of), "reason": view.case.duplicate_reason}

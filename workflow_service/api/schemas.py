"""Marshmallow schemas: the API's wire formats, in and out."""

from __future__ import annotations

from decimal import Decimal

from flask import g
from marshmallow import Schema, ValidationError, fields, validate

from workflow_service.api.input_fields import Int, Text
from workflow_service.models import Case, CaseStatus, SuspensionKind, Task
from workflow_service.services.calendar.case_clock import case_clock, case_due_state, task_due_state
from workflow_service.services.closing.case_results import result_label
from workflow_service.services.closing.evaluations import RATING_LABELS, case_evaluation
from workflow_service.services.closing.issuance import DELIVERY_LABELS
from workflow_service.services.closing.licences import case_licence
from workflow_service.services.directory import delegations
from workflow_service.services.intake.acceptance import deferred_materials, is_overdue, supplement_notices
from workflow_service.services.intake.fees import FEE_STATUS_LABELS, case_fee
from workflow_service.services.process import jobs
from workflow_service.services.process.case_status import STATUS_LABELS
from workflow_service.services.review.suspensions import KIND_LABELS as SUSPENSION_KIND_LABELS
from workflow_service.services.review.suspensions import case_suspensions, expected_resume_on
from workflow_service.services.work.tasks import delegated_from, task_form


class TokenRequestSchema(Schema):
    username = Text(required=True, min_length=1, max_length=64)
    password = Text(required=True, load_only=True, min_length=1, max_length=256)


class OrganisationRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class UserRefSchema(Schema):
    username = fields.String()
    full_name = fields.String()


class CurrentUserSchema(UserRefSchema):
    roles = fields.List(fields.String())
    organisation = fields.Nested(OrganisationRefSchema)
    # True after an admin reset: every endpoint but /api/v1/me/password answers 403 until changed.
    must_change_password = fields.Boolean()


class TokenSchema(Schema):
    access_token = fields.String(attribute="token")
    token_type = fields.Constant("Bearer")
    expires_at = fields.DateTime()
    user = fields.Nested(CurrentUserSchema)


class ApplicantSchema(Schema):
    kind = Text(
        max_length=16,
        load_default="person",
        metadata={"description": "person（自然人）或 legal_entity（法人）"},
    )
    name = Text(required=True, max_length=128)
    id_number = Text(
        required=True, max_length=32, metadata={"description": "居民身份证号码或统一社会信用代码"}
    )
    phone = Text(load_default=None, allow_none=True, max_length=32)


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


DUE_STATE_DESCRIPTION = (
    "normal 正常 / yellow 黄灯（剩余不超过预警工作日）/ red 红灯（已超期）/ paused 暂停计时（补正、中止）；"
    "无计时为 null"
)


class StatusField(fields.Field):
    """A status as ``{"code": "approved", "label": "办结-准予"}``."""

    def _serialize(self, value: object, attr: str | None, obj: object, **kwargs: object) -> dict | None:
        if value is None:
            return None
        return {"code": str(value), "label": STATUS_LABELS.get(value, str(value))}  # type: ignore[call-overload]


class TaskSummarySchema(Schema):
    id = fields.String()
    name = fields.String()
    bpmn_id = fields.String()
    kind = fields.String(metadata={"description": "workflow 流程任务 / rectification 差评整改（不属于流程）"})
    lane = fields.String()
    state = fields.String()
    role = fields.String()
    organisation = fields.Nested(OrganisationRefSchema)
    assignee = fields.Nested(UserRefSchema, allow_none=True)
    delegated_from = fields.Method(
        "_delegated_from",
        allow_none=True,
        metadata={"description": "委托人：调用者作为受托人代其办理此任务时给出，否则为 null"},
    )
    due_date = fields.Date(allow_none=True)
    due_state = fields.Function(
        task_due_state,
        allow_none=True,
        metadata={"description": DUE_STATE_DESCRIPTION},
    )
    created_at = fields.DateTime()

    def _delegated_from(self, task: Task) -> dict | None:
        # Looked up per task claimed by someone else (few in any view), not cached: ``g`` lives as
        # long as the app context, which is not always a single request.
        caller = g.get("current_user")
        if caller is None or task.assignee_id is None or task.assignee_id == caller.id:
            return None
        claimant = delegated_from(caller, task, delegations.delegators_in_force(caller))
        return UserRefSchema().dump(claimant) if claimant is not None else None


class InboxTaskSchema(TaskSummarySchema):
    case_number = fields.String(attribute="case.number")
    service_name = fields.String(attribute="case.service_item.name")
    applicant_name = fields.String(attribute="case.applicant_name")


class CompletedStepSchema(TaskSummarySchema):
    completed_at = fields.DateTime()
    completed_by = fields.Nested(UserRefSchema, allow_none=True)
    completed_on_behalf_of = fields.Nested(
        UserRefSchema, allow_none=True, metadata={"description": "受托人代办时的委托人"}
    )
    data = fields.Dict()


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
    status = StatusField(attribute="case.status")
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


class TimeLimitSchema(Schema):
    amount = fields.Integer()
    unit = fields.String(metadata={"description": "working_day 工作日 / natural_day 自然日 / hour 小时"})
    instant = fields.Boolean(metadata={"description": "即办件：受理当日办结"})


class ClockSchema(Schema):
    """The deadline clock: started at acceptance, paused in 补正 and 中止."""

    limit = fields.Nested(TimeLimitSchema)
    started_on = fields.Date(allow_none=True, metadata={"description": "受理日（不计入期限）"})
    paused_since = fields.Date(allow_none=True, metadata={"description": "计时暂停（补正、中止）的起始日"})
    paused_days = fields.Integer(metadata={"description": "已结束的暂停所占的天数（顺延期限）"})
    stopped_on = fields.Date(allow_none=True, metadata={"description": "作出决定或撤回，计时结束之日"})


class SuspensionSchema(Schema):
    kind = fields.Function(lambda s: {"code": s.kind.value, "label": SUSPENSION_KIND_LABELS[s.kind]})
    reason = fields.String()
    expected_days = fields.Integer(metadata={"description": "预计所需工作日"})
    expected_resume_on = fields.Function(
        lambda s: expected_resume_on(s).isoformat(), metadata={"description": "预计恢复日（工作日计）"}
    )
    organisation = fields.Nested(OrganisationRefSchema)
    suspended_at = fields.DateTime()
    suspended_by = fields.Nested(UserRefSchema)
    resumed_at = fields.DateTime(allow_none=True)
    resumed_by = fields.Nested(UserRefSchema, allow_none=True)
    ended_note = fields.String(
        allow_none=True, metadata={"description": "未经恢复而结束时的原因（withdrawn）"}
    )


class CaseSuspendSchema(Schema):
    kind = Text(
        required=True,
        max_length=24,
        validate=validate.OneOf([kind.value for kind in SuspensionKind]),
        metadata={"description": "inspection 现场核查 / publicity 公示 / expert_review 专家评审"},
    )
    reason = Text(required=True, min_length=1, max_length=500)
    expected_days = Int(required=True, minimum=1, maximum=365, metadata={"description": "预计所需工作日"})


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
    id = fields.Integer()
    name = fields.String()
    promised_on = fields.Date(metadata={"description": "申请人承诺补交的期限"})
    overdue = fields.Function(is_overdue, metadata={"description": "逾期未补交"})
    deferred_at = fields.DateTime()
    deferred_by = fields.Nested(UserRefSchema)
    received_at = fields.DateTime(allow_none=True)
    received_by = fields.Nested(UserRefSchema, allow_none=True)
    received_note = fields.String(allow_none=True)


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


class CaseResultSchema(Schema):
    """办结: the result code as the supervision exchange tables name it."""

    code = fields.Function(lambda case: case.result_code.value)
    label = fields.Function(
        lambda case: result_label(case.result_code, licensed=case_licence(case) is not None),
        metadata={"description": "出证办结 / 准予 / 不予许可 / 不予受理 / 退件 / 作废 / 撤回"},
    )
    reason = fields.String(attribute="result_reason", allow_none=True)
    at = fields.DateTime(attribute="result_at")
    organisation = fields.Nested(
        OrganisationRefSchema,
        attribute="result_organisation",
        allow_none=True,
        metadata={"description": "作出决定的机构"},
    )


class DeliverySchema(Schema):
    method = fields.Function(
        lambda case: case.delivery_method.value, metadata={"description": "pickup / mail"}
    )
    label = fields.Function(lambda case: DELIVERY_LABELS[case.delivery_method])
    recipient_name = fields.String(attribute="delivery_recipient_name", allow_none=True)
    recipient_id_number = fields.String(attribute="delivery_recipient_id_number", allow_none=True)
    tracking_number = fields.String(attribute="delivery_tracking_number", allow_none=True)
    at = fields.DateTime(attribute="delivered_at")


class FeeSchema(Schema):
    amount = fields.Decimal(as_string=True, metadata={"description": "收费金额（元）"})
    basis = fields.String(allow_none=True, metadata={"description": "收费依据"})
    status = fields.Function(
        lambda fee: {"code": fee.status.value, "label": FEE_STATUS_LABELS[fee.status]},
        metadata={"description": "unpaid 未缴费 / paid 已缴费 / waived 已减免"},
    )
    receipt_number = fields.String(allow_none=True)
    waiver_reason = fields.String(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)
    settled_by = fields.Nested(UserRefSchema, allow_none=True)


class LicenceSchema(Schema):
    name = fields.String(metadata={"description": "证照名称"})
    number = fields.String(metadata={"description": "证照编号"})
    holder_name = fields.String()
    holder_id_number = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True, metadata={"description": "有效期至；长期有效为 null"})
    issuing_organisation = fields.Nested(OrganisationRefSchema, metadata={"description": "发证单位"})
    issued_at = fields.DateTime()


class EvaluationSchema(Schema):
    rating = fields.Function(lambda e: {"code": e.rating.value, "label": RATING_LABELS[e.rating]})
    comment = fields.String(allow_none=True)
    channel = fields.Function(
        lambda e: e.channel.value, metadata={"description": "public 申请人凭查询密码 / window 窗口代评"}
    )
    entered_by = fields.Nested(UserRefSchema, allow_none=True)
    evaluated_at = fields.DateTime()
    rectification = fields.Nested(
        "TaskSummarySchema",
        attribute="rectification_task",
        allow_none=True,
        metadata={"description": "不满意评价开启的整改任务"},
    )


def _closing_part(schema: Schema, value: object) -> dict | None:
    return schema.dump(value) if value is not None else None


def _duplicate(case: Case) -> dict | None:
    if not case.duplicate_of:
        return None
    return {"existing_cases": list(case.duplicate_of), "reason": case.duplicate_reason}


class CaseSchema(Schema):
    number = fields.String(attribute="case.number")
    unified_case_code = fields.String(attribute="case.unified_case_code", allow_none=True)
    service_code = fields.String(attribute="case.service_item.code")
    service_name = fields.String(attribute="case.service_item.name")
    # The catalogue entry as registered (materials, limits), whatever was changed since.
    service_item = fields.Dict(attribute="case.service_item_version.snapshot", allow_none=True)
    status = StatusField(attribute="case.status")
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
    due_state = fields.Function(
        lambda view: case_due_state(view.case),
        allow_none=True,
        metadata={"description": DUE_STATE_DESCRIPTION},
    )
    clock = fields.Function(lambda view: ClockSchema().dump(case_clock(view.case)))
    suspensions = fields.Function(
        lambda view: SuspensionSchema(many=True).dump(case_suspensions(view.case)),
        metadata={"description": "中止（特别程序）记录，最早的在前"},
    )
    supplement_count = fields.Integer(attribute="case.supplement_count", metadata={"description": "补正次数"})
    supplement_notices = fields.Function(
        lambda view: SupplementNoticeSchema(many=True).dump(supplement_notices(view.case)),
        metadata={"description": "补正材料通知（一次性告知），最早的在前"},
    )
    deferred_materials = fields.Function(
        lambda view: DeferredMaterialSchema(many=True).dump(deferred_materials(view.case)),
        metadata={"description": "容缺受理的材料；未补交前不能作出决定"},
    )
    ended_at = fields.DateTime(attribute="case.ended_at", allow_none=True)
    result = fields.Function(
        lambda view: _closing_part(CaseResultSchema(), view.case if view.case.result_code else None),
        metadata={"description": "办结结果；未办结为 null"},
    )
    fee = fields.Function(
        lambda view: _closing_part(FeeSchema(), case_fee(view.case)),
        metadata={"description": "收费事项的费用及缴费状态；不收费为 null"},
    )
    licence = fields.Function(
        lambda view: _closing_part(LicenceSchema(), case_licence(view.case)),
        metadata={"description": "电子证照（GET …/licence.pdf）；未出证为 null"},
    )
    delivery = fields.Function(
        lambda view: _closing_part(DeliverySchema(), view.case if view.case.delivery_method else None),
        metadata={"description": "出件：窗口领取（领取人）或邮寄（运单号）；未出件为 null"},
    )
    evaluation = fields.Function(
        lambda view: _closing_part(EvaluationSchema(), case_evaluation(view.case)),
        metadata={"description": "好差评；未评价为 null"},
    )
    duplicate = fields.Function(
        lambda view: _duplicate(view.case),
        metadata={"description": "登记时申请人已有的同一事项在办件及确认理由；无则为 null"},
    )
    current_tasks = fields.List(fields.Nested(TaskSummarySchema), attribute="open_tasks")
    waiting_timers = fields.Function(
        lambda view: WaitingTimerSchema(many=True).dump(jobs.waiting_timers(view.case)),
        metadata={"description": "流程正在等待的定时事件（如公示期），后台工作进程到期触发"},
    )
    history = fields.List(fields.Nested(CompletedStepSchema), attribute="completed_tasks")
    audit = fields.List(fields.Nested(AuditEventSchema), attribute="events")

    def _status_history(self, view: object) -> list:
        return StatusChangeSchema(many=True).dump(
            [{"status": entry["status"], "at": entry["at"]} for entry in view.case.status_history]  # type: ignore[attr-defined]
        )

    def _applicant(self, view: object) -> dict:
        case = view.case  # type: ignore[attr-defined]
        return {
            "kind": case.applicant_kind.value,
            "name": case.applicant_name,
            "id_number": case.applicant_id_number,
            "phone": case.applicant_phone,
        }

    def _agent(self, view: object) -> dict | None:
        case = view.case  # type: ignore[attr-defined]
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

    def _process(self, view: object) -> dict:
        definition = view.case.process_definition  # type: ignore[attr-defined]
        return {"key": definition.key, "version": definition.version}


class ResponsibilitySchema(Schema):
    code = fields.String()
    matter = fields.String()
    category = fields.String()
    lead_department_type = fields.String()
    township_duty = fields.String()
    working_situations = fields.List(fields.String())
    cooperating_office_type = fields.String(allow_none=True)


class TaskDetailSchema(TaskSummarySchema):
    case_number = fields.String(attribute="case.number")
    form_key = fields.String(allow_none=True)
    form = fields.Method("_form")
    data = fields.Dict(allow_none=True)
    # For township cooperation tasks: the responsibility-list item and the duty it asks for.
    responsibility = fields.Nested(ResponsibilitySchema, attribute="responsibility_item", allow_none=True)
    completed_on_behalf_of = fields.Nested(UserRefSchema, allow_none=True)

    def _form(self, task: Task) -> dict | None:
        return task_form(task)


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


class ServiceMaterialSchema(Schema):
    name = Text(required=True, max_length=255)
    form = Text(
        max_length=16,
        load_default="original",
        metadata={"description": "original 原件 / copy 复印件 / electronic 电子件"},
    )
    copies = Int(load_default=1, minimum=1, maximum=100)
    required = fields.Boolean(load_default=True)
    deferrable = fields.Boolean(load_default=False, metadata={"description": "可容缺"})
    note = Text(load_default=None, allow_none=True, max_length=1000)


def _fits_fee_column(amount: Decimal) -> None:
    # Numeric(12, 2). A plain function, not validate.Range: the API document would state a
    # Decimal's bounds as strings, which is no JSON Schema.
    if not 0 <= amount < 10**10:
        raise ValidationError("须在 0 至 9999999999.99 之间")


class ServiceItemSchema(Schema):
    code = fields.String()
    short_code = Text(max_length=8)
    name = Text(max_length=128)
    basic_code = Text(allow_none=True, max_length=64)
    implementation_code = Text(allow_none=True, max_length=64)
    item_type = Text(max_length=24)
    department_type = Text(max_length=64)
    process_key = Text(max_length=128)
    acceptance_mode = Text(max_length=24)
    instant = fields.Boolean()
    legal_limit_days = Int(maximum=3650)
    legal_limit_unit = Text(max_length=16)
    promised_limit_days = Int(maximum=3650)
    promised_limit_unit = Text(max_length=16)
    warning_days = Int(maximum=3650)
    visits_required = Int(maximum=100)
    fee_required = fields.Boolean()
    fee_basis = Text(allow_none=True, max_length=1000)
    fee_amount = fields.Decimal(as_string=True, allow_none=True, places=2, validate=_fits_fee_column)
    licence_name = Text(
        max_length=128, allow_none=True, metadata={"description": "准予后出具的证照名称；不出证照的为 null"}
    )
    licence_valid_years = Int(
        minimum=1, maximum=100, allow_none=True, metadata={"description": "证照有效期（年）；长期有效为 null"}
    )
    version = fields.Integer()
    materials = fields.List(fields.Nested(ServiceMaterialSchema))
    eligibility = fields.List(
        fields.Dict(keys=fields.String()),
        metadata={
            "description": (
                "受理条件：kind 为 minimum_age / maximum_age（years 周岁）或 residence_in_county"
                "（declared_field、declared_values 可申报其他居住依据），id_field 为所核对的身份证号码字段"
            )
        },
    )


class ServiceItemChangeSchema(ServiceItemSchema):
    """Any subset of the item's fields; materials, when given, replace the whole list."""

    class Meta:
        exclude = ("code", "version")


class ServiceItemVersionSchema(Schema):
    version = fields.Integer()
    created_at = fields.DateTime()
    snapshot = fields.Dict()


class ServiceItemDetailSchema(Schema):
    item = fields.Nested(ServiceItemSchema)
    process_key = fields.String()
    process_version = fields.Integer()
    application_form = fields.Dict(allow_none=True)

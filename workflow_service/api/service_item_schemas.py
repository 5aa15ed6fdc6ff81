"""Wire formats of the catalogue: service items (事项), their materials and versions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields

from workflow_service.api.input_fields import Int, Text


def _optional_text(max_length: int, description: str, **options: Any) -> Text:
    """A 实施清单 text field an item may leave out (null)."""
    return Text(allow_none=True, max_length=max_length, metadata={"description": description}, **options)


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
    source_channel = _optional_text(64, "来源渠道：申请人自备、政府部门核发等", load_default=None)
    blank_form = _optional_text(255, "空白表格（文件）", load_default=None)
    sample_form = _optional_text(255, "示例样表（文件）", load_default=None)


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
    joint_handling = fields.Boolean(
        metadata={
            "description": "联合办理（行政许可法第四十五条）：法定时限 45 日，可延期 15 日；否则可延期 10 日"
        }
    )
    legal_limit_days = Int(maximum=3650)
    legal_limit_unit = Text(max_length=16)
    promised_limit_days = Int(maximum=3650)
    promised_limit_unit = Text(max_length=16)
    warning_days = Int(maximum=3650)
    acceptance_limit_days = Int(
        maximum=3650,
        metadata={
            "description": "受理时限（工作日）：登记后窗口作出受理、补正告知或不予受理的期限；即办件当日"
        },
    )
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
    body_name = _optional_text(128, "实施主体名称")
    body_code = _optional_text(32, "实施主体编码（统一社会信用代码）")
    body_nature = _optional_text(
        16, "实施主体性质：statutory 法定机关 / authorised 法律法规授权组织 / entrusted 受委托组织"
    )
    exercise_level = _optional_text(64, "行使层级，如 县级")
    legal_basis = _optional_text(10000, "设定依据")
    acceptance_conditions = _optional_text(10000, "受理条件")
    service_objects = _optional_text(64, "服务对象，如 自然人、法人")
    service_location = _optional_text(2000, "办理地点")
    service_hours = _optional_text(2000, "办理时间")
    consultation = _optional_text(2000, "咨询方式")
    complaint = _optional_text(2000, "监督投诉方式")
    in_service_hall = fields.Boolean(metadata={"description": "是否进驻政务服务大厅（便民服务中心）"})
    joint_organisations = _optional_text(2000, "联办机构")
    applicant_kinds = fields.List(
        Text(max_length=16),
        allow_none=True,
        metadata={
            "description": "受理的申请人类型：person / legal_entity / reporter（事件反映人）；null：前两者"
        },
    )
    pre_review = fields.List(
        Text(max_length=16),
        allow_none=True,
        metadata={
            "description": "预审：其申请先经窗口预审再受理的渠道，portal（网上申请）/ window（窗口申请）；"
            "null：无预审，由受理核对 / the channels whose applications wait in the window's 预审 "
            "before 受理; null: none"
        },
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
        exclude = ("code",)

    version = Int(
        minimum=1,
        metadata={
            "description": "The version this change was made from: 409 if the item has changed since "
            "(nothing is written); leave out to change whatever version stands"
        },
    )


class ServiceItemVersionSchema(Schema):
    version = fields.Integer()
    created_at = fields.DateTime()
    snapshot = fields.Dict()


class ServiceItemDetailSchema(Schema):
    item = fields.Nested(ServiceItemSchema)
    process_key = fields.String()
    process_version = fields.Integer()
    application_form = fields.Dict(allow_none=True)

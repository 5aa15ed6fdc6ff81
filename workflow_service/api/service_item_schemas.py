"""Wire formats of the catalogue: service items (事项), their materials and versions."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields

from workflow_service.api.input_fields import Int, Text


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

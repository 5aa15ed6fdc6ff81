"""Wire formats of the API clients (portals, line systems) as administrators manage them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.input_fields import Text
from workflow_service.services.portal.clients import MAX_NAME_LENGTH, SCOPES


class ApiClientSchema(Schema):
    client_id = fields.String(metadata={"description": "公开的客户端标识 / the public client id"})
    name = fields.String()
    scopes = fields.List(
        fields.String(), metadata={"description": "可申请的授权范围 / scopes it may ask for"}
    )
    regions = fields.List(
        fields.String(),
        metadata={"description": "可代为申报的区划代码（县含其乡镇）/ regions it may submit for"},
    )
    active = fields.Boolean()
    created_at = fields.DateTime()
    secret_rotated_at = fields.DateTime(allow_none=True)
    disabled_at = fields.DateTime(allow_none=True)


class ApiClientCreateSchema(Schema):
    name = Text(required=True, max_length=MAX_NAME_LENGTH)
    scopes = fields.List(
        Text(max_length=32, validate=validate.OneOf(SCOPES)),
        required=True,
        validate=validate.Length(min=1, max=8),
    )
    regions = fields.List(Text(max_length=12), load_default=list, validate=validate.Length(max=2000))


class ApiClientUpdateSchema(Schema):
    scopes = fields.List(
        Text(max_length=32, validate=validate.OneOf(SCOPES)),
        required=True,
        validate=validate.Length(min=1, max=8),
        metadata={
            "description": "授予的全部授权范围（替换原有）/ every scope granted, replacing the old ones"
        },
    )


class ApiClientSecretSchema(Schema):
    client = fields.Nested(ApiClientSchema)
    client_secret = fields.String(
        attribute="secret",
        metadata={"description": "只在此次答复中出现，不予保存 / shown in this answer only, never stored"},
    )

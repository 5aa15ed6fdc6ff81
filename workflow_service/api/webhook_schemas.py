"""Wire formats of webhooks: a client's subscriptions (/api/v1/webhooks) and the admins' view of
deliveries (/api/v1/admin/webhook-deliveries)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from workflow_service.api.input_fields import Text
from workflow_service.models import DeliveryState, EventKind

EVENT_KINDS = [kind.value for kind in EventKind]
DELIVERY_STATES = [state.value for state in DeliveryState]


class SubscriptionCreateSchema(Schema):
    url = Text(required=True, max_length=2000, metadata={"description": "接收事件的 http(s) 地址"})
    event_kinds = fields.List(
        Text(max_length=32, validate=validate.OneOf(EVENT_KINDS)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_KINDS)),
        metadata={"description": "status-changed 收到每次状态变更；其余两种只收到出通知书、结果待领取的变更"},
    )
    secret = Text(
        max_length=128,
        load_only=True,
        metadata={"description": "签名密钥（16–128 个字符）；不填则由系统生成，只在本次应答中出现"},
    )


class SubscriptionSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    event_kinds = fields.List(fields.String(metadata={"enum": EVENT_KINDS}))
    created_at = fields.DateTime()


class NewSubscriptionSchema(Schema):
    """A subscription just made (services.portal.webhooks.NewSubscription), with its secret."""

    id = fields.Integer(attribute="subscription.id")
    url = fields.String(attribute="subscription.url")
    event_kinds = fields.List(
        fields.String(metadata={"enum": EVENT_KINDS}), attribute="subscription.event_kinds"
    )
    created_at = fields.DateTime(attribute="subscription.created_at")
    secret = fields.String(
        metadata={"description": "HMAC-SHA256 签名密钥，只显示这一次 / the signing secret, shown this once"}
    )


class DeliveryQuerySchema(Schema):
    state = Text(max_length=16, validate=validate.OneOf(DELIVERY_STATES), metadata={"enum": DELIVERY_STATES})


class DeliveryEventSchema(Schema):
    event_id = fields.String(metadata={"description": "事件 id（X-Event-Id），接收方据此去重"})
    kind = fields.String(metadata={"enum": EVENT_KINDS})
    case_number = fields.String()
    sequence = fields.Integer(metadata={"description": "该办件的第几次状态变更"})
    payload = fields.Dict(metadata={"description": "投递的 JSON 正文"})
    created_at = fields.DateTime()


class DeliverySubscriptionSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    client = fields.String(attribute="client.name", metadata={"description": "API 客户端名称"})


class DeliverySchema(Schema):
    id = fields.Integer()
    state = fields.String(metadata={"enum": DELIVERY_STATES})
    attempts = fields.Integer(metadata={"description": "已尝试次数"})
    next_attempt_at = fields.DateTime()
    last_status_code = fields.Integer(allow_none=True, metadata={"description": "最后一次应答的 HTTP 状态"})
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    event = fields.Nested(DeliveryEventSchema)
    subscription = fields.Nested(DeliverySubscriptionSchema)

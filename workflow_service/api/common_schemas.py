"""What every resource's answer refers to: organisations, users, statuses, due colours."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.services.process.case_status import DECIDED_PREFIX, DECIDED_STATUSES, STATUS_LABELS


class OrganisationRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class UserRefSchema(Schema):
    username = fields.String()
    full_name = fields.String()


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


class CaseStatusField(fields.Field):
    """A case's status (``attribute`` names the case) with the outcome its process declared:
    ``{"code": "approved", "label": "办结-已处置"}``."""

    def _serialize(self, value: object, attr: str | None, obj: object, **kwargs: object) -> dict | None:
        if value is None:
            return None
        status, declared = value.status, value.result_label  # type: ignore[attr-defined]
        decided = declared and status in DECIDED_STATUSES
        label = DECIDED_PREFIX + declared if decided else STATUS_LABELS[status]
        return {"code": status.value, "label": label}

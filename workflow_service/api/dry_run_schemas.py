"""Wire formats of a dry run: what the analyst sends (township, sample data, choices) and the walk."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

from workflow_service.api.common_schemas import OrganisationRefSchema
from workflow_service.api.input_fields import Text
from workflow_service.services.process.dry_run import DryRunRequest

# Bounds of what one dry run may be asked: elements of a process, and choices per element.
MAX_ELEMENTS = 200
MAX_CHOICES = 20
CHOICE_LENGTH = 200


class DryRunDataSchema(Schema):
    start = fields.Dict(
        keys=fields.String(),
        load_default=None,
        allow_none=True,
        metadata={"description": "the start form's data; absent or null: built from the form"},
    )
    tasks = fields.Dict(
        keys=Text(max_length=255),
        values=fields.Dict(keys=fields.String()),
        load_default=dict,
        metadata={"description": "BPMN id of a user task → its data; a task not named: built from its form"},
    )

    @validates_schema
    def _bounded(self, data: dict[str, Any], **_: Any) -> None:
        if len(data.get("tasks") or {}) > MAX_ELEMENTS:
            raise ValidationError(f"至多 {MAX_ELEMENTS} 个任务", "tasks")


class _Choices(fields.Field):
    """One choice, or one per visit of the step (the last repeated)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else value
        if (
            not isinstance(values, list)
            or not 1 <= len(values) <= MAX_CHOICES
            or not all(isinstance(item, str) and 0 < len(item) <= CHOICE_LENGTH for item in values)
        ):
            raise ValidationError(f"须为结论文字，或 1 至 {MAX_CHOICES} 个结论的列表（每次经过一个）")
        return tuple(values)


class DryRunBodySchema(Schema):
    township = Text(
        max_length=12,
        required=True,
        metadata={"description": "code of the township (乡镇/街道) to route for"},
    )
    data = fields.Nested(DryRunDataSchema, load_default=lambda: {"start": None, "tasks": {}})
    decisions = fields.Dict(
        keys=Text(max_length=255),
        values=_Choices(
            metadata={
                "oneOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}, "maxItems": MAX_CHOICES},
                ]
            }
        ),
        load_default=dict,
        metadata={
            "description": "BPMN id of a user task → the choice of its decision field (value or label, "
            'e.g. 准予登记 or approve), or one per visit: ["退回窗口补正", "准予登记"]'
        },
    )

    @validates_schema
    def _bounded(self, data: dict[str, Any], **_: Any) -> None:
        if len(data.get("decisions") or {}) > MAX_ELEMENTS:
            raise ValidationError(f"至多 {MAX_ELEMENTS} 个环节", "decisions")

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> DryRunRequest:
        return DryRunRequest(
            township=data["township"],
            start_data=data["data"]["start"],
            task_data=data["data"]["tasks"],
            decisions=data["decisions"],
        )


class TimerMetSchema(Schema):
    bpmn_id = fields.String()
    name = fields.String()
    fires_at = fields.DateTime()
    pauses_clock = fields.Boolean(
        metadata={"description": "the case's deadline clock stands still meanwhile"}
    )
    fired = fields.Boolean(metadata={"description": "the process waited for it and it fired"})


class DryRunStepSchema(Schema):
    number = fields.Integer()
    kind = fields.String(metadata={"description": "start | task | timer | end"})
    bpmn_id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    organisation = fields.Nested(
        OrganisationRefSchema, allow_none=True, metadata={"description": "where the task would be routed"}
    )
    role = fields.String(allow_none=True)
    statuses_entered = fields.List(fields.String(), metadata={"description": "case statuses on the way here"})
    status = fields.String(allow_none=True, metadata={"description": "the case status while the step waits"})
    status_label = fields.String()
    clock = fields.String(metadata={"description": "not_started | running | paused | stopped"})
    clock_label = fields.String()
    timers = fields.List(fields.Nested(TimerMetSchema))
    decision = fields.String(allow_none=True, metadata={"description": "the choice the step was done with"})
    data = fields.Dict(metadata={"description": "the data the step was done with"})
    findings = fields.List(fields.String(), metadata={"description": "what would go wrong here"})


class DryRunReportSchema(Schema):
    key = fields.String()
    name = fields.String()
    version = fields.Integer(allow_none=True)
    draft_id = fields.Integer(allow_none=True)
    township = fields.Function(lambda report: {"code": report.township.code, "name": report.township.name})
    service_code = fields.Function(lambda report: report.service_item.code if report.service_item else None)
    steps = fields.List(fields.Nested(DryRunStepSchema))
    path = fields.List(fields.String(), metadata={"description": "BPMN ids of the elements passed, in order"})
    current = fields.List(fields.String(), metadata={"description": "where it stopped without ending"})
    ended = fields.Boolean()
    end_element = fields.String(allow_none=True)
    end_status = fields.String(allow_none=True)
    end_label = fields.String(allow_none=True, metadata={"description": "e.g. 已出件, 办结-不同意"})
    result_label = fields.String(
        allow_none=True, metadata={"description": "the outcome declared (resultLabel)"}
    )
    stopped = fields.String(allow_none=True, metadata={"description": "why it stopped before an end"})
    definition_problems = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "a draft: element id → what its validation would refuse there"},
    )

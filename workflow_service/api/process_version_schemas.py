"""Wire formats of the version diff and of moving running cases to the next version."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.api.input_fields import Id, Int
from workflow_service.services.process.case_migration import DEFAULT_BATCH, MAX_BATCH


class DiffQuerySchema(Schema):
    from_version = Id(
        load_default=None, data_key="from", metadata={"description": "default: the version before `to`"}
    )
    to_version = Id(load_default=None, data_key="to", metadata={"description": "default: the latest"})


class ElementChangeSchema(Schema):
    element_id = fields.String()
    type = fields.String(metadata={"description": "the BPMN element's tag: userTask, sequenceFlow …"})
    name = fields.String(allow_none=True)
    changes = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Raw()),
        metadata={
            "description": "changed elements only: attribute (name, lane, type, properties, condition, "
            "timer, script, source, target …) → [before, after]"
        },
    )


class FormChangeSchema(Schema):
    form_key = fields.String()
    added_fields = fields.List(fields.String())
    removed_fields = fields.List(fields.String())
    changed_fields = fields.List(fields.String())


class VersionDiffSchema(Schema):
    key = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    added = fields.List(fields.Nested(ElementChangeSchema), attribute="diff.added")
    removed = fields.List(fields.Nested(ElementChangeSchema), attribute="diff.removed")
    changed = fields.List(fields.Nested(ElementChangeSchema), attribute="diff.changed")
    forms_added = fields.List(fields.String(), attribute="diff.forms_added")
    forms_removed = fields.List(fields.String(), attribute="diff.forms_removed")
    forms_changed = fields.List(fields.Nested(FormChangeSchema), attribute="diff.forms_changed")


class CaseCheckSchema(Schema):
    case_number = fields.String(attribute="case.number")
    current_elements = fields.List(fields.String(), metadata={"description": "BPMN ids of its current tasks"})
    reasons = fields.List(fields.String(), metadata={"description": "why it cannot move; empty when it can"})


class DryRunSchema(Schema):
    key = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    movable = fields.List(fields.Nested(CaseCheckSchema))
    not_movable = fields.List(fields.Nested(CaseCheckSchema))


class BatchQuerySchema(Schema):
    after = Id(
        load_default=None, allow_none=True, metadata={"description": "the `next_after` of the batch before"}
    )
    limit = Int(minimum=1, maximum=MAX_BATCH, load_default=DEFAULT_BATCH)


class MovedCaseSchema(Schema):
    case_number = fields.String(attribute="case.number")
    migration_id = fields.Integer(attribute="migration.id", metadata={"description": "undo it by this id"})


class MigrationBatchSchema(Schema):
    moved = fields.List(fields.Nested(MovedCaseSchema))
    not_movable = fields.List(fields.Nested(CaseCheckSchema))
    next_after = fields.Integer(allow_none=True, metadata={"description": "null: the last batch"})
    remaining = fields.Integer(metadata={"description": "running cases of the version after this batch"})


class UndoneMigrationSchema(Schema):
    migration_id = fields.Integer(attribute="id")
    case_number = fields.String(attribute="case.number")
    version = fields.Integer(
        attribute="from_definition.version", metadata={"description": "the case's version again"}
    )
    undone_at = fields.DateTime()

"""Wire formats of /api/v1/process-drafts: a draft, its saves, its deploy."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.api.common_schemas import UserRefSchema
from workflow_service.api.input_fields import Id, Int, Text

# A BPMN document rides in a JSON body, so the JSON body limit (JSON_MAX_BYTES) bounds it too.
BPMN_MAX_CHARACTERS = 5 * 1024 * 1024


class DraftStartSchema(Schema):
    process_key = Text(
        required=True,
        max_length=128,
        metadata={"description": "the process to edit; an unknown key starts a new process from a template"},
    )
    from_version = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "the deployed version to copy; the latest when left out"},
    )


class DraftSummarySchema(Schema):
    id = fields.Integer()
    process_key = fields.String()
    base_version = fields.Integer(
        allow_none=True,
        metadata={"description": "the deployed version it started from (null: a new process)"},
    )
    name = fields.String()
    version = fields.Integer(metadata={"description": "bumped on each save; send it back with the next"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DraftSchema(DraftSummarySchema):
    bpmn_xml = fields.String()
    forms = fields.Dict(
        keys=fields.String(), values=fields.Dict(), metadata={"description": "form file name → JSON Schema"}
    )


class DraftBpmnSchema(Schema):
    bpmn_xml = Text(required=True, min_length=1, max_length=BPMN_MAX_CHARACTERS)
    version = Id(required=True, metadata={"description": "the draft version this edit was made from"})


class DraftFormSchema(Schema):
    schema = fields.Dict(required=True, metadata={"description": "the form's JSON Schema (draft-07)"})
    version = Id(required=True, metadata={"description": "the draft version this edit was made from"})


class DraftVersionQuerySchema(Schema):
    # Checked by the service after the draft is found, so that a draft that is not yours is 404 first.
    version = Id(
        load_default=None, metadata={"description": "required: the draft version this edit was made from"}
    )


class DraftDeploySchema(Schema):
    comment = Text(load_default=None, allow_none=True, max_length=1000)
    latest_version = Int(
        load_default=None,
        allow_none=True,
        minimum=1,
        metadata={
            "description": "confirms deploying over a version deployed after the draft started "
            "(the number a 409 newer-version-deployed gave)"
        },
    )


class DeployedVersionSchema(Schema):
    key = fields.String()
    name = fields.String()
    version = fields.Integer()
    deployed_at = fields.DateTime()
    deployed_by = fields.Nested(UserRefSchema, allow_none=True)
    comment = fields.String(allow_none=True)

"""Wire formats of /api/v1/process-definitions: the library, one version, a validation report."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.api.common_schemas import UserRefSchema


class VersionSummarySchema(Schema):
    version = fields.Integer(attribute="definition.version")
    deployed_at = fields.DateTime(attribute="definition.deployed_at")
    deployed_by = fields.Nested(
        UserRefSchema,
        attribute="definition.deployed_by",
        allow_none=True,
        metadata={"description": "null: deployed from the command line (`flask deploy`)"},
    )
    comment = fields.String(attribute="definition.comment", allow_none=True)
    content_hash = fields.String(attribute="definition.content_hash")
    running_cases = fields.Integer(metadata={"description": "cases on this version that have not ended"})


class ProcessSummarySchema(Schema):
    key = fields.String()
    name = fields.String()
    latest_version = fields.Integer()
    versions = fields.List(fields.Nested(VersionSummarySchema), metadata={"description": "oldest first"})


class VersionSchema(VersionSummarySchema):
    key = fields.String(attribute="definition.key")
    name = fields.String(attribute="definition.name")
    start_form_key = fields.String(attribute="definition.start_form_key", allow_none=True)
    forms = fields.Dict(
        attribute="definition.forms",
        keys=fields.String(),
        values=fields.Dict(),
        metadata={"description": "form key → its JSON Schema (draft-07)"},
    )


class FindingSchema(Schema):
    element_id = fields.String(metadata={"description": "the BPMN element the modeler highlights"})
    rule = fields.String(metadata={"description": "which rule of docs/bpmn-conventions.md"})
    message = fields.String()


class ValidationReportSchema(Schema):
    valid = fields.Boolean()
    key = fields.String(allow_none=True, metadata={"description": "the process id, when there is one"})
    name = fields.String(allow_none=True)
    errors = fields.List(fields.Nested(FindingSchema))
    warnings = fields.List(fields.Nested(FindingSchema))


class DeployResultSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    created = fields.Boolean(metadata={"description": "false: the BPMN and forms equal the latest version's"})

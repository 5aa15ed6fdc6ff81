"""Wire formats of signing in: the token request and the token with its user."""

from __future__ import annotations

from marshmallow import Schema, fields

from workflow_service.api.common_schemas import OrganisationRefSchema, UserRefSchema
from workflow_service.api.input_fields import Text


class TokenRequestSchema(Schema):
    username = Text(required=True, min_length=1, max_length=64)
    password = Text(required=True, load_only=True, min_length=1, max_length=256)


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

"""The public case look-up for portals: number and query password in, status out; no account."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.tracking_schemas import TrackedCaseSchema, TrackRequestSchema
from workflow_service.services.notices.tracking import TrackedCase, track_case

blp = Blueprint("track", __name__, url_prefix="/api/v1/track", description="办件查询（公开，凭查询密码）")


@blp.route("")
class TrackResource(MethodView):
    @blp.alt_response(404, description="Wrong case number or query password (the two are indistinguishable)")
    @blp.alt_response(429, description="Too many failed look-ups from this address")
    @blp.doc(security=[])
    @blp.arguments(TrackRequestSchema)
    @blp.response(200, TrackedCaseSchema)
    def post(self, payload: dict) -> TrackedCase:
        """A case's status by number and query password.

        A wrong password and an unknown number give the same 404; after too many failures from one
        address or on one case number, 429 with Retry-After.
        """
        return track_case(payload["number"], payload["password"], request.remote_addr)

"""The public case look-up for portals: number and query password in, status out; no account."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.tracking_schemas import TrackedCaseSchema, TrackRequestSchema
from workflow_service.services.notices.tracking import TrackedCase, track_case

blp = Blueprint(
    "track",
    __name__,
    url_prefix="/api/v1/track",
    description="办件查询（公开，凭查询密码）/ public look-up by query password",
)


@blp.route("")
class TrackResource(MethodView):
    @blp.alt_response(404, description="Wrong case number or query password (the two are indistinguishable)")
    @blp.alt_response(429, description="Too many failed look-ups from this address")
    @blp.doc(security=[])
    @blp.arguments(TrackRequestSchema)
    @blp.response(200, TrackedCaseSchema)
    def post(self, payload: dict) -> TrackedCase:
        """凭查询密码查询办件 / Look a case up by its query password

        以办件编号和查询密码查询办件状态。密码错误与编号不存在均为同样的 404；同一地址或同一编号失败过多时
        429 并带 Retry-After。

        A case's status by number and query password. A wrong password and an unknown number give the same
        404; after too many failures from one address or on one case number, 429 with Retry-After.
        """
        return track_case(payload["number"], payload["password"], request.remote_addr)

"""好差评 by the applicant: case number and query password in, no account (the public look-up's check)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.closing_schemas import EvaluationReceiptSchema, PublicEvaluationSchema
from workflow_service.models import CaseEvaluation
from workflow_service.services.closing.evaluations import evaluate_publicly

blp = Blueprint(
    "public_evaluation",
    __name__,
    url_prefix="/api/v1/track",
    description="好差评（公开，凭查询密码）/ public rating by query password",
)


@blp.route("/evaluation")
class PublicEvaluationResource(MethodView):
    @blp.alt_response(404, description="Wrong case number or query password (the two are indistinguishable)")
    @blp.alt_response(409, description="The case has not ended yet, or was evaluated already")
    @blp.alt_response(429, description="Too many failed look-ups from this address")
    @blp.doc(security=[])
    @blp.arguments(PublicEvaluationSchema)
    @blp.response(201, EvaluationReceiptSchema)
    def post(self, payload: dict) -> CaseEvaluation:
        """申请人好差评 / Rate a finished case

        申请人凭查询密码对已办结的办件评价一次（再次 409）。不满意、非常不满意须写意见并生成整改任务；密码
        错误与编号不存在均为同样的 404，计入失败次数（429）。

        Evaluate a finished case once (409 again). 不满意 and 非常不满意 need a comment and open a
        rectification task. A wrong password and an unknown number give the same 404, counted like failed
        look-ups (429).
        """
        return evaluate_publicly(
            payload["number"], payload["password"], request.remote_addr, payload["rating"], payload["comment"]
        )

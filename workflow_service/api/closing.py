"""Closing a case: 归档, 退件, 作废, fees, 好差评 entered at the window, and the electronic licence PDF."""

from __future__ import annotations

import io

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.case_schemas import CaseSchema
from workflow_service.api.closing_schemas import (
    CloseReasonSchema,
    EvaluationSchema,
    FeeSchema,
    PaymentSchema,
    WindowEvaluationSchema,
)
from workflow_service.models import CaseFee
from workflow_service.services.closing.closing import archive_case, return_case, void_case
from workflow_service.services.closing.evaluations import evaluate_at_window
from workflow_service.services.closing.licences import licence_pdf
from workflow_service.services.intake.fees import record_payment
from workflow_service.services.read.cases import CaseView, EvaluationView, view_case, view_evaluation

blp = Blueprint(
    "closing",
    __name__,
    url_prefix="/api/v1/cases",
    description="出件、办结与归档 / results, closing and archiving",
)
blp.before_request(require_bearer_token)


@blp.route("/<string:number>/archive")
class ArchiveResource(MethodView):
    @blp.alt_response(409, description="The case was not issued yet, or is archived already")
    @blp.response(200, CaseSchema)
    def post(self, number: str) -> CaseView:
        """归档 / Archive a case

        流程结束后（出件、不予受理、撤回等）由受理窗口归档；之前 409。

        归档 by the accepting window once the process has ended (出件, 不予受理, 撤回 …); 409 before.
        """
        archive_case(current_user(), number)
        return view_case(current_user(), number)


@blp.route("/<string:number>/return")
class ReturnResource(MethodView):
    @blp.alt_response(409, description="The case was accepted or has ended")
    @blp.arguments(CloseReasonSchema)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """退件 / Return a case

        受理前退件（材料始终未补齐，或申请人放弃），须说明理由；由受理窗口或督办人员办理，办件以退件结束。

        退件 before acceptance (materials never completed, or the applicant gave up), with a reason. The
        accepting window or a supervisor; the case ends 退件 (status and result ``returned``).
        """
        return_case(current_user(), number, payload["reason"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/void")
class VoidResource(MethodView):
    @blp.alt_response(409, description="A decision was made or the case has ended")
    @blp.arguments(CloseReasonSchema)
    @blp.response(200, CaseSchema)
    def post(self, payload: dict, number: str) -> CaseView:
        """作废 / Void a case

        作废误登记且尚未决定的办件，须说明理由，随即归档；由受理窗口或督办人员办理。

        作废 an undecided case registered in error, with a reason; filed (归档) at once. The accepting
        window or a supervisor.
        """
        void_case(current_user(), number, payload["reason"])
        return view_case(current_user(), number)


@blp.route("/<string:number>/payment")
class PaymentResource(MethodView):
    @blp.alt_response(
        409, description="The service charges no fee, the fee is settled already, or the case has ended"
    )
    @blp.arguments(PaymentSchema)
    @blp.response(200, FeeSchema)
    def post(self, payload: dict, number: str) -> CaseFee:
        """登记缴费 / Record the fee

        受理窗口登记已缴费（收据号）或减免（理由）；不接支付渠道。事项不收费或已登记时 409。

        The accepting window records the fee paid (receipt number) or waived (reason); no gateway. 409 for
        an item without fees or a fee already recorded.
        """
        return record_payment(
            current_user(), number, payload["status"], payload["receipt_number"], payload["reason"]
        )


@blp.route("/<string:number>/evaluation")
class EvaluationResource(MethodView):
    @blp.alt_response(409, description="The case has not ended yet, or was evaluated already")
    @blp.arguments(WindowEvaluationSchema)
    @blp.response(201, EvaluationSchema)
    def post(self, payload: dict, number: str) -> EvaluationView:
        """窗口代录好差评 / Record a rating at the window

        受理窗口代申请人录入好差评，每件一次（再次 409）。不满意、非常不满意须写意见，并为作出决定的机构生
        成整改任务。

        好差评 entered by the accepting window on the applicant's behalf; once per case (409 again). 不满
        意 and 非常不满意 open a rectification task for the organisation that decided.
        """
        evaluation = evaluate_at_window(current_user(), number, payload["rating"], payload["comment"])
        return view_evaluation(current_user(), evaluation)


@blp.route("/<string:number>/licence.pdf")
class LicenceResource(MethodView):
    @blp.alt_response(409, description="The case has no electronic licence")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
    def get(self, number: str) -> Response:
        """电子证照 PDF / The licence as PDF

        准予办件的电子证照 PDF（没有证照时 409）。

        The electronic licence of a granted case as PDF (409 when the case has none).
        """
        document = licence_pdf(current_user(), number)
        return send_file(
            io.BytesIO(document.content),
            mimetype="application/pdf",
            as_attachment=False,
            download_name=document.filename,
        )

"""A case's notices as PDF: 受理通知书, 不予受理决定书, 补正材料通知书, 办结通知."""

from __future__ import annotations

import io

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.case_file_schemas import PrintedReceiptSchema
from workflow_service.services.notices.documents import (
    DocumentKind,
    acceptance_receipt,
    case_document,
)
from workflow_service.services.notices.layout import Document

blp = Blueprint("documents", __name__, url_prefix="/api/v1/cases", description="办件文书（PDF）")
blp.before_request(require_bearer_token)

_KINDS = "、".join(kind.value for kind in DocumentKind)
_PDF = {"type": "string", "format": "binary"}


def _pdf(document: Document) -> Response:
    return send_file(
        io.BytesIO(document.content),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=document.filename,
    )


@blp.route("/<string:number>/documents/<string:kind>.pdf")
class DocumentResource(MethodView):
    @blp.doc(
        parameters=[
            {
                "in": "path",
                "name": "kind",
                "required": True,
                "description": f"文书种类：{_KINDS}",
                "schema": {"type": "string", "enum": [kind.value for kind in DocumentKind]},
            }
        ]
    )
    @blp.alt_response(409, description="The case's state does not call for this notice")
    @blp.response(200, _PDF, content_type="application/pdf")
    def get(self, number: str, kind: str) -> Response:
        """The notice as PDF; 409 where it does not apply (no 不予受理决定书 for an accepted case)."""
        return _pdf(case_document(current_user(), number, kind))


@blp.route("/<string:number>/documents/acceptance.pdf", endpoint="acceptance_with_password")
class AcceptanceReceiptResource(MethodView):
    @blp.alt_response(409, description="The case's state does not call for this notice")
    @blp.arguments(PrintedReceiptSchema)
    @blp.response(200, _PDF, content_type="application/pdf")
    def post(self, payload: dict, number: str) -> Response:
        """受理通知书 with the query password printed on it (the one returned at registration; 422 if not)."""
        return _pdf(acceptance_receipt(current_user(), number, payload["query_password"]))

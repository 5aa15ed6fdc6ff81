"""A case's notices as PDF (收件凭证, 受理通知书, 不予受理决定书, 补正材料通知书, 容缺受理承诺书,
特别程序告知书, 延期告知书, 办结通知), and several cases' notices as one PDF."""

from __future__ import annotations

import io

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.case_file_schemas import PrintedReceiptSchema
from workflow_service.api.input_fields import Text
from workflow_service.services.notices.documents import (
    DocumentKind,
    acceptance_receipt,
    batch_documents,
    case_document,
)
from workflow_service.services.notices.layout import Document

blp = Blueprint(
    "documents", __name__, url_prefix="/api/v1/cases", description="办件文书（PDF）/ notices as PDF"
)
blp.before_request(require_bearer_token)
batch_blp = Blueprint(
    "document_batches",
    __name__,
    url_prefix="/api/v1/documents",
    description="批量打印文书（PDF）/ notices printed in batches",
)
batch_blp.before_request(require_bearer_token)

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
        """文书 PDF / A notice as PDF

        办件的文书（受理通知书、补正告知书、不予受理决定书等）PDF；不适用时 409（如已受理的办件没有不予受
        理决定书）。

        The notice as PDF; 409 where it does not apply (no 不予受理决定书 for an accepted case).
        """
        return _pdf(case_document(current_user(), number, kind))


@blp.route("/<string:number>/documents/acceptance.pdf", endpoint="acceptance_with_password")
class AcceptanceReceiptResource(MethodView):
    @blp.alt_response(409, description="The case's state does not call for this notice")
    @blp.arguments(PrintedReceiptSchema)
    @blp.response(200, _PDF, content_type="application/pdf")
    def post(self, payload: dict, number: str) -> Response:
        """印有查询密码的受理通知书 / The acceptance notice with the query password

        受理通知书，印上登记时返回的查询密码（密码不符 422）。

        受理通知书 with the query password printed on it (the one returned at registration; 422 if not).
        """
        return _pdf(acceptance_receipt(current_user(), number, payload["query_password"]))


class BatchQuerySchema(Schema):
    cases = Text(
        required=True,
        max_length=2000,
        metadata={"description": "办件编号，以逗号分隔，按此顺序打印（一次最多 50 件）"},
    )
    kind = Text(
        load_default=None,
        max_length=32,
        metadata={
            "description": f"文书种类：{_KINDS}；缺省时打印每件现有的全部文书",
            "enum": [kind.value for kind in DocumentKind],
        },
    )


@batch_blp.route("/batch.pdf")
class DocumentBatchResource(MethodView):
    @batch_blp.alt_response(409, description="One of the cases has no notice of that kind")
    @batch_blp.arguments(BatchQuerySchema, location="query")
    @batch_blp.response(200, _PDF, content_type="application/pdf")
    def get(self, query: dict) -> Response:
        """批量打印文书 / Several notices as one PDF

        多个办件的文书合成一个 PDF 一次打印（至多 50 件）：每个办件都须在调用者范围内，否则 404。

        Several cases' notices as one PDF to print at once (a queue's 受理通知书, say): every case must be
        in the caller's scope (404 otherwise).
        """
        numbers = query["cases"].split(",")
        return _pdf(batch_documents(current_user(), numbers, query["kind"]))

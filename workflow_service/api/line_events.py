"""Events from line systems: ``POST /api/v1/events`` (idempotent by ``Idempotency-Key``), their
status, and photos sent afterwards (scope ``events:write``, a token from ``POST /oauth/token``)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from workflow_service.api.attachments import MultipartBlueprint
from workflow_service.api.client_authentication import current_client, require_client_scope
from workflow_service.api.line_event_schemas import (
    EventReportSchema,
    EventStatusSchema,
    PhotoUploadSchema,
    StoredPhotoSchema,
    SubmittedEventSchema,
)
from workflow_service.api.portal_examples import (
    EVENT_CREATED_EXAMPLE,
    EVENT_EXAMPLE,
    EVENT_REQUEST_EXAMPLE,
    PHOTO_EXAMPLE,
    PHOTO_UPLOAD_EXAMPLE,
)
from workflow_service.models import Attachment
from workflow_service.services.portal import events
from workflow_service.services.portal.events import EventReport, EventView, Photo

SCOPE = "events:write"
blp = MultipartBlueprint(
    "line_events",
    __name__,
    url_prefix="/api/v1/events",
    description="基层治理事件（条线系统上报）/ grassroots governance events from line systems",
)
blp.before_request(require_client_scope(SCOPE))
CLIENT_ONLY = [{"clientCredentials": [SCOPE]}]
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": events.KEY_HEADER,
    "required": True,
    "schema": {"type": "string", "maxLength": events.KEY_MAX_LENGTH},
    "description": (
        "每个事件一个唯一值（如 UUID），超时重试时不变 / one value per event, the same on every retry: "
        "the same key and body get the first answer again, the same key with another body is 422"
    ),
}
REPLAYED = {
    "description": "`true` when this answers a retry with the first answer",
    "schema": {"type": "string"},
}


def _report(body: dict) -> EventReport:
    return EventReport(
        type=body["type"],
        region_code=body["place"]["region_code"],
        address=body["place"]["address"],
        description=body["description"],
        reporter=body["reporter"],
        ticket_number=body.get("ticket_number"),
        grid_name=body.get("grid_name"),
        photos=[Photo(photo["file_name"], photo["content_base64"]) for photo in body.get("photos", [])],
    )


@blp.route("")
class EventsResource(MethodView):
    @blp.doc(security=CLIENT_ONLY, parameters=[IDEMPOTENCY_KEY])
    @blp.alt_response(
        403, description="The token lacks events:write, or the place lies outside the client's regions"
    )
    @blp.alt_response(
        422,
        description=(
            "Invalid input (field errors), no `Idempotency-Key`, or the key was used with another body"
        ),
    )
    @blp.arguments(EventReportSchema, example=EVENT_REQUEST_EXAMPLE)
    @blp.response(
        201, SubmittedEventSchema, headers={"Idempotent-Replayed": REPLAYED}, example=EVENT_CREATED_EXAMPLE
    )
    def post(self, body: dict) -> tuple[dict, int, dict[str, str]]:
        """上报基层治理事件 / Report a grassroots governance event

        把基层治理事件登记到其所在乡镇（街道）的综合信息指挥室（事件分拨处置流程）；照片可在此以 Base64 提
        交，或之后以 multipart 上传。须带 Idempotency-Key：同一键同一内容重发得到首次应答（同一编号，201）。

        Register a 基层治理事件 (grassroots governance event) in the 综合信息指挥室 (command room) of its
        township through the event-dispatch process; photos as Base64 here or afterwards by multipart. A
        retry with the same ``Idempotency-Key`` and body answers as the first time (same number, 201).
        """
        submitted = events.submit_event(
            current_client(), request.headers.get(events.KEY_HEADER), body, _report(body)
        )
        return submitted.body, submitted.status_code, {"Idempotent-Replayed": str(submitted.replayed).lower()}


@blp.route("/<string:number>")
class EventResource(MethodView):
    @blp.doc(security=CLIENT_ONLY)
    @blp.response(200, EventStatusSchema, example=EVENT_EXAMPLE)
    def get(self, number: str) -> EventView:
        """事件办理情况 / How an event stands

        事件的状态及其历史、当前环节（通俗说法）和结果（已处置等）；只对上报它的接入系统，其他为 404。

        How the event stands: status and its history, the current step in plain words, the result (已处置
        …); only to the client that submitted it (404 for any other).
        """
        return events.event_view(current_client(), number)


@blp.route("/<string:number>/photos")
class EventPhotosResource(MethodView):
    @blp.doc(security=CLIENT_ONLY)
    @blp.alt_response(409, description="The event has ended")
    @blp.arguments(PhotoUploadSchema, location="form_and_files", example=PHOTO_UPLOAD_EXAMPLE)
    @blp.response(201, StoredPhotoSchema, example=PHOTO_EXAMPLE)
    def post(self, form: dict, number: str) -> Attachment:
        """补充事件照片 / Add a photo to an event

        为本系统上报的事件补充一张照片（JPEG 或 PNG，按内容识别）。

        Add a photo (JPEG or PNG, detected from the content) to the client's own event.
        """
        return events.add_photo(current_client(), number, form["file"])

"""Wire formats of the working-day calendar: a year's days, a notice's schedule, the outlook."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load

from workflow_service.api.input_fields import Text


class CalendarDaySchema(Schema):
    day = fields.Date()
    working = fields.Boolean(
        attribute="is_working", metadata={"description": "true 为调休上班日，false 为放假日"}
    )
    name = fields.String()


class CalendarYearSchema(Schema):
    year = fields.Integer()
    source = fields.String(
        attribute="source_kind",
        metadata={
            "description": "entered（已录入国务院办公厅通知）/ chinesecalendar（程序包自带）/ "
            "weekdays_only（尚未公布：按周一至周五计算）"
        },
    )
    notice = fields.String(attribute="record.source", allow_none=True, metadata={"description": "依据的通知"})
    published_at = fields.Date(attribute="record.published_at", allow_none=True)
    entered_at = fields.DateTime(attribute="record.entered_at", allow_none=True)
    entered_by = fields.String(attribute="record.entered_by.username", allow_none=True)
    days = fields.List(fields.Nested(CalendarDaySchema), metadata={"description": "放假日与调休上班日"})


class CalendarChangeSchema(Schema):
    calendar = fields.Nested(CalendarYearSchema, attribute="view")
    cases_recomputed = fields.Integer(metadata={"description": "办结期限因此改变的在办办件数"})


class HolidaySchema(Schema):
    name = Text(required=True, min_length=1, max_length=48, metadata={"example": "春节"})
    first = fields.Date(required=True, data_key="from", metadata={"description": "放假第一天"})
    last = fields.Date(
        load_default=None, data_key="to", metadata={"description": "放假最后一天（缺省同 from）"}
    )
    working_days = fields.List(fields.Date(), load_default=list, metadata={"description": "调休上班日"})

    @post_load
    def _as_notice(self, data: dict[str, Any], **kwargs: object) -> dict[str, Any]:
        return {
            "name": data["name"],
            "from": data["first"],
            "to": data["last"] or data["first"],
            "working_days": data["working_days"],
        }


class CalendarYearEntrySchema(Schema):
    source = Text(
        required=True,
        min_length=1,
        max_length=255,
        metadata={"description": "依据：通知名称和文号，如 国务院办公厅关于2027年部分节假日安排的通知"},
    )
    published_at = fields.Date(load_default=None, allow_none=True, metadata={"description": "通知发布日期"})
    holidays = fields.List(fields.Nested(HolidaySchema), required=True)


class CalendarOutlookSchema(Schema):
    today = fields.Date()
    known_until = fields.Date(allow_none=True, metadata={"description": "官方节假日安排已知的最后一天"})
    days_ahead = fields.Integer()
    threshold_days = fields.Integer()
    entered_years = fields.List(fields.Integer())
    warning = fields.Boolean(attribute="has_warning")
    message = fields.String(attribute="warning", allow_none=True)

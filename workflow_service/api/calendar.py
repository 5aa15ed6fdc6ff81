"""The working-day calendar: admins enter a year's holidays; supervisors read it and how far it reaches."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.calendar_schemas import (
    CalendarChangeSchema,
    CalendarOutlookSchema,
    CalendarYearEntrySchema,
    CalendarYearSchema,
)
from workflow_service.services.calendar import holiday_calendar
from workflow_service.services.calendar.holiday_calendar import CalendarChange, CalendarOutlook, YearView
from workflow_service.services.directory.permissions import MAINTAIN_CALENDAR, require_admin

blp = Blueprint(
    "working_calendar",
    __name__,
    url_prefix="/api/v1",
    description="节假日安排（工作日历）/ the working calendar",
)
blp.before_request(require_bearer_token)


@blp.before_request
def require_admin_to_change() -> None:
    """403 for a change by any other role, before its body is looked at."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        require_admin(current_user(), MAINTAIN_CALENDAR)


@blp.route("/admin/calendar/<int:year>")
class CalendarYearResource(MethodView):
    @blp.response(200, CalendarYearSchema)
    def get(self, year: int) -> YearView:
        """节假日安排 / A year's holidays

        一年的法定节假日和调休上班日及其来源（系统管理员、督办人员）。

        A year's holidays and make-up working days, and where they come from (admins, supervisors).
        """
        return holiday_calendar.show_year(current_user(), year)

    @blp.arguments(CalendarYearEntrySchema)
    @blp.response(200, CalendarChangeSchema)
    def put(self, payload: dict, year: int) -> CalendarChange:
        """录入节假日安排 / Enter a year's holidays

        录入国务院公布的一年节假日安排（系统管理员）；未办结办件的期限随即重算。

        Enter the State Council's schedule for a year (admins); open cases' due dates are recomputed.
        """
        return holiday_calendar.enter_year(
            current_user(),
            year,
            source=payload["source"],
            published_at=payload["published_at"],
            holidays=payload["holidays"],
        )


@blp.route("/dashboard/calendar")
class CalendarOutlookResource(MethodView):
    @blp.response(200, CalendarOutlookSchema)
    def get(self) -> CalendarOutlook:
        """节假日安排已知到何时 / How far the calendar is known

        官方节假日安排已知到哪一天；不足 60 天时给出提醒（督办人员）。

        How far ahead the official holiday schedule is known; a warning under 60 days (supervisors).
        """
        return holiday_calendar.dashboard_outlook(current_user())

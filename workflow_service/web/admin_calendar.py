"""The working-day calendar page: a year's holidays and make-up working days, admin rows added and removed.

services.calendar.holiday_calendar checks, audits and recomputes the open cases' due dates, as for the API
and ``flask calendar``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.services.calendar import holiday_calendar
from workflow_service.services.clock import business_day
from workflow_service.services.supervision import audit_trail
from workflow_service.web.admin import admin_blueprint
from workflow_service.web.session import staff

blp = admin_blueprint("admin_calendar", __name__)


def source_labels() -> dict[str, str]:
    return {
        "entered": _("已录入国务院办公厅通知"),
        "chinesecalendar": _("chinesecalendar 程序包自带"),
        "weekdays_only": _("尚未公布：按周一至周五计算工作日"),
    }


def _calendar_page(year: int, status: int = 200, **values: Any) -> tuple[str, int]:
    view = holiday_calendar.show_year(staff(), year)
    return render_template(
        "admin/calendar.html",
        view=view,
        outlook=holiday_calendar.dashboard_outlook(staff()),
        events=audit_trail.about_calendar_year(staff(), year),
        source_labels=source_labels(),
        form=values.pop("form", None) or {"day": "", "kind": "holiday", "name": "", "reason": ""},
        errors=values.pop("errors", {}),
        removing=values.pop("removing", None),
        remove_errors=values.pop("remove_errors", {}),
        remove_reason=values.pop("remove_reason", ""),
    ), status


@blp.get("/admin/calendar")
def this_year() -> Response:
    return redirect(url_for("admin_calendar.calendar_year", year=business_day().year))


@blp.get("/admin/calendar/<int:year>")
def calendar_year(year: int) -> tuple[str, int]:
    """The year's table, where each row comes from, how far ahead the schedule is known."""
    return _calendar_page(year)


def _day(value: str, errors: dict[str, list[str]]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors["day"] = [_("请填写日期，格式 YYYY-MM-DD")]
        return None


@blp.post("/admin/calendar/<int:year>/days")
def set_day(year: int) -> Response | tuple[str, int]:
    """Add (or replace) one day's row: a holiday or a make-up working day, with the reason for it."""
    form = {key: request.form.get(key, "").strip() for key in ("day", "kind", "name", "reason")}
    errors: dict[str, list[str]] = {}
    day = _day(form["day"], errors)
    try:
        if day is None:
            raise InvalidInput(errors=errors)
        change = holiday_calendar.set_day(
            staff(), day, form["kind"] == "working", form["name"], reason=form["reason"]
        )
    except InvalidInput as error:
        return _calendar_page(year, 422, form=form, errors=error.errors)
    flash(
        _(
            "已设置 %(day)s；%(n)s 件在办办件的办结期限已重算。",
            day=form["day"],
            n=change.cases_recomputed,
        ),
        "ok",
    )
    return redirect(url_for("admin_calendar.calendar_year", year=change.view.year))


@blp.post("/admin/calendar/<int:year>/days/<day>/remove")
def clear_day(year: int, day: str) -> Response | tuple[str, int]:
    """Remove a row: the day counts as the package (or Monday–Friday) says again."""
    errors: dict[str, list[str]] = {}
    chosen = _day(day, errors)
    if chosen is None:
        abort(404)
    reason = request.form.get("reason", "").strip()
    try:
        change = holiday_calendar.clear_day(staff(), chosen, reason)
    except InvalidInput as error:
        return _calendar_page(year, 422, removing=chosen, remove_errors=error.errors, remove_reason=reason)
    flash(
        _("已删除 %(day)s 的安排；%(n)s 件在办办件的办结期限已重算。", day=day, n=change.cases_recomputed),
        "ok",
    )
    return redirect(url_for("admin_calendar.calendar_year", year=chosen.year))

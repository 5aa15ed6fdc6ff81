"""The service's clock: injected through ``app.config["CLOCK"]`` so tests can set the time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from workflow_service.models.base import utcnow

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current time in UTC, from the configured clock (the real one outside an app, as in the
    engine benchmark)."""
    clock = (current_app.config.get("CLOCK") if has_app_context() else None) or utcnow
    return clock()


def business_day(moment: datetime | None = None) -> date:
    """The calendar date in Asia/Shanghai, where working-day arithmetic happens."""
    return (moment or now()).astimezone(BUSINESS_TIMEZONE).date()

"""The public status page ``/track/<number>``: no account, the case's query password, phone-sized.

A wrong password and an unknown number render the same page with the same message; too many
failures render a 429 page. The password travels in a POST body, never in the URL or the logs.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from workflow_service.extensions import csrf
from workflow_service.services.clock import BUSINESS_TIMEZONE
from workflow_service.services.notices.tracking import LookupFailed, TooManyLookups, track_case

blp = Blueprint("track_page", __name__, url_prefix="/track")
# A read-only look-up with nothing to forge: no session, so no CSRF token either.
csrf.exempt(blp)

# Self-contained pages: inline styles only, nothing fetched, never framed, never cached.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _beijing_time(moment: datetime) -> str:
    return moment.astimezone(BUSINESS_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def _lookup_page(number: str, message: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("track/lookup.html", number=number, message=message), status


@blp.after_request
def _page_headers(response: Response) -> Response:
    response.headers.update(_HEADERS)
    return response


@blp.errorhandler(LookupFailed)
def _lookup_failed(error: LookupFailed) -> tuple[str, int]:
    return _lookup_page(request.view_args.get("number", "") if request.view_args else "", error.title, 404)


@blp.errorhandler(TooManyLookups)
def _too_many(error: TooManyLookups) -> tuple[str, int, dict[str, str]]:
    number = request.view_args.get("number", "") if request.view_args else ""
    minutes = max(1, -(-(error.retry_after or 60) // 60))
    page, status = _lookup_page(number, f"{error.title}（约 {minutes} 分钟后可再试）", 429)
    return page, status, {"Retry-After": str(error.retry_after or 60)}


@blp.get("/<string:number>")
def lookup(number: str) -> tuple[str, int]:
    """The form asking for the query password (the QR code on every notice leads here)."""
    return _lookup_page(number)


@blp.post("/<string:number>")
def status(number: str) -> str:
    """The case's progress, for the right query password."""
    tracked = track_case(number, request.form.get("password", ""), request.remote_addr)
    return render_template("track/status.html", case=tracked, beijing_time=_beijing_time)

"""The audit trail page for supervisors and administrators: the API's search filters, pages, CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Response, render_template, request

from workflow_service.services.clock import BUSINESS_TIMEZONE
from workflow_service.services.supervision.audit_chain import require_supervision
from workflow_service.services.supervision.audit_search import AuditFilters, export_audit_csv, search_audit
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("audit_pages", __name__)
PAGE_SIZE = 50
TEXT_FILTERS = ("case", "actor", "organisation", "action")


def _day(name: str, errors: set[str]) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add(name)  # the page says how a date is written
        return None


def _filters() -> tuple[AuditFilters, set[str]]:
    """The form's filters (and the names of those not understood); dates are whole Beijing days,
    the until day included."""
    errors: set[str] = set()
    texts = {name: request.args.get(name, "").strip()[:64] or None for name in TEXT_FILTERS}
    since, until = _day("since", errors), _day("until", errors)
    return (
        AuditFilters(
            **texts,
            since=datetime.combine(since, time(), BUSINESS_TIMEZONE) if since else None,
            until=datetime.combine(until + timedelta(days=1), time(), BUSINESS_TIMEZONE) if until else None,
        ),
        errors,
    )


@blp.get("/audit")
def audit_page() -> str:
    """Newest first, ``PAGE_SIZE`` rows a page (the next by the cursor link)."""
    require_supervision(staff())
    filters, errors = _filters()
    page = search_audit(staff(), filters, limit=PAGE_SIZE, cursor=request.args.get("cursor"))
    query = {key: value for key, value in request.args.items() if key != "cursor" and value}
    return render_template("audit.html", page=page, errors=errors, query=query)


@blp.get("/audit.csv")
def audit_csv() -> Response:
    """Every row the filters select (the export is itself audited)."""
    filters, _errors = _filters()
    response = Response(export_audit_csv(staff(), filters), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response

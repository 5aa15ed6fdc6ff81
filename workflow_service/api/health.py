"""Liveness and readiness probes (public)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from workflow_service.error_handling import retry_after_unavailable
from workflow_service.extensions import db
from workflow_service.schema_revision import SchemaState, schema_revision
from workflow_service.services.calendar.holiday_calendar import outlook

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Response:
    """The process is up."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """The process can serve: the database answers and its schema is not behind the code (details: the
    revisions, how far ahead the holiday calendar is known)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        unavailable = jsonify(status="unavailable", checks={"database": "unreachable"})
        unavailable.headers["Retry-After"] = retry_after_unavailable()
        return unavailable, 503
    revision = schema_revision()
    # A calendar known for too few days ahead is a warning for the operators, not a reason to stop serving.
    calendar = outlook()
    details = {
        "migrations": {"database": list(revision.database), "code": list(revision.code)},
        "calendar": {
            "known_until": calendar.known_until.isoformat() if calendar.known_until else None,
            "days_ahead": calendar.days_ahead,
            "warning": calendar.warning,
        },
    }
    checks = {
        "database": "ok",
        "migrations": revision.state.value,
        "calendar": "warning" if calendar.warning else "ok",
    }
    # Behind: this code would query tables or columns that are not there yet. Ahead (a newer release
    # migrated the database during a rolling upgrade) still serves: migrations only add to the schema.
    if revision.state == SchemaState.BEHIND:
        behind = jsonify(status="unavailable", checks=checks, details=details)
        behind.headers["Retry-After"] = retry_after_unavailable()
        return behind, 503
    return jsonify(status="ok", checks=checks, details=details), 200

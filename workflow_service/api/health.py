"""Liveness and readiness probes (public)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from workflow_service.extensions import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Response:
    """The process is up."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """The process can serve: the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="unavailable", checks={"database": "unreachable"}), 503
    return jsonify(status="ok", checks={"database": "ok"}), 200

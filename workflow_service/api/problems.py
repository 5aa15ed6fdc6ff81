"""Render every error as RFC 7807 ``application/problem+json``: ours, webargs', Werkzeug's, unexpected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, json, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from workflow_service.error_log import log_unexpected
from workflow_service.errors import PayloadTooLarge, RateLimited, ServiceError, Unavailable
from workflow_service.extensions import db

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    type_slug: str | None = None,
    errors: Mapping | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"/problems/{type_slug}" if type_slug else "about:blank",
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if detail and detail != title:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)  # never over a standard member
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MEDIA_TYPE)


def _flatten(messages: Mapping, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests field messages by location and field; make them ``{"a.b": ["…"]}``."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(_flatten(value, path))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat[path] = list(value)
        else:
            flat[path] = [str(value)]
    return flat


def _service_error(error: ServiceError) -> Response:
    db.session.rollback()
    response = problem_response(
        error.status, error.title, error.detail, error.type_slug, error.errors, error.extensions
    )
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="workflow-service"'
    if isinstance(error, RateLimited) and error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unavailable):
        response.headers["Retry-After"] = retry_after_unavailable()
    return response


def retry_after_unavailable() -> str:
    """The Retry-After of every 503: when a client should try again."""
    return str(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])


def _http_error(error: HTTPException) -> Response:
    db.session.rollback()
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 422 and messages:
        # webargs: {"json": {"field": ["msg"]}} → {"field": ["msg"]} (the location is implied)
        flat = {}
        for location_messages in messages.values():
            flat.update(_flatten(location_messages) if isinstance(location_messages, Mapping) else {})
        return problem_response(422, "输入有误", "请求内容不符合要求", "invalid-input", flat)
    if status == 413:
        # Werkzeug stops reading a body beyond MAX_CONTENT_LENGTH (or a form field beyond
        # MAX_FORM_MEMORY_SIZE) before any view runs.
        too_large = PayloadTooLarge("请求内容超过允许的大小")
        return problem_response(413, too_large.title, too_large.detail, too_large.type_slug)
    response = problem_response(status, error.name, error.description, None)
    if status == 503:
        response.headers["Retry-After"] = retry_after_unavailable()
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def _database_unavailable(error: OperationalError) -> Response:
    db.session.rollback()
    current_app.logger.error("database unavailable: %s", error)
    return _service_error(Unavailable("数据库暂不可用，请稍后重试"))


def _unexpected(error: Exception) -> Response:
    db.session.rollback()
    log_unexpected(error)
    return problem_response(500, ServiceError.title, "请求未能完成，已记录错误", ServiceError.type_slug)


def init_app(app: Flask) -> None:
    """Register the handlers; call after the API extension so these win over its own."""
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)

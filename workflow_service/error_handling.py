"""The one error handler: every exception becomes a ``Problem``, answered as problem+json on the
machine paths (the API, OAuth, probes, metrics) and as the HTML error page everywhere else.

Ours (``errors.ServiceError``), webargs' field errors, Werkzeug's HTTP errors, an unreachable
database and anything unexpected are each turned into a ``Problem`` once, here; the unexpected
ones are logged with their traceback and answered with a body that leaks nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, json, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from workflow_service.error_log import log_unexpected
from workflow_service.errors import PayloadTooLarge, RateLimited, ServiceError, Unavailable
from workflow_service.extensions import db
from workflow_service.problem_document import PROBLEM_MEDIA_TYPE, problem_document
from workflow_service.request_ids import current_request_id

MACHINE_PATH_PREFIXES = ("/api/", "/oauth/", "/healthz", "/readyz", "/metrics")


@dataclass(frozen=True)
class Problem:
    """What went wrong, before it is written for a machine or a person."""

    status: int
    title: str
    detail: str | None = None
    type_slug: str | None = None
    errors: Mapping[str, Any] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        """The problem+json answer, with the headers the status calls for and the request's id."""
        request_id = current_request_id()
        body = problem_document(
            self.status,
            self.title,
            self.detail,
            type_slug=self.type_slug,
            instance=request.path,
            errors=self.errors,
            extensions={**self.extensions, "request_id": request_id} if request_id else self.extensions,
        )
        response = Response(
            json.dumps(body, ensure_ascii=False), status=self.status, mimetype=PROBLEM_MEDIA_TYPE
        )
        response.headers.update(self.headers)
        return response


# The error page for people: given the problem and the exception it came from.
PageRenderer = Callable[[Problem, Exception], ResponseReturnValue]


def is_machine_path(path: str) -> bool:
    return path == "/api" or path.startswith(MACHINE_PATH_PREFIXES)


def retry_after_unavailable() -> str:
    """The Retry-After of every 503: when a client should try again."""
    return str(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])


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


def _service_problem(error: ServiceError) -> Problem:
    headers: dict[str, str] = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="workflow-service"'
    if isinstance(error, RateLimited) and error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unavailable):
        headers["Retry-After"] = retry_after_unavailable()
    return Problem(
        error.status, error.title, error.detail, error.type_slug, error.errors, error.extensions, headers
    )


def _http_problem(error: HTTPException) -> Problem:
    status = error.code or 500
    # webargs' abort keeps the field messages in ``data`` (flask-smorest's documented payload).
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 422 and messages:
        # webargs: {"json": {"field": ["msg"]}} → {"field": ["msg"]} (the location is implied)
        flat: dict[str, list[str]] = {}
        for location_messages in messages.values():
            flat.update(_flatten(location_messages) if isinstance(location_messages, Mapping) else {})
        return Problem(422, "输入有误", "请求内容不符合要求", "invalid-input", flat)
    if status == 413:
        # Werkzeug stops reading a body beyond MAX_CONTENT_LENGTH (or a form field beyond
        # MAX_FORM_MEMORY_SIZE) before any view runs.
        too_large = PayloadTooLarge("请求内容超过允许的大小")
        return Problem(413, too_large.title, too_large.detail, too_large.type_slug)
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = retry_after_unavailable()
    allow = error.get_response().headers.get("Allow") if status == 405 else None
    if allow:
        headers["Allow"] = allow
    return Problem(status, error.name, error.description, None, headers=headers)


def problem_for(error: Exception) -> Problem:
    """The problem an exception stands for; an unreachable database or a surprise is logged here."""
    if isinstance(error, ServiceError):
        return _service_problem(error)
    if isinstance(error, HTTPException):
        return _http_problem(error)
    if isinstance(error, OperationalError):
        current_app.logger.error("database unavailable: %s", error)
        return _service_problem(Unavailable("数据库暂不可用，请稍后重试"))
    log_unexpected(error)
    return Problem(500, ServiceError.title, "请求未能完成，已记录错误", ServiceError.type_slug)


def init_app(app: Flask, page: PageRenderer) -> None:
    """Register the handler; call after the API extension, whose own HTTPException handler it replaces."""

    def handle(error: Exception) -> ResponseReturnValue:
        db.session.rollback()  # nothing of a refused request is kept
        problem = problem_for(error)
        if is_machine_path(request.path):
            return problem.response()
        return page(problem, error)

    # Flask picks the handler of the nearest class in the exception's MRO: Exception covers ours,
    # SQLAlchemy's and anything unexpected; HTTPException is named to take over from flask-smorest's.
    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(Exception, handle)

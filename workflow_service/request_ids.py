"""Each request's id, log line and figures: the id a proxy sent (if well-formed) or a new one, bound
to every log event of the request, answered in ``X-Request-Id`` (and in problem+json errors, by
error_handling); one masked log line per request; its count and latency for /metrics."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from flask import Flask, Response, current_app, g, has_request_context, request

from workflow_service.instruments import REQUEST_SECONDS, REQUESTS
from workflow_service.structured_logs import get_logger

HEADER = "X-Request-Id"
# What a proxy's id may look like: letters, digits and ._:- (a UUID, a hex trace id, nginx's
# $request_id); anything else (too long, spaces, control characters) is replaced by our own.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The endpoint label of a request no route matched: one value, however many paths scanners try.
UNMATCHED = "<unmatched>"

log = get_logger("workflow_service.requests")


def current_request_id() -> str | None:
    """The id of the request being served, if there is one."""
    return g.get("request_id") if has_request_context() else None


def _start() -> None:
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if WELL_FORMED.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id)


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request that failed before _start ran
        _start()
        request_id = g.request_id
    response.headers[HEADER] = request_id
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    endpoint = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    REQUESTS.labels(method=request.method, endpoint=endpoint, status=str(response.status_code)).inc()
    REQUEST_SECONDS.labels(method=request.method, endpoint=endpoint).observe(seconds)
    fields: dict[str, object] = {
        "method": request.method,
        "path": request.path,  # never the query string: search boxes carry IDs and phones
        "endpoint": endpoint,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
    }
    if current_app.config["LOG_REQUEST_BODIES"] and request.is_json:
        fields["body"] = request.get_json(silent=True)
    log.info("request", **fields)
    return response


def _forget(_error: BaseException | None) -> None:
    structlog.contextvars.clear_contextvars()


def init_app(app: Flask) -> None:
    """Call before every other hook, so the id exists for whatever they log or refuse."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_forget)

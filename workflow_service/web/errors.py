"""Error pages for people: 404/403/409/500 as HTML in the pages' style, outside the machine paths.

The problem+json handlers (api.problems) are registered first; these wrap them and hand every
request on a machine path (the API, OAuth, probes, metrics) back to them unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from workflow_service.error_log import log_unexpected
from workflow_service.errors import ServiceError
from workflow_service.extensions import db

MACHINE_PATH_PREFIXES = ("/api/", "/oauth/", "/healthz", "/readyz", "/metrics")

Page = tuple[str, int] | tuple[str, int, dict[str, str]]
Handler = Callable[[Exception], Response | Page]


def is_machine_path(path: str) -> bool:
    return path == "/api" or path.startswith(MACHINE_PATH_PREFIXES)


def _titles() -> dict[int, str]:
    return {
        400: _("请求无效"),
        403: _("无权访问"),
        404: _("页面或办件不存在"),
        405: _("不支持此操作"),
        409: _("操作未完成：数据已变化"),
        422: _("输入有误"),
        500: _("系统出错了"),
        503: _("服务暂不可用"),
    }


def _page(status: int, detail: str | None) -> Page:
    db.session.rollback()
    title = _titles().get(status, _("出错了"))
    page = render_template("error.html", status=status, title=title, detail=detail)
    if status == 503:
        return page, status, {"Retry-After": str(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])}
    return page, status


def _for_people(error: Exception) -> Page:
    if isinstance(error, CSRFError):
        return _page(400, _("页面已过期（安全令牌失效），请返回刷新页面后重试。"))
    if isinstance(error, ServiceError):
        return _page(error.status, error.detail)
    if isinstance(error, HTTPException):
        return _page(error.code or 500, None)
    if isinstance(error, OperationalError):
        current_app.logger.error("database unavailable: %s", error)
        return _page(503, _("数据库暂不可用，请稍后重试。"))
    log_unexpected(error)
    return _page(500, _("请求未能完成，错误已记录。请稍后重试，或联系管理员。"))


def _wrap(app: Flask, exception_class: type[Exception]) -> None:
    previous = cast(Handler | None, app.error_handler_spec[None][None].get(exception_class))

    def handle(error: Exception) -> Response | Page:
        if previous is not None and is_machine_path(request.path):
            return previous(error)
        return _for_people(error)

    app.register_error_handler(exception_class, handle)


def init_app(app: Flask) -> None:
    """Register after ``api.problems.init_app`` so the machine paths keep their problem+json."""
    for exception_class in (ServiceError, HTTPException, OperationalError, Exception):
        _wrap(app, exception_class)

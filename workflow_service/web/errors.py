"""The error page for people: 404/403/409/500 … as HTML in the pages' style.

``error_handling`` turns every exception into a problem and hands the ones outside the machine
paths here; the page says what happened in the reader's language.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from workflow_service.error_handling import Problem
from workflow_service.errors import ServiceError

Page = tuple[str, int] | tuple[str, int, dict[str, str]] | Response


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


def _detail(error: Exception) -> str | None:
    """Our errors say why in their detail; Werkzeug's English descriptions are not shown."""
    if isinstance(error, CSRFError):
        return _("页面已过期（安全令牌失效），请返回刷新页面后重试。")
    if isinstance(error, ServiceError):
        return error.detail
    if isinstance(error, HTTPException):
        return None
    if isinstance(error, OperationalError):
        return _("数据库暂不可用，请稍后重试。")
    return _("请求未能完成，错误已记录。请稍后重试，或联系管理员。")


def error_page(problem: Problem, error: Exception) -> Page:
    """The page for ``problem``; a 503 says when to come back, as the API's does. A page's script that
    asks for JSON (the modeler's save, validate, deploy; the forms editor's preview and save) is
    answered with the problem document."""
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return problem.response()
    title = _titles().get(problem.status, _("出错了"))
    page = render_template("error.html", status=problem.status, title=title, detail=_detail(error))
    if problem.status == 503:
        return (
            page,
            problem.status,
            {"Retry-After": str(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"])},
        )
    return page, problem.status

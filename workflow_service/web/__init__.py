"""Server-rendered pages for window clerks and approvers (Jinja + htmx), on the same services as the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user

from workflow_service.extensions import babel, csrf, login_manager
from workflow_service.models import AuditEvent, CaseStatus
from workflow_service.services.clock import BUSINESS_TIMEZONE, business_day
from workflow_service.services.process.case_status import STATUS_LABELS, case_status_label
from workflow_service.services.seed.demo_mode import demo_accounts_active
from workflow_service.services.work import inbox
from workflow_service.web import (
    admin,
    admin_calendar,
    admin_clients,
    admin_organisations,
    admin_users,
    admin_webhooks,
    audit,
    cases,
    catalogue_pages,
    form_editor,
    materials,
    process_drafts,
    processes,
    session,
    supervision,
    time_limits,
    tracking,
    window,
    work,
)
from workflow_service.web.form_values import inline, readable
from workflow_service.web.labels import department_type_label, organisation_type_label


def mask_id(number: str | None) -> str:
    """A resident ID or credit code as lists show it: the first 3 and last 4 characters."""
    if not number:
        return ""
    if len(number) <= 7:
        return number
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def count_label(count: int) -> str:
    """An inbox figure as the header shows it: counting stops past ``COUNT_CAP`` ("999+")."""
    return f"{inbox.COUNT_CAP}+" if count > inbox.COUNT_CAP else str(count)


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as Beijing time, as staff read clocks."""
    return moment.astimezone(BUSINESS_TIMEZONE).strftime(pattern) if moment else ""


def status_label(status: CaseStatus | str | None, result_label: str | None = None) -> str:
    """A status's label; with the outcome a case's process declared, 办结 reads as it (办结-已处置)."""
    if status is None:
        return ""
    return case_status_label(CaseStatus(status), result_label)


def _actions() -> dict[str, str]:
    return {
        "case.started": _("登记申请"),
        "case.status_changed": _("状态变更"),
        "case.ended": _("办结"),
        "case.incident": _("流程异常"),
        "task.claimed": _("签收任务"),
        "task.unclaimed": _("退回任务"),
        "task.completed": _("完成环节"),
        "task.reassigned": _("改派任务"),
        "task.released": _("任务退回待签收"),
        "task.deadline_warning": _("到期预警"),
        "case.duplicate_confirmed": _("确认非重复申请"),
        "case.supplement_requested": _("一次性告知补正"),
        "case.supplement_received": _("收到补正材料"),
        "case.supplement_overdue": _("补正期限已过"),
        "case.materials_deferred": _("容缺受理"),
        "case.deferred_material_received": _("收到容缺材料"),
        "case.suspended": _("中止计时"),
        "case.resumed": _("恢复计时"),
        "case.extension_requested": _("申请延期"),
        "case.extended": _("批准延期"),
        "case.extension_refused": _("不予批准延期"),
        "case.withdrawn": _("撤回"),
        "case.archived": _("归档"),
        "case.delivered": _("送达"),
        "case.result_recorded": _("记录办理结果"),
        "case.due_date_recomputed": _("重算办结期限"),
        "case.query_password_reissued": _("重设查询密码"),
        "case.returned": _("退件"),
        "case.voided": _("作废"),
        "case.evaluated": _("评价"),
        "licence.issued": _("签发电子证照"),
        "rectification.opened": _("差评整改立项"),
        "evaluation.rectified": _("差评整改完成"),
        "supervision.issued": _("发出督办"),
        "supervision.replied": _("回复督办"),
        "supervision.late": _("督办逾期未回复"),
        "job.retried": _("后台任务重试"),
        "attachment.uploaded": _("上传材料"),
        "timer.fired": _("定时事件触发"),
        "case.clock_paused": _("公示等期间开始，暂停计时"),
        "case.clock_resumed": _("公示等期间届满，恢复计时"),
        "job.failed": _("后台任务失败"),
        "read.case": _("查阅办件"),
        "read.attachment": _("查阅材料"),
        "read.audit_export": _("导出审计记录"),
        "webhook.redelivered": _("重新投递 webhook"),
        "webhook.skipped": _("跳过 webhook 死信"),
    }


def action_label(event: AuditEvent) -> str:
    """One line of the case's timeline: what happened, with the detail a reader needs."""
    label = _actions().get(event.action, event.action)
    summary = event.summary or {}
    if event.action == "case.status_changed":
        before = status_label(summary.get("from")) or _("（开始）")
        return f"{label}：{before} → {status_label(summary.get('to'))}"
    if event.action == "task.completed" and summary.get("task"):
        return f"{label}：{summary['task']}"
    if event.action == "task.reassigned" and summary.get("task"):
        return f"{label}：{summary['task']}（{summary.get('reason', '')}）"
    if event.action in ("timer.fired", "case.clock_paused", "case.clock_resumed") and summary.get("timer"):
        return f"{label}：{summary['timer']}"
    if event.action == "licence.issued" and summary.get("name"):
        return f"{label}：{summary['name']}（{summary.get('number', '')}）"
    if event.action in ("case.extension_requested", "case.extended") and summary.get("days"):
        return f"{label}：{_('%(n)s 个工作日', n=summary['days'])}"
    if event.action == "case.started" and summary.get("number"):
        return f"{label}：{summary['number']}"
    return label


def _header() -> dict[str, Any]:
    """The header on every page: who is logged in, for which organisation, and their inbox counts."""
    values: dict[str, Any] = {
        "locale": str(get_locale() or "zh_CN"),
        "languages": session.LANGUAGES,
        "today": business_day(),
        "demo_accounts_active": demo_accounts_active(),
    }
    if current_user.is_authenticated:
        user = session.staff()
        values["me"] = user
        values["inbox_counts"] = inbox.inbox_counts(user, work.seen_since())
    return values


def init_app(app: Flask) -> None:
    """Bind session login, CSRF and translations, register the pages and their error pages."""
    login_manager.init_app(app)
    login_manager.login_view = "session.login"
    login_manager.login_message = lazy_gettext("请先登录")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=session.select_locale)
    app.permanent_session_lifetime = app.config["WEB_SESSION_LIFETIME_SECONDS"]
    app.jinja_env.filters.update(
        mask_id=mask_id,
        local_time=local_time,
        status_label=status_label,
        count_label=count_label,
        department_type_label=department_type_label,
        inline=inline,
    )
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        readable=readable,
        organisation_type_label=organisation_type_label,
        action_label=action_label,
    )
    app.context_processor(_header)
    for blueprint in (
        session.blp,
        window.blp,
        work.blp,
        cases.blp,
        materials.blp,
        time_limits.blp,
        tracking.blp,
        audit.blp,
        processes.blp,
        catalogue_pages.blp,
        form_editor.blp,
        process_drafts.blp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(supervision.blp)
    for blueprint in (
        admin.blp,
        admin_organisations.blp,
        admin_users.blp,
        admin_calendar.blp,
        admin_clients.blp,
        admin_webhooks.blp,
    ):
        app.register_blueprint(blueprint)

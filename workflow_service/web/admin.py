"""Administration pages, the shared parts: the admin guard, role and kind labels, the audit lines.

Organisations are in ``admin_organisations``, accounts in ``admin_users``, the working-day calendar
in ``admin_calendar``; every change goes through the same service functions as ``/api/v1/admin``,
which check the rules and audit it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from flask import Blueprint, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.models import AuditEvent, Organisation, OrganisationKind, Region, RegionLevel, Role
from workflow_service.services.clock import BUSINESS_TIMEZONE
from workflow_service.services.directory import delegations
from workflow_service.services.directory.permissions import require_admin
from workflow_service.web.session import page_blueprint, staff


def role_labels() -> dict[str, str]:
    return {
        Role.CLERK: _("窗口人员"),
        Role.APPROVER: _("审批人员"),
        Role.COOPERATOR: _("配合人员"),
        Role.SUPERVISOR: _("督办人员"),
        Role.ANALYST: _("流程管理员"),
        Role.ADMIN: _("系统管理员"),
        Role.HEAD: _("机关负责人"),
    }


def kind_labels() -> dict[str, str]:
    return {
        OrganisationKind.SERVICE_CENTRE: _("便民服务中心"),
        OrganisationKind.OFFICE: _("乡镇办公室"),
        OrganisationKind.DEPARTMENT: _("县级部门"),
        OrganisationKind.STATION: _("派驻机构"),
    }


def _roles_text(roles: Sequence[str] | None) -> str:
    labels = role_labels()
    return "、".join(labels.get(role, role) for role in roles or []) or "—"


def _value_text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def _day_kind(working: object) -> str:
    return _("工作日") if working else _("休息日")


def _counts(summary: dict[str, Any]) -> str:
    parts = []
    if summary.get("tokens_revoked"):
        parts.append(_("作废 API 令牌 %(n)s 个", n=summary["tokens_revoked"]))
    if summary.get("tasks_released"):
        parts.append(_("退回待签收任务 %(n)s 件", n=summary["tasks_released"]))
    if summary.get("delegations_ended"):
        parts.append(_("终止委托 %(n)s 项", n=summary["delegations_ended"]))
    return "（" + "，".join(parts) + "）" if parts else ""


def _event_labels() -> dict[str, str]:
    return {
        "user.created": _("创建账户"),
        "user.renamed": _("修改姓名"),
        "user.organisation_changed": _("调整所属机构"),
        "user.roles_changed": _("调整角色"),
        "user.password_reset": _("重置密码"),
        "user.password_changed": _("本人修改密码"),
        "user.password_change_failed": _("修改密码时当前密码错误"),
        "user.locked": _("连续登录失败，账户锁定"),
        "user.unlocked": _("解除锁定"),
        "user.disabled": _("停用账户"),
        "user.enabled": _("启用账户"),
        "auth.login_failed": _("登录失败"),
        "auth.session_started": _("登录"),
        "delegation.created": _("设置委托"),
        "delegation.revoked": _("结束委托"),
        "delegation.ended": _("委托终止"),
        "task.released": _("任务退回待签收"),
        "organisation.created": _("创建机构"),
        "organisation.updated": _("修改机构"),
        "calendar.day_set": _("设置日期"),
        "calendar.day_cleared": _("删除日期安排"),
        "calendar.year_entered": _("录入全年节假日安排"),
    }


def _login_refusals() -> dict[str, str]:
    return {
        "wrong_password": _("密码错误"),
        "unknown_user": _("用户不存在"),
        "disabled": _("账户已停用"),
        "blocked": _("该地址已被锁定"),
    }


def delegation_end_reasons() -> dict[str, str]:
    """Why the system ended a delegation early, in the page's language."""
    return {delegations.ENDED_BY_DISABLING: _("账户停用"), delegations.ENDED_BY_MOVING: _("调离原机构")}


def _locked_until(summary: dict[str, Any]) -> str:
    """When a lockout was due to lapse, for the admin's audit lines only (never shown at the login)."""
    if not summary.get("locked_until"):
        return ""
    until = datetime.fromisoformat(summary["locked_until"]).astimezone(BUSINESS_TIMEZONE)
    return "，" + _("锁定至 %(time)s", time=until.strftime("%Y-%m-%d %H:%M"))


def _change(before: object, after: object) -> str:
    return f"{before} → {after}"


def _user_detail(action: str, summary: dict[str, Any]) -> str:
    if action == "user.created":
        after = summary.get("after", {})
        parts = [after.get("full_name"), after.get("organisation"), _roles_text(after.get("roles"))]
        return f" {summary.get('username')}：" + "，".join(map(str, parts))
    if action == "user.roles_changed":
        return (
            "："
            + _change(_roles_text(summary.get("before")), _roles_text(summary.get("after")))
            + _counts(summary)
        )
    if action in ("user.renamed", "user.organisation_changed"):
        return "：" + _change(summary.get("before"), summary.get("after")) + _counts(summary)
    if action == "user.locked":
        where = _("来自 %(address)s，", address=summary.get("client_address", "?"))
        failures = _("连续失败 %(n)s 次", n=summary.get("failed_count", 0))
        return "（" + where + failures + "）" + _locked_until(summary)
    if action == "user.unlocked":
        return "（" + _("%(n)s 个地址", n=summary.get("addresses", 0)) + "）"
    unlocked = _("，同时解除锁定") if summary.get("unlocked") else ""
    return unlocked + _counts(summary)


def _other_detail(action: str, summary: dict[str, Any]) -> str:
    if action == "auth.login_failed":
        reason = summary.get("reason", "")
        return "：" + _login_refusals().get(reason, reason) + _locked_until(summary)
    if action.startswith("delegation."):
        text = "：" + _change(summary.get("delegator"), summary.get("delegate"))
        if action == "delegation.created":
            period = f"{str(summary.get('starts_at'))[:16]} ~ {str(summary.get('ends_at'))[:16]}"
            text += f"，{period}（{summary.get('reason')}）"
        if action == "delegation.ended":
            reason = summary.get("reason", "")
            text += f"（{delegation_end_reasons().get(reason, reason)}）"
        return text
    if action == "task.released":
        return f"：{summary.get('task')}（{summary.get('from')}）"
    if action == "organisation.created":
        return f" {summary.get('code')}：{summary.get('after', {}).get('name')}"
    if action == "organisation.updated":
        before, labels = summary.get("before", {}), organisation_field_labels()
        return "：" + "；".join(
            f"{labels.get(name, name)} " + _change(_value_text(before.get(name)), _value_text(value))
            for name, value in summary.get("after", {}).items()
        )
    if action in ("calendar.day_set", "calendar.day_cleared"):
        change = _change(_day_kind(summary.get("before")), _day_kind(summary.get("after")))
        text = f" {summary.get('day')}：{change}（{summary.get('name')}）"
        return text + (f"，{_('原因')}：{summary['reason']}" if summary.get("reason") else "")
    if action == "calendar.year_entered":
        return f" {summary.get('year')}：{summary.get('source')}"
    return ""


def event_text(event: AuditEvent) -> str:
    """One line of an admin page's audit list: what happened, with the detail an admin checks."""
    summary = event.summary or {}
    label = _event_labels().get(event.action, event.action)
    if event.action.startswith("user."):
        return label + _user_detail(event.action, summary)
    return label + _other_detail(event.action, summary)


def organisation_field_labels() -> dict[str, str]:
    return {
        "code": _("机构编码"),
        "name": _("机构名称"),
        "kind": _("机构类型"),
        "region": _("所在区划"),
        "department_type": _("部门类型"),
        "office_type": _("办公室类型"),
        "parent": _("上级部门"),
        "covered_townships": _("覆盖乡镇（街道）"),
        "active": _("启用"),
    }


def _require_admin() -> None:
    """403 page for every other role (DESIGN §6: signed in, but the role may not)."""
    require_admin(staff())


def _admin_globals() -> dict[str, Callable[..., Any] | dict[str, str]]:
    return {"role_labels": role_labels(), "kind_labels": kind_labels(), "event_text": event_text}


def admin_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of admin pages: a session, a CSRF token on every form, and the admin role."""
    blueprint = page_blueprint(name, import_name)
    blueprint.before_request(_require_admin)
    blueprint.context_processor(_admin_globals)
    return blueprint


blp = admin_blueprint("admin_pages", __name__)


@blp.get("/admin")
def home() -> Response:
    return redirect(url_for("admin_users.users"))


def county_of_organisation(organisation: Organisation) -> Region:
    region = organisation.region
    return region.parent if region.level == RegionLevel.TOWNSHIP and region.parent else region


def organisation_groups(found: Sequence[Organisation]) -> list[tuple[str, list[Organisation]]]:
    """Organisations for a pick list, grouped by county (``<optgroup>``), in code order."""
    groups: dict[str, list[Organisation]] = {}
    for organisation in sorted(found, key=lambda organisation: organisation.code):
        groups.setdefault(county_of_organisation(organisation).name, []).append(organisation)
    return list(groups.items())

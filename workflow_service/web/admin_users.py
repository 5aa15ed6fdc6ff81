"""Account pages: the list with filters, create, edit, disable, reset a password, unlock, delegations.

services.directory.accounts and services.directory.delegations check every rule and audit every change,
as for the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import AlreadyExists, Conflict, InvalidInput
from workflow_service.models import Organisation, User
from workflow_service.services.clock import BUSINESS_TIMEZONE, now
from workflow_service.services.directory import accounts, delegations, login_protection, organisations
from workflow_service.services.directory.delegations import DELEGABLE_ROLES, DelegationStatus
from workflow_service.services.supervision import audit_trail
from workflow_service.web.admin import admin_blueprint, delegation_end_reasons, organisation_groups
from workflow_service.web.session import staff

blp = admin_blueprint("admin_users", __name__)

PAGE_SIZE = 100
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


@blp.context_processor
def _account_state() -> dict[str, Any]:
    """``locked_until(user)`` for the state badge, the blocked addresses and failures for the facts."""
    return {
        "locked_until": login_protection.locked_until,
        "blocked_origins": login_protection.blocked_origins,
        "recent_failures": login_protection.recent_failures,
    }


def delegation_labels() -> dict[str, str]:
    return {
        DelegationStatus.SCHEDULED: _("未开始"),
        DelegationStatus.ACTIVE: _("生效中"),
        DelegationStatus.ENDED: _("已到期"),
        DelegationStatus.REVOKED: _("已撤销"),
    }


@blp.get("/admin/users")
def users() -> tuple[str, int]:
    """Accounts by username, filtered by organisation, role, state and text; a page of 100 at a time."""
    filters = {key: request.args.get(key, "").strip() for key in ("organisation", "role", "active", "q")}
    offset = int(request.args["offset"]) if request.args.get("offset", "").isdigit() else 0
    errors: dict[str, Any] = {}
    try:
        found = accounts.list_users(
            staff(),
            filters["organisation"] or None,
            PAGE_SIZE + 1,
            offset,
            role=filters["role"] or None,
            active={"1": True, "0": False}.get(filters["active"]),
            text=filters["q"] or None,
        )
    except InvalidInput as error:
        found, errors = [], error.errors
    return render_template(
        "admin/users.html",
        users=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        offset=offset,
        page_size=PAGE_SIZE,
        filters=filters,
        errors=errors,
        organisation_groups=organisation_groups(organisations.list_organisations(staff())),
    ), 422 if errors else 200


def _active_organisations() -> list[tuple[str, list[Organisation]]]:
    return organisation_groups([o for o in organisations.list_organisations(staff()) if o.active])


def _new_user_page(form: dict[str, Any], errors: dict[str, Any], status: int = 200) -> tuple[str, int]:
    return render_template(
        "admin/user_new.html", form=form, errors=errors, organisation_groups=_active_organisations()
    ), status


@blp.route("/admin/users/new", methods=["GET", "POST"])
def new_user() -> Response | tuple[str, int]:
    """A new account with an initial password, which its owner must change at the first login."""
    if request.method == "GET":
        return _new_user_page({"organisation": request.args.get("organisation", ""), "roles": []}, {})
    form: dict[str, Any] = {
        key: request.form.get(key, "").strip() for key in ("username", "full_name", "organisation")
    }
    form["roles"] = request.form.getlist("roles")
    try:
        created = accounts.create_user(
            staff(),
            username=form["username"],
            full_name=form["full_name"],
            organisation_code=form["organisation"],
            roles=form["roles"],
            password=request.form.get("password", ""),
            must_change_password=True,
        )
    except InvalidInput as error:
        return _new_user_page(form, error.errors, 422)
    except AlreadyExists as error:
        return _new_user_page(form, {"username": [error.detail]}, 409)
    flash(_("账户 %(username)s 已创建：首次登录须修改初始密码。", username=created.username), "ok")
    return redirect(url_for("admin_users.user_page", username=created.username))


def _as_form(user: User) -> dict[str, Any]:
    return {"full_name": user.full_name, "organisation": user.organisation.code, "roles": list(user.roles)}


def _delegation_defaults() -> dict[str, str]:
    start = now().astimezone(BUSINESS_TIMEZONE).replace(second=0, microsecond=0)
    return {
        "delegate": "",
        "starts_at": start.strftime(LOCAL_MINUTE),
        "ends_at": (start + timedelta(days=7)).strftime(LOCAL_MINUTE),
        "reason": "",
    }


def _user_page(username: str, status: int = 200, **values: Any) -> tuple[str, int]:
    """The account: its state, the edit form, the actions, its delegations and its audit events."""
    user = accounts.get_user(staff(), username)
    colleagues = accounts.list_users(staff(), user.organisation.code, active=True)
    return render_template(
        "admin/user.html",
        user=user,
        form=values.pop("form", None) or _as_form(user),
        errors=values.pop("errors", {}),
        delegation_form=values.pop("delegation_form", None) or _delegation_defaults(),
        delegation_errors=values.pop("delegation_errors", {}),
        delegations=delegations.my_delegations(user),
        delegation_status=delegations.status_of,
        delegation_labels=delegation_labels(),
        delegation_end_reasons=delegation_end_reasons(),
        delegable=any(user.has_role(role) for role in DELEGABLE_ROLES),
        colleagues=[colleague for colleague in colleagues if colleague.id != user.id],
        events=audit_trail.about_user(staff(), username),
        organisation_groups=_active_organisations(),
        **values,
    ), status


@blp.route("/admin/users/<username>", methods=["GET", "POST"])
def user_page(username: str) -> Response | tuple[str, int]:
    if request.method == "GET":
        return _user_page(username)
    form: dict[str, Any] = {key: request.form.get(key, "").strip() for key in ("full_name", "organisation")}
    form["roles"] = request.form.getlist("roles")
    try:
        accounts.update_user(staff(), username, form)
    except InvalidInput as error:
        return _user_page(username, 422, form=form, errors=error.errors)
    flash(_("已保存。"), "ok")
    return redirect(url_for("admin_users.user_page", username=username))


@blp.post("/admin/users/<username>/disable")
def disable(username: str) -> Response:
    """A leaver: logins and tokens stop at once, claimed open tasks go back to the organisation's pool,
    delegations to and from them end (listed on the page as 已终止（账户停用）)."""
    result = accounts.disable_user(staff(), username)
    message = _(
        "已停用 %(name)s：网页登录和 API 令牌立即失效，%(n)s 个已签收的任务已退回本机构待签收。",
        name=result.user.full_name,
        n=result.tasks_released,
    )
    if result.delegations_ended:
        message += _("%(n)s 项委托已终止，见“委托办理”。", n=result.delegations_ended)
    flash(message, "ok")
    return redirect(url_for("admin_users.user_page", username=username))


@blp.post("/admin/users/<username>/enable")
def enable(username: str) -> Response | tuple[str, int]:
    """Re-enable; refused (409, said at the top of the page) while the account's organisation is inactive."""
    try:
        accounts.enable_user(staff(), username)
    except Conflict as error:
        return _user_page(username, error.status, problem=error.detail)
    flash(_("账户已重新启用。"), "ok")
    return redirect(url_for("admin_users.user_page", username=username))


@blp.post("/admin/users/<username>/unlock")
def unlock(username: str) -> Response:
    accounts.unlock_user(staff(), username)
    flash(_("已解除锁定，可以重新登录。"), "ok")
    return redirect(url_for("admin_users.user_page", username=username))


@blp.post("/admin/users/<username>/reset-password")
def reset_password(username: str) -> Response:
    """Show the one-time password on this answer only (never stored, never in a redirect or the session)."""
    reset = accounts.reset_password(staff(), username)
    body, status = _user_page(username, temporary_password=reset.temporary_password)
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _moment(value: str, field: str, errors: dict[str, list[str]]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors[field] = [_("请填写日期和时间")]
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=BUSINESS_TIMEZONE)


@blp.post("/admin/users/<username>/delegations")
def create_delegation(username: str) -> Response | tuple[str, int]:
    """Delegate the user's claimed tasks to a colleague for a period (for someone who is away)."""
    user = accounts.get_user(staff(), username)
    form = {key: request.form.get(key, "").strip() for key in ("delegate", "starts_at", "ends_at", "reason")}
    errors: dict[str, list[str]] = {}
    starts_at = _moment(form["starts_at"], "starts_at", errors)
    ends_at = _moment(form["ends_at"], "ends_at", errors)
    try:
        if starts_at is None or ends_at is None:
            raise InvalidInput(errors=errors)
        delegations.create_delegation(
            staff(), form["delegate"], starts_at, ends_at, form["reason"], delegator=user
        )
    except InvalidInput as error:
        return _user_page(username, 422, delegation_form=form, delegation_errors=error.errors)
    flash(_("委托已设置。"), "ok")
    return redirect(url_for("admin_users.user_page", username=username, _anchor="delegations"))


@blp.post("/admin/users/<username>/delegations/<int:delegation_id>/end")
def end_delegation(username: str, delegation_id: int) -> Response:
    delegations.revoke_delegation(staff(), delegation_id)
    flash(_("委托已结束。"), "ok")
    return redirect(url_for("admin_users.user_page", username=username, _anchor="delegations"))

"""API client pages: the list of portals and line systems, register one, change its scopes, disable, enable,
rotate its secret.

services.portal.clients checks every rule and audits every change, as for the API. A secret is shown
on the answer to the creation or rotation only (``no-store``), never in a redirect or the session.
"""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import AlreadyExists, InvalidInput
from workflow_service.services.portal import clients
from workflow_service.web.admin import admin_blueprint
from workflow_service.web.session import staff

blp = admin_blueprint("admin_clients", __name__)


def scope_labels() -> dict[str, str]:
    return {
        "services:read": _("读取事项目录"),
        "applications:write": _("提交网上申请"),
        "applications:read": _("查询申请"),
        "events:write": _("上报基层治理事件"),
        "webhooks:manage": _("管理回调订阅"),
        "applications:read-all": _("查询可申报区划内所有网上申请"),
    }


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    values.setdefault("form", {"name": "", "scopes": [], "regions": ""})
    values.setdefault("errors", {})
    values.setdefault("scope_errors", {})
    return render_template(
        "admin/clients.html", clients=clients.list_clients(staff()), scope_labels=scope_labels(), **values
    ), status


def _with_secret(issued: clients.ClientSecret) -> Response:
    body, status = _page(issued=issued)
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/admin/clients")
def clients_page() -> tuple[str, int]:
    return _page()


@blp.post("/admin/clients")
def create() -> Response | tuple[str, int]:
    """Register a client; its secret is on this answer only."""
    name, scopes = request.form.get("name", "").strip(), request.form.getlist("scopes")
    region_text = request.form.get("regions", "")
    form: dict[str, Any] = {"name": name, "scopes": scopes, "regions": region_text}
    regions = [code.strip() for code in region_text.replace("，", ",").split(",") if code.strip()]
    try:
        issued = clients.create_client(staff(), name, scopes, regions)
    except InvalidInput as error:
        return _page(422, form=form, errors=error.errors)
    except AlreadyExists as error:
        return _page(409, form=form, errors={"name": [error.detail]})
    return _with_secret(issued)


@blp.post("/admin/clients/<client_id>/disable")
def disable(client_id: str) -> Response:
    client = clients.disable_client(staff(), client_id)
    flash(_("已停用 %(name)s：其访问令牌立即失效。", name=client.name), "ok")
    return redirect(url_for("admin_clients.clients_page"))


@blp.post("/admin/clients/<client_id>/enable")
def enable(client_id: str) -> Response:
    client = clients.enable_client(staff(), client_id)
    flash(_("已重新启用 %(name)s。", name=client.name), "ok")
    return redirect(url_for("admin_clients.clients_page"))


@blp.post("/admin/clients/<client_id>/scopes")
def change_scopes(client_id: str) -> Response | tuple[str, int]:
    """Grant the client the ticked scopes instead of its own."""
    try:
        client = clients.set_scopes(staff(), client_id, request.form.getlist("scopes"))
    except InvalidInput as error:
        return _page(422, scope_errors={client_id: error.errors.get("scopes", [error.detail])})
    flash(_("已更新 %(name)s 的授权范围：新授予的范围在其下次申请令牌时生效。", name=client.name), "ok")
    return redirect(url_for("admin_clients.clients_page"))


@blp.post("/admin/clients/<client_id>/rotate-secret")
def rotate(client_id: str) -> Response:
    """A new secret, on this answer only; the old one and the client's tokens stop working."""
    return _with_secret(clients.rotate_secret(staff(), client_id))

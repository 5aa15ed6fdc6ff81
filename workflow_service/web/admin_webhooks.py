"""The dead webhook deliveries page: what gave up and holds back its case's later events, with redeliver
and skip buttons (the same services as /api/v1/admin/webhook-deliveries, which audit each)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from workflow_service.errors import Conflict
from workflow_service.models import DeliveryState
from workflow_service.services.portal import webhook_delivery
from workflow_service.web.admin import admin_blueprint
from workflow_service.web.session import staff

blp = admin_blueprint("admin_webhook_pages", __name__)


@blp.get("/admin/webhooks")
def dead_deliveries() -> str:
    return render_template(
        "admin/webhooks.html", deliveries=webhook_delivery.list_deliveries(staff(), DeliveryState.DEAD)
    )


@blp.post("/admin/webhooks/<int:delivery_id>/redeliver")
def redeliver(delivery_id: int) -> Response:
    try:
        delivery = webhook_delivery.redeliver(staff(), delivery_id)
    except Conflict as error:
        flash(error.detail, "error")
    else:
        flash(_("投递 %(id)s 将在后台任务下一轮重新发送。", id=delivery.id), "ok")
    return redirect(url_for("admin_webhook_pages.dead_deliveries"))


@blp.post("/admin/webhooks/<int:delivery_id>/skip")
def skip(delivery_id: int) -> Response:
    try:
        delivery = webhook_delivery.skip(staff(), delivery_id)
    except Conflict as error:
        flash(error.detail, "error")
    else:
        flash(_("已跳过投递 %(id)s：该办件后续的事件继续发送。", id=delivery.id), "ok")
    return redirect(url_for("admin_webhook_pages.dead_deliveries"))

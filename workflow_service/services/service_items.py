"""Read the catalogue of service items and the form each one starts with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflow_service.errors import NotFound
from workflow_service.extensions import db
from workflow_service.models import ServiceItem
from workflow_service.services.deployment import latest_definition


@dataclass(frozen=True)
class ServiceItemView:
    item: ServiceItem
    process_key: str
    process_version: int
    application_form: dict | None


def list_service_items() -> list[ServiceItem]:
    return list(db.session.execute(select(ServiceItem).order_by(ServiceItem.code)).scalars())


def service_item_view(code: str) -> ServiceItemView:
    item = db.session.execute(select(ServiceItem).where(ServiceItem.code == code)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"没有编码为 {code} 的事项")
    definition = latest_definition(item.process_key)
    form = definition.forms.get(definition.start_form_key) if definition.start_form_key else None
    return ServiceItemView(item, definition.key, definition.version, form)

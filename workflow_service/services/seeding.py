"""Load the demo data under ``catalog/``: directory, service items, responsibility list; idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import AcceptanceMode, ServiceItem
from workflow_service.services.directory_import import ImportReport, directory_rows, import_directory
from workflow_service.services.responsibilities import import_responsibilities, responsibility_rows


@dataclass(frozen=True)
class SeedSummary:
    directory: ImportReport
    service_items: int
    responsibilities: int


def load_service_items(path: Path) -> int:
    """Create or update the service items of a catalogue file."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["service_items"]
    for item in items:
        values = {**item, "acceptance_mode": AcceptanceMode(item["acceptance_mode"])}
        existing = db.session.execute(
            select(ServiceItem).where(ServiceItem.code == item["code"])
        ).scalar_one_or_none()
        if existing is None:
            db.session.add(ServiceItem(**values))
        else:
            for name, value in values.items():
                setattr(existing, name, value)
    db.session.commit()
    return len(items)


def seed_demo(catalog: Path, demo_password: str) -> SeedSummary:
    """Everything a demo needs but the processes (deployed separately from bpmn/)."""
    directory = import_directory(
        directory_rows(catalog / "directory.yaml"), default_password=demo_password, source="directory.yaml"
    )
    service_items = load_service_items(catalog / "service_items.yaml")
    created, updated = import_responsibilities(
        responsibility_rows(catalog / "responsibilities.yaml"), source="responsibilities.yaml"
    )
    return SeedSummary(directory, service_items, created + updated)

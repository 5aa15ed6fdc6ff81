"""Load the demo data under ``catalog/``: directory, service items, responsibility list; idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workflow_service.services.catalogue import catalogue_rows, load_catalogue
from workflow_service.services.directory_import import ImportReport, directory_rows, import_directory
from workflow_service.services.responsibilities import import_responsibilities, responsibility_rows


@dataclass(frozen=True)
class SeedSummary:
    directory: ImportReport
    service_items: int
    responsibilities: int


def seed_demo(catalog: Path, demo_password: str) -> SeedSummary:
    """Everything a demo needs but the processes (deployed separately from bpmn/)."""
    directory = import_directory(
        directory_rows(catalog / "directory.yaml"), default_password=demo_password, source="directory.yaml"
    )
    catalogue = load_catalogue(catalogue_rows(catalog / "service_items.yaml"), source="service_items.yaml")
    created, updated = import_responsibilities(
        responsibility_rows(catalog / "responsibilities.yaml"), source="responsibilities.yaml"
    )
    return SeedSummary(directory, sum(catalogue), created + updated)

"""Load the demo data under ``catalog/``: directory, service items, responsibility list; idempotent.

The demo users of ``catalog/directory.yaml`` are created only when asked for (a demo password given):
they share one known password, so they are marked ``demo_account`` and every page warns while one is
active (services.seed.demo_mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workflow_service.services.catalogue.service_items import catalogue_rows, load_catalogue
from workflow_service.services.directory.directory_import import (
    ImportReport,
    directory_rows,
    import_directory,
)
from workflow_service.services.directory.responsibilities import import_responsibilities, responsibility_rows

# Follows the service's own password policy (letters and digits, 8 or more characters).
DEMO_PASSWORD = "demo2026"  # noqa: S105 - the published password of the demo accounts


@dataclass(frozen=True)
class SeedSummary:
    directory: ImportReport
    service_items: int
    responsibilities: int


def seed_demo(catalog: Path, demo_password: str | None) -> SeedSummary:
    """Everything a demo needs but the processes (deployed separately from bpmn/); the directory's
    users only with a ``demo_password``, as demo accounts."""
    rows = directory_rows(catalog / "directory.yaml")
    if demo_password is None:
        rows = [row for row in rows if row.section != "users"]
    directory = import_directory(
        rows, default_password=demo_password, source="directory.yaml", demo_accounts=demo_password is not None
    )
    catalogue = load_catalogue(catalogue_rows(catalog / "service_items.yaml"), source="service_items.yaml")
    created, updated = import_responsibilities(
        responsibility_rows(catalog / "responsibilities.yaml"), source="responsibilities.yaml"
    )
    return SeedSummary(directory, sum(catalogue), created + updated)

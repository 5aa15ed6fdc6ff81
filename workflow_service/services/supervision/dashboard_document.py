"""The dashboard's figures as plain JSON values: one shape for the API's answer and the page's script."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from workflow_service.models import Organisation, Region, ServiceItem
from workflow_service.services.supervision.dashboard import Count, Dashboard, DueCase


def _ref(found: Organisation | ServiceItem | None) -> dict[str, str] | None:
    return {"code": found.code, "name": found.name} if found is not None else None


def _township(region: Region) -> dict[str, Any]:
    function_type = str(region.function_type) if region.function_type else None
    return {"code": region.code, "name": region.name, "function_type": function_type}


def _due(row: DueCase) -> dict[str, Any]:
    case = row.case
    return {
        "number": case.number,
        "service": _ref(case.service_item),
        "township": _township(case.matter_region),
        "department": _ref(case.competent_organisation),
        "status": str(case.status),
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "due_state": str(row.due_state),
    }


def _counts(rows: list[Count]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]


def dashboard_document(figures: Dashboard) -> dict[str, Any]:
    supplements = asdict(figures.supplements)
    supplements["rounds"] = {str(notices): count for notices, count in figures.supplements.rounds.items()}
    return {
        "from": figures.date_from.isoformat(),
        "to": figures.date_to.isoformat(),
        "total": figures.total,
        "by_status": figures.by_status,
        "by_service": _counts(figures.by_service),
        "by_township": _counts(figures.by_township),
        "by_function_type": figures.by_function_type,
        "by_department": _counts(figures.by_department),
        "timeliness": asdict(figures.timeliness),
        "supplements": supplements,
        "overdue": [_due(row) for row in figures.overdue],
        "due_soon": [_due(row) for row in figures.due_soon],
        "local_resolution": asdict(figures.local_resolution),
        "acceptance": asdict(figures.acceptance),
        "evaluations": asdict(figures.evaluations),
        "urging": asdict(figures.urging),
        "daily": [{"day": day.isoformat(), "count": count} for day, count in figures.daily],
    }

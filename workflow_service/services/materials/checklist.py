"""The case's materials checklist: what the catalogue version it was registered under asks for.

A case keeps the materials of the version it was registered under, so a later change of the
catalogue never changes what the applicant was told to bring (services.catalogue).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_service.models import Case

FORM_LABELS = {"original": "原件", "copy": "复印件", "electronic": "电子件"}


def case_materials(case: Case) -> list[dict[str, Any]]:
    """The materials of the catalogue version the case was registered under (the live item's if none)."""
    if case.service_item_version is not None:
        return list(case.service_item_version.snapshot.get("materials") or [])
    return [
        {
            "name": m.name,
            "form": m.form.value,
            "copies": m.copies,
            "required": m.required,
            "deferrable": m.deferrable,
            "note": m.note,
        }
        for m in case.service_item.materials
    ]


def material_requirement(material: Mapping[str, Any]) -> str:
    """What the applicant must bring, as a notice states it: 复印件1份（房产证明或租赁协议）."""
    text = f"{FORM_LABELS.get(str(material.get('form')), '')}{material.get('copies', 1)}份"
    return f"{text}（{material['note']}）" if material.get("note") else text

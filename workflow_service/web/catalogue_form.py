"""The analyst's item form as the service reads an item: posted fields → the item's values, unchanged
where they cannot be read (so the service's own check names them), and the same values back into the form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

# Text fields a blank leaves out (None); the others (name, codes) stay "" so the check says 必填.
OPTIONAL_TEXT = (
    "basic_code",
    "implementation_code",
    "fee_basis",
    "licence_name",
    "body_name",
    "body_code",
    "exercise_level",
    "legal_basis",
    "acceptance_conditions",
    "service_objects",
    "service_location",
    "service_hours",
    "consultation",
    "complaint",
    "joint_organisations",
)
REQUIRED_TEXT = ("name", "short_code", "item_type", "department_type", "process_key", "acceptance_mode")
UNITS = ("legal_limit_unit", "promised_limit_unit")
NUMBERS = (
    "legal_limit_days",
    "promised_limit_days",
    "warning_days",
    "acceptance_limit_days",
    "visits_required",
)
FLAGS = ("instant", "joint_handling", "fee_required", "in_service_hall")
MATERIAL_TEXT = ("name", "note", "source_channel", "blank_form", "sample_form")
DIGITS = re.compile(r"^\d{1,9}$")


def _number(raw: str | None) -> Any:
    """Digits as an int; anything else as typed, for the service's check to refuse at its field."""
    text = (raw or "").strip()
    return int(text) if DIGITS.match(text) else text


def _optional(raw: str | None) -> str | None:
    text = (raw or "").strip()
    return text or None


def _materials(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    columns = {
        name: form.getlist(f"material_{name}")
        for name in (*MATERIAL_TEXT, "form", "copies", "required", "deferrable")
    }
    count = max((len(values) for values in columns.values()), default=0)

    def cell(name: str, index: int) -> str:
        values = columns[name]
        return values[index] if index < len(values) else ""

    materials = []
    for index in range(count):
        if not any(cell(name, index).strip() for name in MATERIAL_TEXT):
            continue  # an empty row: the one the page keeps for adding, or one cleared
        materials.append(
            {
                "name": cell("name", index).strip(),
                "form": cell("form", index) or "original",
                "copies": _number(cell("copies", index) or "1"),
                "required": cell("required", index) != "0",
                "deferrable": cell("deferrable", index) == "1",
                **{name: _optional(cell(name, index)) for name in MATERIAL_TEXT if name != "name"},
            }
        )
    return materials


def _rules(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    columns = {
        name: form.getlist(f"rule_{name}")
        for name in ("kind", "years", "id_field", "declared_field", "declared_values")
    }
    rules = []
    for index, kind in enumerate(columns["kind"]):

        def cell(name: str, row: int = index) -> str:
            values = columns[name]
            return values[row].strip() if row < len(values) else ""

        if not kind:
            continue
        rule: dict[str, Any] = {"kind": kind}
        if cell("id_field"):
            rule["id_field"] = cell("id_field")
        if kind in ("minimum_age", "maximum_age"):
            rule["years"] = _number(cell("years"))
        elif cell("declared_field") or cell("declared_values"):
            rule["declared_field"] = cell("declared_field")
            rule["declared_values"] = [
                v.strip() for v in re.split(r"[,，、\s]+", cell("declared_values")) if v.strip()
            ]
        rules.append(rule)
    return rules


def posted_item(form: MultiDict[str, str]) -> dict[str, Any]:
    """The whole item as the form states it (the service checks it as a whole)."""
    values: dict[str, Any] = {name: (form.get(name) or "").strip() for name in (*REQUIRED_TEXT, *UNITS)}
    values.update({name: _optional(form.get(name)) for name in OPTIONAL_TEXT})
    values["body_nature"] = _optional(form.get("body_nature"))
    values.update({name: _number(form.get(name)) for name in NUMBERS})
    values["licence_valid_years"] = (
        _number(form.get("licence_valid_years")) if _optional(form.get("licence_valid_years")) else None
    )
    values["fee_amount"] = _optional(form.get("fee_amount"))
    values.update({name: form.get(name) == "1" for name in FLAGS})
    kinds = form.getlist("applicant_kinds")
    values["applicant_kinds"] = kinds or None
    values["pre_review"] = form.getlist("pre_review") or None
    values["materials"] = _materials(form)
    values["eligibility"] = _rules(form)
    return values


def form_values(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """An item's snapshot as the form shows it (``None`` as blank)."""
    return {name: ("" if value is None else value) for name, value in snapshot.items()}

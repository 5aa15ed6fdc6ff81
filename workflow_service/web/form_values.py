"""Form data as a person reads it: field titles, choices by their labels, yes/no, lists as lists.

The values are what staff typed or chose, stored as the process keeps them (codes, booleans,
arrays of objects); the form's schema gives each its title and its choices' labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_service.web.labels import yes_no

# A row's value: text, or a list of texts (the page shows it as a list).
Value = str | list[str]


def _text(value: Value) -> str:
    return "、".join(value) if isinstance(value, list) else value


def _value(field: Mapping[str, Any], value: Any) -> Value:
    if isinstance(value, bool):
        return yes_no(value)
    choices, labels = field.get("enum"), field.get("enumNames")
    if choices and labels and value in choices:
        return str(labels[choices.index(value)])
    if isinstance(value, list):
        items = field.get("items")
        schema: Mapping[str, Any] = items if isinstance(items, Mapping) else {}
        return [_text(_value(schema, item)) for item in value]
    if isinstance(value, Mapping):
        return "，".join(f"{label}：{_text(part)}" for label, part in readable(field, value))
    return "" if value is None else str(value)


def readable(schema: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> list[tuple[str, Value]]:
    """Form data as (title, value) in the form's field order; undeclared fields are left out."""
    if not data:
        return []
    properties: Mapping[str, Any] = (schema or {}).get("properties", {})
    return [
        (str(field.get("title", name)), _value(field, data[name]))
        for name, field in properties.items()
        if name in data
    ]


def inline(value: Value) -> str:
    """A value on one line (the history's 办理结果 column)."""
    return _text(value)

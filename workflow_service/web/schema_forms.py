"""Forms in the browser: a task's JSON Schema adapted for json-editor, and the posted data read back.

The server validates the data against the original schema (services.process.forms); what is adapted here
only changes how the form looks: option labels, fields shown by a choice, no unknown input types.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from workflow_service.errors import InvalidInput
from workflow_service.services.process.forms import SHOWN_WHEN

# Checked by the server (services.process.forms); for the browser they are plain text inputs.
_SERVER_FORMATS = {"cn-resident-id": 18, "cn-uscc": 18}
_TEXT_FORMATS = {"date": "YYYY-MM-DD", "date-time": "YYYY-MM-DDThh:mm:ss+08:00", "time": "hh:mm"}


def _conditional_fields(schema: Mapping[str, Any]) -> list[tuple[str, Any, list[str]]]:
    """``if field == value then require [...]`` rules, from ``if``/``then`` and ``allOf`` of them."""
    rules = []
    for part in [schema, *schema.get("allOf", [])]:
        condition, then = part.get("if"), part.get("then")
        if not isinstance(condition, Mapping) or not isinstance(then, Mapping):
            continue
        properties = condition.get("properties", {})
        if len(properties) != 1:
            continue
        ((field, test),) = properties.items()
        if isinstance(test, Mapping) and "const" in test:
            rules.append((field, test["const"], list(then.get("required", []))))
    return rules


def browser_schema(schema: Mapping[str, Any], *, choices_unchosen: bool = False) -> dict[str, Any]:
    """The schema json-editor renders: ``enumNames`` as ``options.enum_titles``, conditional fields
    shown only when their choice is made, checksum formats as text inputs of the right length.

    With ``choices_unchosen`` (task forms, whose choices are decisions) a choice without a default
    starts at 请选择 instead of its first option.
    """
    adapted = copy.deepcopy(dict(schema))
    adapted.pop("$schema", None)
    properties: dict[str, Any] = adapted.get("properties", {})
    # json-editor shows only required fields unless told which to show: show them all.
    adapted["defaultProperties"] = list(properties)
    for position, field in enumerate(properties.values()):
        if not isinstance(field, dict):
            continue  # a boolean schema (allowed by draft-07, drawn by json-editor as it is)
        # json-editor sorts fields by propertyOrder; keep the order the analyst wrote.
        field.setdefault("propertyOrder", position + 1)
        if not isinstance(field.get("options"), dict):
            field["options"] = {}
        options = field["options"]
        if "enumNames" in field:
            options["enum_titles"] = field.pop("enumNames")
        shown_when = field.pop(SHOWN_WHEN, None)
        if isinstance(shown_when, Mapping) and len(shown_when) == 1:
            # An optional field that belongs to one choice (补正说明 to 补正): shown only with it.
            options["dependencies"] = dict(shown_when)
        unchosen = choices_unchosen and "default" not in field
        if unchosen and field.get("type") == "string" and field.get("enum"):
            # A decision starts unchosen, so nobody approves by leaving the first option; left
            # empty, the field is left out of the data and the server reports it (必填).
            titles = options.get("enum_titles") or [str(value) for value in field["enum"]]
            field["enum"] = ["", *field["enum"]]
            options["enum_titles"] = [_("请选择"), *titles]
            field["default"] = ""
        if field.get("type") in ("number", "integer") and "default" not in field:
            field["default"] = None  # an empty box, not a 0 the clerk never typed
        if field.get("type") == "boolean":
            field["format"] = "checkbox"
        items = field.get("items")
        if field.get("type") == "array" and isinstance(items, dict) and "title" not in items:
            items["title"] = field.get("title", "")  # json-editor would label each row "item 1", "item 2"
        if field.get("type") == "array" and isinstance(items, dict) and items.get("enum"):
            # A choice of several from a fixed list (the case's materials): one checkbox each.
            field["uniqueItems"] = True
            field["format"] = "checkbox"
        if field.get("format") in _TEXT_FORMATS:
            # json-editor's date inputs complain in English about an empty optional date.
            options["inputAttributes"] = {"placeholder": _TEXT_FORMATS[field.pop("format")]}
        if field.get("format") in _SERVER_FORMATS:
            options["inputAttributes"] = {"maxlength": _SERVER_FORMATS[field.pop("format")]}
    depended: dict[str, list[tuple[str, Any]]] = {}
    for field, value, required in _conditional_fields(adapted):
        for name in required:
            depended.setdefault(name, []).append((field, value))
    for name, conditions in depended.items():
        if isinstance(properties.get(name), dict) and len(conditions) == 1:
            ((field, value),) = conditions
            properties[name]["options"]["dependencies"] = {field: value}
    # json-editor shows ``required`` fields with a star; keep conditional ones out of its way.
    for key in ("if", "then", "else", "allOf"):
        adapted.pop(key, None)
    return adapted


def posted_data(raw: str | None) -> dict[str, Any]:
    """The form's data as the page posted it (JSON of an object); a field error otherwise."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(_("表单数据无法读取"), errors={"data": [_("表单数据无法读取，请刷新页面后重试")]})
    return data

"""Validate form data against a task's JSON Schema (draft-07), with field errors in Chinese."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from workflow_service.errors import InvalidInput, InvalidProcessDefinition
from workflow_service.services.clock import business_day
from workflow_service.services.directory.identity_numbers import (
    NumberCheck,
    check_credit_code,
    check_resident_id,
)

FORMAT_CHECKER = FormatChecker()


class WrongNumber(ValueError):
    """A number refused by its check; the message names the part that is wrong."""


def _refuse(check: NumberCheck) -> bool:
    if check.errors:
        raise WrongNumber("；".join(check.errors))
    return True


@FORMAT_CHECKER.checks("cn-resident-id", raises=WrongNumber)
def _is_resident_id(value: object) -> bool:
    return not isinstance(value, str) or _refuse(check_resident_id(value, business_day()))


@FORMAT_CHECKER.checks("cn-uscc", raises=WrongNumber)
def _is_unified_social_credit_code(value: object) -> bool:
    return not isinstance(value, str) or _refuse(check_credit_code(value))


# The form's own annotation (see web.schema_forms): an optional field shown only with one choice.
SHOWN_WHEN = "x-shown-when"
_TYPE_NAMES = {
    "object": "对象",
    "array": "数组",
    "string": "文本",
    "integer": "整数",
    "number": "数值",
    "boolean": "布尔值",
    "null": "null",
}
_META_VALIDATOR = Draft7Validator(Draft7Validator.META_SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)


def _schema_path(parts: Iterable[object]) -> str:
    return ".".join(["schema", *(str(part) for part in parts)])


def _meta_message(error: ValidationError) -> str:
    """An analyst's reading of a draft-07 meta-schema error (the place is in the key)."""
    value = error.validator_value
    match error.validator:
        case "type":
            names = value if isinstance(value, list) else [value]
            return "须为" + "或".join(_TYPE_NAMES.get(str(name), str(name)) for name in names)
        case "enum":
            return "须为以下之一：" + "、".join(str(item) for item in value)
        case "anyOf" if error.path and error.path[-1] == "type":
            return "须为类型名 " + "、".join(_TYPE_NAMES) + " 之一，或它们的列表"
        case "anyOf":
            leaf = best_match(error.context or [])
            return _meta_message(leaf) if leaf is not None else "不是有效的模式"
        case "minimum":
            return f"须大于等于 {value}"
        case "exclusiveMinimum":
            return f"须大于 {value}"
        case "minItems":
            return f"至少列出 {value} 项"
        case "uniqueItems":
            return "不能重复列出"
        case "format" if value == "regex":
            return "不是有效的正则表达式"
        case "format":
            return f"格式须为 {value}"
        case _:
            return error.message


def _deepest(error: ValidationError) -> ValidationError:
    """A sub-schema's own error rather than "matches none of": ``items`` is a schema or a list of
    them, and ``{"items": {"type": 5}}`` is wrong at ``items.type``, not at ``items``."""
    while error.validator == "anyOf" and error.context and not (error.path and error.path[-1] == "type"):
        deeper = max(error.context, key=lambda leaf: len(leaf.absolute_path))
        if len(deeper.absolute_path) <= len(error.absolute_path):
            break
        error = deeper
    return error


# Keywords whose values are data, not schemas (a field may still be named so).
_VALUES = ("enum", "const", "default", "examples")


def _pointed(schema: Mapping[str, Any], ref: str) -> bool:
    """Whether ``#/definitions/x`` names a place in ``schema``."""
    node: Any = schema
    for part in ref[1:].split("/")[1:] if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _reference_errors(schema: Mapping[str, Any], node: Any, path: list[object], errors: dict) -> None:
    """A form refers only to its own parts: a ``$ref`` elsewhere would be fetched (or fail) when a
    clerk submits."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _reference_errors(schema, item, [*path, index], errors)
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        local = isinstance(value, str) and value.startswith("#") and _pointed(schema, value)
        if key == "$ref" and isinstance(value, str) and not local:
            errors.setdefault(_schema_path([*path, key]), []).append(
                f"$ref 只能指向本表单内已有的定义（如 #/definitions/名称），{value} 不是"
            )
        elif key not in _VALUES or (path and path[-1] in ("properties", "definitions")):
            _reference_errors(schema, value, [*path, key], errors)


def _annotation_errors(schema: Mapping[str, Any]) -> dict[str, list[str]]:
    """What the clerks' renderer needs beyond draft-07: an object form; option labels matching the
    options; ``x-shown-when`` naming one other field of the form and a value it can take; no
    ``$ref`` outside the form."""
    errors: dict[str, list[str]] = {}
    _reference_errors(schema, schema, [], errors)
    if schema.get("type") != "object":
        errors.setdefault(_schema_path(["type"]), []).append("表单的 type 须为 object")
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return errors
    for name, field in properties.items():
        if not isinstance(field, Mapping):
            continue
        labels, options = field.get("enumNames"), field.get("enum")
        if labels is not None and (not isinstance(labels, list) or len(labels) != len(options or [])):
            errors.setdefault(_schema_path(["properties", name, "enumNames"]), []).append(
                "enumNames 须为列表，与 enum 一一对应"
            )
        if SHOWN_WHEN not in field:
            continue
        place = _schema_path(["properties", name, SHOWN_WHEN])
        shown_when = field[SHOWN_WHEN]
        if not isinstance(shown_when, Mapping) or len(shown_when) != 1:
            errors.setdefault(place, []).append(f'{SHOWN_WHEN} 须为只有一项的对象：{{"字段名": 取值}}')
            continue
        ((other, value),) = shown_when.items()
        target = properties.get(other)
        if other == name or not isinstance(target, Mapping):
            errors.setdefault(place, []).append(f"{SHOWN_WHEN} 须指向本表单的另一个字段，没有字段 {other}")
        elif isinstance(target.get("enum"), list) and value not in target["enum"]:
            choices = "、".join(str(item) for item in target["enum"])
            errors.setdefault(place, []).append(f"{other} 的取值只有 {choices}，没有 {value}")
    return errors


def schema_errors(schema: object) -> dict[str, list[str]]:
    """Every reason ``schema`` is no form: draft-07 meta-schema errors and the renderer's needs,
    keyed by their place (``schema.properties.remark.type``); empty when it is a valid form."""
    if not isinstance(schema, Mapping):
        return {"schema": ["表单须为 JSON 对象"]}
    errors: dict[str, list[str]] = {}
    for error in sorted(_META_VALIDATOR.iter_errors(schema), key=lambda error: [str(p) for p in error.path]):
        error = _deepest(error)
        errors.setdefault(_schema_path(error.absolute_path), []).append(_meta_message(error))
    if errors:
        return errors
    return _annotation_errors(schema)


def check_schema(schema: object, name: str) -> None:
    """Refuse a form that is not valid JSON Schema draft-07 or that the clerks' renderer cannot
    draw, with a field error at each place (422)."""
    errors = schema_errors(schema)
    if errors:
        raise InvalidProcessDefinition(f"表单 {name} 不是有效的 JSON Schema（draft-07）", errors=errors)


def _conditions_need_their_fields(schema: dict[str, Any]) -> dict[str, Any]:
    """``if {decision: {const: x}} then ...`` applies only once the decision is given.

    By the letter of JSON Schema an ``if`` over an absent field holds, so a form sent without its
    decision would also be told to fill every field of every branch. The forms' ``if`` clauses
    (top level and in ``allOf``) are read as requiring the fields they test.
    """
    for part in [schema, *schema.get("allOf", [])]:
        condition = part.get("if") if isinstance(part, dict) else None
        if isinstance(condition, dict) and "required" not in condition and condition.get("properties"):
            condition["required"] = list(condition["properties"])
    return schema


@lru_cache(maxsize=256)
def _cached_validator(schema_json: str) -> Draft7Validator:
    schema = _conditions_need_their_fields(json.loads(schema_json))
    return Draft7Validator(schema, format_checker=FORMAT_CHECKER)


def _validator(schema: Mapping[str, Any]) -> Draft7Validator:
    # Keyed by content: forms come from the database as fresh dicts on every request.
    return _cached_validator(json.dumps(schema, sort_keys=True))


def _field_path(error: ValidationError, prefix: str) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        # "'x' is a required property": the missing field is the error's own subject.
        missing = error.message.split("'")[1]
        path.append(missing)
    if error.validator == "additionalProperties":
        extra = error.message.split("'")[1] if "'" in error.message else ""
        path.append(extra)
    return ".".join([prefix, *path]) if prefix else ".".join(path) or "_schema"


def _message(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    match error.validator:
        case "required":
            return "必填"
        case "format":
            # The number checks say which part of the number is wrong.
            return str(error.cause) if isinstance(error.cause, WrongNumber) else "格式不正确"
        case "enum":
            return "取值须为以下之一：" + "、".join(str(v) for v in error.validator_value)
        case "type":
            return f"类型应为 {error.validator_value}"
        case "minLength":
            return f"至少 {error.validator_value} 个字符"
        case "maxLength":
            return f"最多 {error.validator_value} 个字符"
        case "pattern":
            return f"{schema.get('title', '')}格式不正确".strip()
        case "minimum" | "exclusiveMinimum":
            return f"须大于{'等于' if error.validator == 'minimum' else ''} {error.validator_value}"
        case "maximum" | "exclusiveMaximum":
            return f"须小于{'等于' if error.validator == 'maximum' else ''} {error.validator_value}"
        case "minItems":
            return f"至少列出 {error.validator_value} 项"
        case "maxItems":
            return f"最多列出 {error.validator_value} 项"
        case "uniqueItems":
            return "不能重复列出"
        case "additionalProperties":
            return "表单中没有此字段"
        case _:
            return error.message


def form_errors(schema: Mapping[str, Any], data: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Every field error of ``data``, keyed by dotted field path (empty when valid)."""
    errors: dict[str, list[str]] = {}
    for error in _validator(schema).iter_errors(data):
        # Conditional (if/then) schemas report through their sub-errors; flatten to the fields.
        leaves = error.context or [error]
        for leaf in leaves:
            errors.setdefault(_field_path(leaf, prefix), []).append(_message(leaf))
    return errors


def validate_form(schema: Mapping[str, Any], data: Mapping[str, Any], prefix: str = "") -> None:
    """Raise InvalidInput with field errors unless ``data`` satisfies the form."""
    errors = form_errors(schema, data, prefix)
    if errors:
        raise InvalidInput("表单填写有误", errors=errors)

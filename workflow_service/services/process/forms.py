"""Validate form data against a task's JSON Schema (draft-07), with field errors in Chinese."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

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


def check_schema(schema: Mapping[str, Any], name: str) -> None:
    """Refuse a form that is not valid JSON Schema draft-07 (at deploy time, not at the window)."""
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as error:
        raise InvalidProcessDefinition(f"表单 {name} 不是有效的 JSON Schema: {error.message}") from None


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

"""Sample data built from a form's JSON Schema, for a dry run: defaults, examples and enums first,
then a value of the field's type that satisfies its format, pattern and bounds; and the form's
decision field (the first field with a list of choices), which the analyst picks a choice of."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft7Validator

from workflow_service.services.clock import business_day

# Strings tried in order for a field with a pattern; the first the pattern accepts is used.
_PATTERN_CANDIDATES = (
    "13800138000",
    "2026-01",
    "SF1234567890",
    "ABC12345",
    "乡字第000001号",
    "示例",
    "0001",
)
_FORMAT_SAMPLES = {
    "cn-resident-id": "11010519491231002X",
    "cn-unified-credit-code": "91330783MA2DXXXX0X",
    "email": "sample@example.com",
    "uri": "https://example.com/",
}
# A draft's form may ask for more than a sample needs: samples stay within these.
MAX_SAMPLE_LENGTH = 2000
MAX_SAMPLE_ITEMS = 20
MAX_DEPTH = 8
SAMPLE_APPLICANT = {
    "kind": "person",
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
}


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


@dataclass(frozen=True)
class DecisionField:
    """The field a step's outcome is chosen by, with its choices (value and label)."""

    name: str
    title: str
    choices: tuple[Choice, ...]

    def find(self, wanted: str) -> Choice | None:
        """The choice whose value or label is ``wanted``, else the only one whose label begins with it
        (``补正`` for 补正（一次性告知所缺材料）)."""
        for choice in self.choices:
            if wanted in (str(choice.value), choice.label):
                return choice
        starting = [choice for choice in self.choices if wanted and choice.label.startswith(wanted)]
        return starting[0] if len(starting) == 1 else None


def _choices(field: Mapping[str, Any]) -> tuple[Choice, ...]:
    if isinstance(field.get("enum"), list):
        names = field.get("enumNames") or field.get("x-enumNames") or []
        return tuple(
            Choice(value, str(names[index]) if index < len(names) else str(value))
            for index, value in enumerate(field["enum"])
        )
    options = field.get("oneOf") or field.get("anyOf") or []
    return tuple(
        Choice(option["const"], str(option.get("title", option["const"])))
        for option in options
        if isinstance(option, Mapping) and "const" in option
    )


def decision_field(schema: Mapping[str, Any] | None) -> DecisionField | None:
    """The form's first required field with choices (else its first field with choices), or None."""
    properties: Mapping[str, Any] = (schema or {}).get("properties") or {}
    required = set((schema or {}).get("required") or ())
    ordered = [name for name in properties if name in required] + [
        name for name in properties if name not in required
    ]
    for name in ordered:
        field = properties[name]
        if isinstance(field, Mapping) and field.get("type") != "boolean" and (choices := _choices(field)):
            return DecisionField(name, str(field.get("title") or name), choices)
    return None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _matches(pattern: str, text: str) -> bool:
    """Whether the pattern finds the text; a pattern Python cannot read finds nothing (the form
    check reports the field)."""
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _string(field: Mapping[str, Any]) -> str:
    if field.get("format") == "date":
        return business_day().isoformat()
    if field.get("format") in _FORMAT_SAMPLES:
        return _FORMAT_SAMPLES[field["format"]]
    low = min(_count(field.get("minLength")), MAX_SAMPLE_LENGTH)
    high = min(_count(field.get("maxLength")) or max(low, 40), MAX_SAMPLE_LENGTH)
    pattern = field.get("pattern")
    if isinstance(pattern, str):
        for candidate in _PATTERN_CANDIDATES:
            if _matches(pattern, candidate) and low <= len(candidate) <= high:
                return candidate
    title = str(field.get("title") or "示例")
    text = f"示例{title}" if not title.startswith("示例") else title
    text = (text * (low // max(len(text), 1) + 1)) if len(text) < low else text
    return text[:high]


def _number(field: Mapping[str, Any], integer: bool) -> int | float:
    low = field.get("minimum")
    exclusive_low = field.get("exclusiveMinimum")
    high = field.get("maximum")
    value: int | float = 1
    if isinstance(low, int | float):
        value = max(value, low)
    if isinstance(exclusive_low, int | float) and value <= exclusive_low:
        value = exclusive_low + 1
    if isinstance(high, int | float) and value > high:
        value = high
    return int(value) if integer else value


def sample_value(field: Mapping[str, Any], depth: int = 0) -> Any:
    """A value the field accepts: its default, const, first example or first choice, else one of its type."""
    for key in ("default", "const"):
        if key in field:
            return field[key]
    if isinstance(field.get("examples"), list) and field["examples"]:
        return field["examples"][0]
    if choices := _choices(field):
        return choices[0].value
    kind = field.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        return _string(field)
    if kind in ("integer", "number"):
        return _number(field, kind == "integer")
    if kind == "boolean":
        return True
    if depth >= MAX_DEPTH:
        return None
    if kind == "array":
        items = field.get("items") if isinstance(field.get("items"), Mapping) else {}
        count = min(max(_count(field.get("minItems")), 1), MAX_SAMPLE_ITEMS)
        first = sample_value(items or {"type": "string"}, depth + 1)
        values = [first]
        while len(values) < count:
            values.append(f"{first}{len(values) + 1}" if isinstance(first, str) else first)
        return values
    if kind == "object":
        return sample_data(field, depth=depth + 1)
    return "示例"


def _required_now(schema: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The fields required by the schema and by each ``if/then`` of it whose ``if`` the data meets."""
    names = list(schema.get("required") or ())
    for rule in [schema, *(schema.get("allOf") or ())]:
        if not isinstance(rule, Mapping) or "if" not in rule:
            continue
        try:
            holds = Draft7Validator(rule["if"]).is_valid(dict(data))
        except re.error:  # a pattern Python cannot read: the form check reports it
            continue
        branch = rule.get("then") if holds else rule.get("else")
        if isinstance(branch, Mapping):
            names.extend(branch.get("required") or ())
    return names


def sample_data(
    schema: Mapping[str, Any] | None, fixed: Mapping[str, Any] | None = None, *, depth: int = 0
) -> dict[str, Any]:
    """Data for the form: ``fixed`` (the chosen decision), its defaults, and a sample of every field
    required, including those its conditions (``if``/``then``) require given the data so far."""
    properties: Mapping[str, Any] = (schema or {}).get("properties") or {}
    data: dict[str, Any] = dict(fixed or {})
    for name, field in properties.items():
        if name not in data and isinstance(field, Mapping) and "default" in field:
            data[name] = field["default"]
    # The fields always required first: an ``if`` over a field not yet there holds vacuously.
    for name in (schema or {}).get("required") or ():
        field = properties.get(name)
        if name not in data:
            data[name] = sample_value(field, depth) if isinstance(field, Mapping) else "示例"
    for _ in range(3):  # a value filled in may make another condition require more
        missing = [name for name in _required_now(schema or {}, data) if name not in data]
        if not missing:
            break
        for name in missing:
            field = properties.get(name)
            data[name] = sample_value(field, depth) if isinstance(field, Mapping) else "示例"
    return data

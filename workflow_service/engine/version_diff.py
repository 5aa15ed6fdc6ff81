"""Compare two versions of a process: the diagram's elements by id, and the forms by field.

An element is compared on what an analyst changes and the service acts on: its type, name, lane,
extension properties (caseStatus, form, responsibilityItem …), the condition of a flow, the timer of
an event, a script, and where a flow leads. Forms are compared on their top-level fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from workflow_service.engine.definitions import BPMN_NS, SPIFF_NS, safe_tree

_NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
# Children of a process that are not flow elements of the diagram.
_NOT_ELEMENTS = {"laneSet", "extensionElements", "documentation", "ioSpecification", "dataObject", "property"}
_TIMER_PARTS = ("timeDuration", "timeDate", "timeCycle")


@dataclass(frozen=True)
class ElementChange:
    """An element added, removed or changed: ``changes`` maps each changed attribute to [before, after]."""

    element_id: str
    type: str
    name: str | None
    changes: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class FormChange:
    form_key: str
    added_fields: tuple[str, ...] = ()
    removed_fields: tuple[str, ...] = ()
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class VersionDiff:
    added: tuple[ElementChange, ...]
    removed: tuple[ElementChange, ...]
    changed: tuple[ElementChange, ...]
    forms_added: tuple[str, ...]
    forms_removed: tuple[str, ...]
    forms_changed: tuple[FormChange, ...]


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(node: etree._Element | None) -> str | None:
    return (node.text or "").strip() if node is not None else None


def _lanes(root: etree._Element) -> dict[str, str]:
    """Element id → the name of the lane it is drawn in."""
    lanes: dict[str, str] = {}
    for lane in root.iterfind(".//bpmn:lane", _NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", _NS):
            if ref.text:
                lanes[ref.text.strip()] = lane.get("name") or lane.get("id") or ""
    return lanes


def _describe(node: etree._Element, lanes: dict[str, str]) -> dict[str, Any]:
    """The comparable attributes of one flow element."""
    properties = {
        prop.get("name"): prop.get("value")
        for prop in node.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", _NS
        )
    }
    described: dict[str, Any] = {
        "type": _local(node.tag),
        "name": node.get("name"),
        "lane": lanes.get(node.get("id") or ""),
        "properties": properties,
    }
    if described["type"] == "sequenceFlow":
        described["source"] = node.get("sourceRef")
        described["target"] = node.get("targetRef")
        described["condition"] = _text(node.find("bpmn:conditionExpression", _NS))
    timer = node.find("bpmn:timerEventDefinition", _NS)
    if timer is not None:
        parts = [
            f"{_local(child.tag)}={_text(child)}" for child in timer if _local(child.tag) in _TIMER_PARTS
        ]
        described["timer"] = "; ".join(parts)
    if node.get("attachedToRef"):
        described["attached_to"] = node.get("attachedToRef")
    if node.get("default"):
        described["default"] = node.get("default")
    script = node.find("bpmn:script", _NS)
    if script is not None:
        described["script"] = _text(script)
    return described


def _elements(root: etree._Element) -> dict[str, dict[str, Any]]:
    lanes = _lanes(root)
    found: dict[str, dict[str, Any]] = {}

    def walk(container: etree._Element) -> None:
        for child in container:
            local = _local(child.tag)
            if not local or local in _NOT_ELEMENTS or child.get("id") is None:
                continue
            found[child.get("id")] = _describe(child, lanes)
            if local in ("subProcess", "transaction", "adHocSubProcess"):
                walk(child)

    for process in root.iterfind("bpmn:process", _NS):
        walk(process)
    return found


def _fields(schema: dict) -> dict[str, str]:
    """Field name → its definition (with whether it is required), as canonical JSON."""
    required = set(schema.get("required") or ())
    return {
        name: json.dumps({"schema": value, "required": name in required}, sort_keys=True, ensure_ascii=False)
        for name, value in (schema.get("properties") or {}).items()
    }


def _form_change(key: str, before: dict, after: dict) -> FormChange | None:
    old, new = _fields(before), _fields(after)
    change = FormChange(
        key,
        tuple(name for name in new if name not in old),
        tuple(name for name in old if name not in new),
        tuple(name for name in old if name in new and old[name] != new[name]),
    )
    if change.added_fields or change.removed_fields or change.changed_fields:
        return change
    if json.dumps(before, sort_keys=True) != json.dumps(after, sort_keys=True):
        return change  # the title, a UI hint or a rule beside the fields
    return None


def diff_versions(
    old_bpmn: str | bytes, old_forms: dict[str, dict], new_bpmn: str | bytes, new_forms: dict[str, dict]
) -> VersionDiff:
    """What changed from one deployed version to another."""

    def tree(xml: str | bytes) -> etree._Element:
        return safe_tree(xml.encode() if isinstance(xml, str) else xml)

    old, new = _elements(tree(old_bpmn)), _elements(tree(new_bpmn))
    changed = []
    for element_id, before in old.items():
        after = new.get(element_id)
        if after is None:
            continue
        changes = {
            name: [before.get(name), after.get(name)]
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)
        }
        if changes:
            changed.append(ElementChange(element_id, after["type"], after["name"], changes))

    def listed(elements: dict[str, dict[str, Any]], ids: list[str]) -> tuple[ElementChange, ...]:
        return tuple(ElementChange(i, elements[i]["type"], elements[i]["name"]) for i in ids)

    form_changes = [
        change
        for key in sorted(set(old_forms) & set(new_forms))
        if (change := _form_change(key, old_forms[key], new_forms[key])) is not None
    ]
    return VersionDiff(
        added=listed(new, [i for i in new if i not in old]),
        removed=listed(old, [i for i in old if i not in new]),
        changed=tuple(changed),
        forms_added=tuple(sorted(set(new_forms) - set(old_forms))),
        forms_removed=tuple(sorted(set(old_forms) - set(new_forms))),
        forms_changed=tuple(form_changes),
    )

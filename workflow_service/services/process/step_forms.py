"""Deploy's check of the forms against the step effects: every field an effect reads is on the form.

For each user task, the diagram says which marks its completion can reach before the process
next waits (at a user task, whose own mark is reached when it becomes ready, or at a timer or
message event, whose mark is reached only when it fires): every branch of a gateway counts, as
the data decides at run time. Each effect whose trigger may apply to the task reads fields from
the task's form (services.process.form_fields); a form that lacks a field the effect needs, or has
one with another JSON type or with values the service does not understand, is refused, naming the
form, the task and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workflow_service.engine.definitions import ParsedProcess
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.models import CaseStatus
from workflow_service.services.process.form_fields import FieldFamily, FieldRead, FormField, Need
from workflow_service.services.process.step_effects import StepEffect, TaskReach


def _elements_after(successors: Mapping[str, tuple[str, ...]], starts: Iterable[str]) -> set[str]:
    """Every element some path leads to from ``starts`` (the starts only if a loop returns to them)."""
    found: set[str] = set()
    pending = [following for start in starts for following in successors.get(start, ())]
    while pending:
        element = pending.pop()
        if element not in found:
            found.add(element)
            pending.extend(successors.get(element, ()))
    return found


def _reachable_marks(parsed: ParsedProcess, task_id: str, user_task_ids: set[str]) -> frozenset[CaseStatus]:
    reached: set[CaseStatus] = set()
    seen: set[str] = set()
    pending = list(parsed.successors.get(task_id, ()))
    while pending:
        element = pending.pop()
        if element in seen or element in parsed.catch_events:
            continue
        seen.add(element)
        if element in parsed.status_marks:
            reached.add(CaseStatus(parsed.status_marks[element]))
        if element not in user_task_ids:
            pending.extend(parsed.successors.get(element, ()))
    return frozenset(reached)


def task_reaches(parsed: ParsedProcess) -> list[TaskReach]:
    """What completing each user task of the process can lead to (its marks are checked already)."""
    user_task_ids = {task.bpmn_id for task in parsed.user_tasks}
    accepted_at = [element for element, mark in parsed.status_marks.items() if mark == CaseStatus.ACCEPTED]
    after_acceptance = _elements_after(parsed.successors, accepted_at)
    return [
        TaskReach(
            bpmn_id=task.bpmn_id,
            name=task.name,
            form_key=task.form_key,
            own_status=CaseStatus(mark) if (mark := parsed.status_marks.get(task.bpmn_id)) else None,
            reachable=_reachable_marks(parsed, task.bpmn_id, user_task_ids),
            after_acceptance=task.bpmn_id in after_acceptance,
        )
        for task in parsed.user_tasks
    ]


def _choices(field: FormField, properties: Mapping[str, Any]) -> set[str]:
    """The values of ``field`` a form lets staff choose: its enum, any value, or what its absence means."""
    declared = properties.get(field.name)
    if declared is None:
        return {field.default} if field.default else set()
    enum = declared.get("enum") if isinstance(declared, Mapping) else None
    return {str(value) for value in enum} if isinstance(enum, list) else set(field.values or ())


def _needed(read: FieldRead, reach: TaskReach, properties: Mapping[str, Any]) -> bool:
    if read.need == Need.REQUIRED or (read.need == Need.AFTER_ACCEPTANCE and reach.after_acceptance):
        return True
    if read.with_field is not None and read.with_field.name in properties:
        return True
    if read.for_choice is not None:
        field, value = read.for_choice
        return value in _choices(field, properties)
    return False


def _types(declared: Mapping[str, Any]) -> set[str]:
    kind = declared.get("type")
    return {kind} if isinstance(kind, str) else {str(k) for k in kind} if isinstance(kind, list) else set()


def _shape_problem(field: FormField | FieldFamily, name: str, declared: Any) -> str | None:
    """Why the form's property ``name`` is not what the service reads, or None."""
    if not isinstance(declared, Mapping) or field.type not in _types(declared):
        kind = declared.get("type") if isinstance(declared, Mapping) else None
        return f"字段 {name}（{field.title}）的类型须为 {field.type}，表单为 {kind or '未声明'}"
    if isinstance(field, FieldFamily):
        return None
    if field.items is not None:
        items = declared.get("items")
        if not isinstance(items, Mapping) or field.items not in _types(items):
            return f"字段 {name}（{field.title}）须为 {field.items} 的列表"
    enum = declared.get("enum")
    if field.values is not None and isinstance(enum, list):
        unknown = [str(value) for value in enum if value not in field.values]
        if unknown:
            return (
                f"字段 {name}（{field.title}）的取值 {'、'.join(unknown)} 服务不认识"
                f"（可用：{' / '.join(field.values)}）"
            )
    return None


def _read_problems(read: FieldRead, reach: TaskReach, properties: Mapping[str, Any]) -> list[str]:
    field = read.field
    present = [name for name in properties if field.matches(name)]
    problems = [
        problem for name in present if (problem := _shape_problem(field, name, properties[name])) is not None
    ]
    if not present and _needed(read, reach, properties):
        problems.append(f"缺少字段 {field}（{field.title}）")
    return problems


def form_problems(
    parsed: ParsedProcess, forms: Mapping[str, Mapping[str, Any]], effects: Iterable[StepEffect]
) -> dict[str, list[str]]:
    """Form key → what is wrong with it for the effects its tasks' steps may run (empty: nothing)."""
    effects = tuple(effects)
    problems: dict[str, list[str]] = {}
    for reach in task_reaches(parsed):
        form = forms.get(reach.form_key) if reach.form_key else None
        if form is None:
            continue
        properties = form.get("properties") or {}
        # Several effects read the same field: each problem once per task, under the first that reads it.
        told: set[str] = set()
        for effect in effects:
            if not effect.reads or not effect.when.may_apply(reach):
                continue
            for read in effect.reads:
                for problem in _read_problems(read, reach, properties):
                    if problem not in told:
                        told.add(problem)
                        problems.setdefault(str(reach.form_key), []).append(
                            f"任务 {reach.name}（{reach.bpmn_id}）{effect.when}时：{problem}"
                        )
    return problems


def check_step_forms(
    parsed: ParsedProcess,
    forms: Mapping[str, Mapping[str, Any]],
    effects: Iterable[StepEffect],
    filename: str,
) -> None:
    """Refuse the process if a form lacks a field its task's step effects read (see the module docstring)."""
    problems = form_problems(parsed, forms, effects)
    if problems:
        raise InvalidProcessDefinition(
            f"{filename}: 表单缺少服务读取的字段，或字段与服务读取的不符", errors=problems
        )

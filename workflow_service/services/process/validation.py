"""Validate a BPMN file and its forms before deploy: a report naming the element of every problem.

Each rule is one function below, from a :class:`Subject` (the document's outline, its forms, and the
process as SpiffWorkflow parses it) to the findings it makes; :data:`RULES` lists them in the order
the report shows them. Deploy (services.process.deployment) runs the same report and refuses any
file with errors. What cannot be read as XML at all (not XML, a DTD, nesting past the parser's
limits) is no report but :class:`UnreadableBpmn` (400).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import select

from workflow_service.engine.definitions import (
    FORM_PROPERTY,
    RESPONSIBILITY_PROPERTY,
    STATUS_PROPERTY,
    ParsedProcess,
    department_type_problem,
    engine_problems,
    parse_process,
    refused_scripts,
    safe_tree,
)
from workflow_service.engine.outline import WAIT_STATES, Code, Outline, element_at_line, outline_document
from workflow_service.engine.scripting import (
    SAFE_BUILTINS,
    SCRIPT_GLOBALS,
    ScriptRefused,
    compile_expression,
    compile_script,
)
from workflow_service.engine.timers import timer_literal, timer_value_problem
from workflow_service.errors import InvalidProcessDefinition, MalformedRequest
from workflow_service.extensions import db
from workflow_service.models import CaseStatus, ResponsibilityItem, ServiceItem
from workflow_service.services.directory.routing import KNOWN_LANES, REGISTERING_LANES
from workflow_service.services.process import step_effects
from workflow_service.services.process.case_status import check_status_marks, result_label_problems
from workflow_service.services.process.form_fields import PRE_REVIEW_VARIABLE
from workflow_service.services.process.step_forms import form_problems

# What a case's data holds besides its forms' fields when its first task starts (intake.cases):
# the applicant, the item, and whether the case goes through 预审.
CASE_DATA = frozenset({"applicant", "service_code", PRE_REVIEW_VARIABLE})
_STATUS_VALUES = frozenset(status.value for status in CaseStatus)
# Python's ways out of the sandbox, refused by name (the evaluator does not offer them either, so a
# script using one would only fail on a case).
_FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "eval",
        "exec",
        "compile",
        "__import__",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "exit",
        "quit",
        "help",
        "memoryview",
        "type",
        "object",
    }
)


class UnreadableBpmn(MalformedRequest):
    title = "BPMN 文件无法读取"
    type_slug = "unreadable-bpmn"


@dataclass(frozen=True)
class Finding:
    element_id: str
    rule: str
    message: str


@dataclass(frozen=True)
class FormSource:
    """Where a process's forms are looked up, in this order: the files uploaded with it (key → JSON
    text), a folder (forms/ for ``flask deploy``), the forms of the version deployed last."""

    uploaded: Mapping[str, str] = field(default_factory=dict)
    folder: Path | None = None
    deployed: Mapping[str, Any] = field(default_factory=dict)

    def find(self, key: str) -> tuple[Any, str | None]:
        """The form's schema (None when missing) and why it cannot be used, if it cannot."""
        if key in self.uploaded:
            return _json(self.uploaded[key], key)
        if self.folder is not None:
            root = self.folder.resolve()
            path = (self.folder / key).resolve()
            if path.is_relative_to(root) and path.is_file():
                return _json(path.read_text(encoding="utf-8"), key)
        if key in self.deployed:
            return self.deployed[key], None
        return None, f"表单 {key} 不存在"


def _json(text: str, key: str) -> tuple[Any, str | None]:
    try:
        return json.loads(text), None
    except (json.JSONDecodeError, RecursionError) as error:
        return None, f"表单 {key} 不是合法的 JSON: {error}"


@dataclass
class Subject:
    """What the rules look at: one document, its outline, its forms and SpiffWorkflow's reading."""

    raw: bytes
    filename: str
    root_id: str
    outline: Outline
    forms: dict[str, dict] = field(default_factory=dict)  # usable forms, by key
    form_errors: dict[str, str] = field(default_factory=dict)  # form key → why it cannot be used
    parsed: ParsedProcess | None = None  # None until every earlier rule passed

    def fallback_id(self) -> str:
        return self.outline.process_id or self.root_id


@dataclass(frozen=True)
class ValidationReport:
    filename: str
    key: str | None
    name: str | None
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    forms: dict[str, dict]

    @property
    def valid(self) -> bool:
        return not self.errors

    def refusal(self) -> InvalidProcessDefinition:
        """The 422 a deploy of this file answers: element id → messages, and the findings in full."""
        by_element: dict[str, list[str]] = {}
        for finding in self.errors:
            by_element.setdefault(finding.element_id, []).append(finding.message)
        headline = RULE_TITLES.get(self.errors[0].rule, "流程定义有误")
        return InvalidProcessDefinition(
            f"{self.filename}: {headline} — " + "; ".join(f.message for f in self.errors[:5]),
            errors=by_element,
            extensions={"validation_errors": [finding.__dict__ for finding in self.errors]},
        )


Rule = Callable[[Subject], Iterable[Finding]]
# What a refused deploy says first, by the rule of its first error.
RULE_TITLES: dict[str, str] = {
    "one-executable-process": "BPMN 文件须恰好包含一个可执行流程",
    "engine-parses": "引擎无法运行此流程",
    "user-task-lane": "用户任务的泳道有误",
    "department-type": "办理部门类型的扩展属性有误",
    "start-lane": "开始事件所在泳道不能登记办件",
    "user-task-form": "流程引用的表单不存在或无效",
    "responsibility-item": "流程引用的配合事项有误",
    "pre-review": "预审任务有误或缺少",
    "gateway-conditions": "排他网关的出口缺少条件",
    "status-mark": "未知的办件状态",
    "status-transition": "流程中的办件状态标记顺序不合法",
    "script-refused": "脚本或条件被拒绝",
    "unknown-field": "脚本或条件引用了表单没有的字段",
    "timer": "定时器时间无效",
    "loop-marker": "用户任务不能带循环标记",
    "loop-without-wait": "回路中没有等待",
    "loop-in-parallel-branch": "回路位于并行分支内",
    "step-form-fields": "表单缺少服务读取的字段，或字段与服务读取的不符",
}


# The file --------------------------------------------------------------------------------------


def one_executable_process(subject: Subject) -> Iterator[Finding]:
    """The document holds exactly one process to run (``isExecutable="true"``)."""
    candidates = subject.outline.candidates
    if len(candidates) != 1:
        where = subject.root_id if not candidates else candidates[0]
        yield Finding(
            where,
            "one-executable-process",
            f"BPMN 文件须恰好包含一个可执行流程，实际为 {len(candidates)} 个"
            f"（{', '.join(candidates) or '无'}）",
        )
    elif not subject.outline.executable:
        yield Finding(
            candidates[0],
            "one-executable-process",
            f'流程 {candidates[0]} 未标记为可执行（isExecutable="true"）',
        )


def engine_parses(subject: Subject) -> Iterator[Finding]:
    """SpiffWorkflow reads the process: the BPMN schema, references, and the elements it can run."""
    if len(subject.outline.candidates) != 1 or not subject.outline.executable:
        return  # one_executable_process says why
    for problem in engine_problems(subject.raw, subject.filename):
        element = problem.element_id
        if not element and problem.line is not None:
            element = element_at_line(subject.raw, problem.line)
        yield Finding(element or subject.fallback_id(), "engine-parses", f"引擎无法运行: {problem.message}")


# Lanes and forms -------------------------------------------------------------------------------


def user_task_lanes(subject: Subject) -> Iterator[Finding]:
    """Every user task lies in a lane the router knows (window, department, township, command)."""
    for task in subject.outline.of_kind("userTask"):
        if task.lane not in KNOWN_LANES:
            yield Finding(
                task.id,
                "user-task-lane",
                f"用户任务须位于泳道 {' / '.join(sorted(KNOWN_LANES))} 之一，实际为 {task.lane!r}",
            )


def department_types(subject: Subject) -> Iterator[Finding]:
    """``departmentType`` / ``departmentTypeField`` only on department tasks, one of them, not empty."""
    for task in subject.outline.of_kind("userTask"):
        problem = department_type_problem(task.lane, task.properties)
        if problem:
            yield Finding(task.id, "department-type", f"{problem}")


def start_lane(subject: Subject) -> Iterator[Finding]:
    """The start event's lane says who registers a case; only some lanes can."""
    for start in subject.outline.of_kind("startEvent"):
        if start.parent is None and start.lane and start.lane not in REGISTERING_LANES:
            yield Finding(
                start.id,
                "start-lane",
                f"开始事件须位于泳道 {' / '.join(sorted(REGISTERING_LANES))} 之一",
            )


def user_task_forms(subject: Subject) -> Iterator[Finding]:
    """Every user task names its form; that form (and the start event's) exists and is draft-07."""
    for element in subject.outline.of_kind("userTask", "startEvent"):
        key = element.properties.get(FORM_PROPERTY)
        if not key:
            if element.kind == "userTask":
                yield Finding(element.id, "user-task-form", f"用户任务须指定表单（扩展属性 {FORM_PROPERTY}）")
            continue
        if key in subject.form_errors:
            yield Finding(element.id, "user-task-form", f"{subject.form_errors[key]}")


def responsibility_items(subject: Subject) -> Iterator[Finding]:
    """A township task names the responsibility-list item it fulfils, and that item exists."""
    tasks = subject.outline.of_kind("userTask")
    named = {task.properties.get(RESPONSIBILITY_PROPERTY) for task in tasks} - {None, ""}
    known = (
        set(
            db.session.execute(
                select(ResponsibilityItem.code).where(ResponsibilityItem.code.in_(named))
            ).scalars()
        )
        if named
        else set()
    )
    for task in tasks:
        item = task.properties.get(RESPONSIBILITY_PROPERTY)
        if task.lane == "township" and not item:
            yield Finding(
                task.id, "responsibility-item", "乡镇配合任务须指定配合事项（扩展属性 responsibilityItem）"
            )
        elif item and item not in known:
            yield Finding(task.id, "responsibility-item", f"配合事项 {item} 不在清单中")


def pre_review_tasks(subject: Subject) -> Iterator[Finding]:
    """预审 is the window's (the township window pre-reviews online applications), a user task; a
    process whose catalogue items ask for 预审 draws it (catalog ``pre_review``)."""
    marked = [
        element
        for element in subject.outline.elements.values()
        if element.properties.get(STATUS_PROPERTY) == CaseStatus.PRE_REVIEW.value
    ]
    for element in marked:
        if element.kind != "userTask" or element.lane != "window":
            yield Finding(
                element.id, "pre-review", "预审（caseStatus pre_review）须标在 window 泳道的用户任务上"
            )
    candidates = subject.outline.candidates
    if marked or len(candidates) != 1:
        return
    # A JSON column: an item without 预审 may hold SQL NULL or JSON null, so the list is read here.
    items = db.session.execute(
        select(ServiceItem.code, ServiceItem.pre_review).where(ServiceItem.process_key == candidates[0])
    ).all()
    asking = [code for code, channels in items if channels]
    for code in asking:
        yield Finding(
            candidates[0],
            "pre-review",
            f"事项 {code} 要求预审（pre_review），流程须有标记 caseStatus pre_review 的预审任务",
        )


# Gateways and status marks ---------------------------------------------------------------------


def exclusive_gateway_conditions(subject: Subject) -> Iterator[Finding]:
    """A gateway that chooses (several ways out) has a condition on each way, or a default way."""
    outline = subject.outline
    for gateway in outline.of_kind("exclusiveGateway", "inclusiveGateway"):
        ways = outline.outgoing(gateway.id)
        if len(ways) < 2:
            continue
        bare = [flow.id for flow in ways if flow.condition is None and flow.id != gateway.default_flow]
        if gateway.default_flow and gateway.default_flow not in {flow.id for flow in ways}:
            yield Finding(
                gateway.id,
                "gateway-conditions",
                f"默认出口 {gateway.default_flow} 不是本网关的出口",
            )
        elif bare:
            yield Finding(
                gateway.id,
                "gateway-conditions",
                f"出口 {', '.join(bare)} 既没有条件也不是默认出口",
            )


def status_marks_known(subject: Subject) -> Iterator[Finding]:
    """Every ``caseStatus`` mark names a status of the status machine."""
    for element in subject.outline.elements.values():
        value = element.properties.get(STATUS_PROPERTY)
        if value is not None and value not in _STATUS_VALUES:
            yield Finding(
                element.id,
                "status-mark",
                f"未知的办件状态 {value!r}（可用值：{', '.join(sorted(_STATUS_VALUES))}）",
            )


def status_transitions(subject: Subject) -> Iterator[Finding]:
    """Along every path, the marks follow transitions the status machine allows."""
    outline = subject.outline
    marks = {
        element.id: element.properties[STATUS_PROPERTY]
        for element in outline.elements.values()
        if element.properties.get(STATUS_PROPERTY) in _STATUS_VALUES
    }
    if not marks:
        return
    starts = [element.id for element in outline.of_kind("startEvent") if element.parent is None]
    try:
        check_status_marks(starts, {k: tuple(v) for k, v in outline.successors().items()}, marks)
    except InvalidProcessDefinition as refused:
        for element_id, messages in refused.errors.items():
            for message in messages:
                yield Finding(element_id, "status-transition", message)


# Scripts, conditions and timers ----------------------------------------------------------------


def scripts_compile(subject: Subject) -> Iterator[Finding]:
    """Every script and expression compiles under the restricted evaluator (no import, no dunders …)."""
    for element_id, reason in refused_scripts(subject.raw).items():
        yield Finding(element_id, "script-refused", reason)


def _names(code: Code) -> tuple[set[str], set[str]] | None:
    """(names read, names bound) by one script or expression; None when it does not compile."""
    if code.tag in ("timeDuration", "timeDate", "timeCycle") and timer_literal(code.source) is not None:
        return set(), set()
    try:
        tree = ast.parse(
            code.source if code.is_script else code.source.strip(), mode="exec" if code.is_script else "eval"
        )
        if code.is_script:
            compile_script(code.source)
        else:
            compile_expression(code.source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, ScriptRefused):
        return None  # scripts_compile reports it
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            bound.add(node.name)
    return read, bound


def _form_fields(schema: Any) -> set[str]:
    """The fields a form defines at its top level (and in its if/then/else and allOf parts)."""
    found: set[str] = set()
    pending = [schema]
    while pending:
        part = pending.pop()
        if not isinstance(part, dict):
            continue
        properties = part.get("properties")
        if isinstance(properties, dict):
            found.update(str(name) for name in properties)
        for key in ("then", "else", "if"):
            pending.append(part.get(key))
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(part.get(key), list):
                pending.extend(part[key])
    return found


def script_fields(subject: Subject) -> Iterator[Finding]:
    """Scripts and conditions read only fields the forms define, case data, or what a script set."""
    names = [(code, _names(code)) for code in subject.outline.code]
    known = set(CASE_DATA) | set(SAFE_BUILTINS) | set(SCRIPT_GLOBALS) | set(subject.outline.data_names)
    for schema in subject.forms.values():
        known |= _form_fields(schema)
    for _code, found in names:
        if found is not None:
            known |= found[1]
    reported: set[tuple[str, str]] = set()
    for code, found in names:
        if found is None:
            continue
        for name in sorted(found[0] - known):
            if (code.element_id, name) in reported:
                continue
            reported.add((code.element_id, name))
            if name in _FORBIDDEN_NAMES:
                yield Finding(code.element_id, "script-refused", f"脚本不允许使用 {name}")
                continue
            yield Finding(code.element_id, "unknown-field", f"{name} 不是任何表单定义的字段，也不是办件数据")


def timers_parse(subject: Subject) -> Iterator[Finding]:
    """A timer's ISO 8601 duration, date or cycle parses (when it does not depend on case data)."""
    for code in subject.outline.code:
        if code.tag not in ("timeDuration", "timeDate", "timeCycle"):
            continue
        value = timer_literal(code.source)
        if value is None:
            continue  # an expression over the case's data: the engine checks it when reached
        problem = timer_value_problem(code.tag, value)
        if problem:
            yield Finding(code.element_id, "timer", f"定时器时间无效: {problem}")


def _timers_of_data(subject: Subject) -> Iterator[Finding]:
    """Warnings: timers whose value comes from case data can only be checked when a case reaches them."""
    for code in subject.outline.code:
        if code.tag in ("timeDuration", "timeDate", "timeCycle") and timer_literal(code.source) is None:
            yield Finding(code.element_id, "timer", "定时器时间取自办件数据，办件到达时才能检查")


# Loops -----------------------------------------------------------------------------------------


def _cycles(successors: Mapping[str, list[str]]) -> list[list[str]]:
    """The strongly connected parts of the flow graph that form a loop (Tarjan's, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in successors:
        if root in index:
            continue
        work = [(root, iter(successors.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1 or node in successors.get(node, ()):
                    found.append(part)
    return found


def _first(outline: Outline, ids: Iterable[str]) -> str:
    order = list(outline.elements)
    return min(ids, key=order.index)


def loop_markers(subject: Subject) -> Iterator[Finding]:
    """No loop marker on a user task: SpiffWorkflow keeps every round of it in the case's task tree."""
    for task in subject.outline.of_kind("userTask", "manualTask"):
        if task.loop == "standard":
            yield Finding(
                task.id,
                "loop-marker",
                "用户任务不能带循环标记（每轮都留在任务树中）：请用排他网关画回路",
            )


def loops_wait(subject: Subject) -> Iterator[Finding]:
    """Every loop passes a user task or a catch event: one that never waits would run without end."""
    outline = subject.outline
    for part in _cycles(outline.successors()):
        if not any(outline.elements[member].kind in WAIT_STATES for member in part):
            entry = _first(outline, part)
            yield Finding(
                entry,
                "loop-without-wait",
                "回路中没有用户任务或等待事件，流程会无限循环",
            )


def loops_outside_parallel_branches(subject: Subject) -> Iterator[Finding]:
    """No loop inside one branch of a parallel fork: while the other branch is open the engine cannot
    drop the finished rounds (engine.pruning stops where the path divides), so the tree deepens."""
    outline = subject.outline
    successors = outline.successors()
    joins = {
        element.id
        for element in outline.of_kind("parallelGateway", "inclusiveGateway")
        if len(outline.incoming(element.id)) > 1
    }
    cycles = _cycles(successors)
    for fork in outline.of_kind("parallelGateway", "inclusiveGateway"):
        if len(outline.outgoing(fork.id)) < 2:
            continue
        region: set[str] = set()
        pending = [child for child in successors.get(fork.id, ()) if child not in joins]
        while pending:
            node = pending.pop()
            if node in region or node == fork.id:
                continue
            region.add(node)
            pending.extend(child for child in successors.get(node, ()) if child not in joins)
        for part in cycles:
            if fork.id not in part and set(part) <= region:
                entry = _first(outline, part)
                yield Finding(
                    entry,
                    "loop-in-parallel-branch",
                    f"回路位于并行网关 {fork.label} 的一个分支内，"
                    "每轮都会加深任务树：请把回路画在并行网关之外（回到分叉之前）",
                )


def _multi_instance_user_tasks(subject: Subject) -> Iterator[Finding]:
    """Warnings: a multi-instance user task keeps each instance (bounded by MULTI_INSTANCE_MAX)."""
    for task in subject.outline.of_kind("userTask"):
        if task.loop == "multi-instance":
            yield Finding(task.id, "loop-marker", "多实例用户任务的每个实例都留在任务树中")


# Forms against the step effects (needs SpiffWorkflow's reading of the process) -------------------


_ELEMENT_IN_MESSAGE = re.compile(r"（([^（）]+)）")


def step_forms(subject: Subject) -> Iterator[Finding]:
    """Each form has the fields the step effects its task may run read (services.process.step_forms)."""
    if subject.parsed is None:
        return
    tasks_by_form: dict[str, list[str]] = {}
    for task in subject.parsed.user_tasks:
        if task.form_key:
            tasks_by_form.setdefault(task.form_key, []).append(task.bpmn_id)
    for form_key, messages in form_problems(subject.parsed, subject.forms, step_effects.installed()).items():
        for message in messages:
            named = [m for m in _ELEMENT_IN_MESSAGE.findall(message) if m in tasks_by_form.get(form_key, [])]
            element = named[0] if named else (tasks_by_form.get(form_key) or [subject.fallback_id()])[0]
            yield Finding(element, "step-form-fields", message)


def result_labels(subject: Subject) -> Iterator[Finding]:
    """Each ``resultLabel`` is one the result table knows, on the element whose mark it fits."""
    if subject.parsed is None:
        return
    parsed = subject.parsed
    for element, messages in result_label_problems(parsed.result_labels, parsed.status_marks).items():
        for message in messages:
            yield Finding(element, "result-label", message)


RULES: tuple[Rule, ...] = (
    one_executable_process,
    engine_parses,
    user_task_lanes,
    department_types,
    start_lane,
    user_task_forms,
    responsibility_items,
    pre_review_tasks,
    exclusive_gateway_conditions,
    status_marks_known,
    status_transitions,
    scripts_compile,
    script_fields,
    timers_parse,
    loop_markers,
    loops_wait,
    loops_outside_parallel_branches,
)
# Checked once every rule above passed: they need the process as SpiffWorkflow parsed it.
PARSED_RULES: tuple[Rule, ...] = (step_forms, result_labels)
WARNINGS: tuple[Rule, ...] = (_timers_of_data, _multi_instance_user_tasks)


def _load_forms(subject: Subject, source: FormSource) -> None:
    keys = {
        element.properties[FORM_PROPERTY]
        for element in subject.outline.of_kind("userTask", "startEvent")
        if element.properties.get(FORM_PROPERTY)
    }
    for key in sorted(keys):
        schema, problem = source.find(key)
        if problem is None:
            try:
                Draft7Validator.check_schema(schema)
            except SchemaError as error:
                problem = f"表单 {key} 不是有效的 JSON Schema (draft-07): {error.message}"
        if problem is None and not isinstance(schema, dict):
            problem = f"表单 {key} 须为 JSON 对象"
        if problem is None:
            subject.forms[key] = schema
        else:
            subject.form_errors[key] = problem


def read_document(raw: bytes) -> Any:
    """The document's XML tree, or UnreadableBpmn (400): not UTF-8, not XML, a DTD, or beyond the
    parser's limits."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBpmn("BPMN 文件须为 UTF-8 编码") from None
    try:
        return safe_tree(raw)
    except InvalidProcessDefinition as error:
        raise UnreadableBpmn(error.detail) from None


def validate_process(raw: bytes, filename: str, forms: FormSource) -> ValidationReport:
    """Run every rule over one BPMN document; raises UnreadableBpmn when it is no readable XML."""
    root = read_document(raw)
    subject = Subject(raw, filename, root.get("id") or "definitions", outline_document(root))
    _load_forms(subject, forms)
    errors = [finding for rule in RULES for finding in rule(subject)]
    if not errors:
        try:
            subject.parsed = parse_process(raw, filename, KNOWN_LANES)
        except InvalidProcessDefinition as refused:
            # A check of the parser no rule above makes: report it rather than lose it.
            for element_id, messages in (refused.errors or {subject.fallback_id(): [refused.detail]}).items():
                for message in messages if isinstance(messages, list) else [str(messages)]:
                    errors.append(Finding(str(element_id), "engine-parses", str(message)))
        errors.extend(finding for rule in PARSED_RULES for finding in rule(subject))
    warnings = [finding for rule in WARNINGS for finding in rule(subject)]
    return ValidationReport(
        filename,
        subject.outline.process_id,
        subject.outline.process_name,
        tuple(errors),
        tuple(warnings),
        dict(subject.forms),
    )

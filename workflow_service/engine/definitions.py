"""Parse and check a BPMN file: safe XML, one executable process, lanes, forms and status marks.

Analysts attach data to BPMN elements as SpiffWorkflow extension properties (see
docs/bpmn-conventions.md): ``formJsonSchemaFilename`` on user tasks and the start event,
``caseStatus`` on any element whose arrival sets the case status, ``responsibilityItem`` on
township tasks, ``departmentType`` / ``departmentTypeField`` on a department task that goes to
another department type than the service item's, and ``pausesClock`` on an intermediate timer event
whose wait (a 公示) does not count against the case's time limit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent, IntermediateCatchEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflow_service.engine.scripting import ScriptRefused, compile_expression, compile_script
from workflow_service.errors import InvalidProcessDefinition

FORM_PROPERTY = "formJsonSchemaFilename"
STATUS_PROPERTY = "caseStatus"
RESPONSIBILITY_PROPERTY = "responsibilityItem"
# A department-lane task for another department type than the item's: fixed, or named by a form field.
DEPARTMENT_TYPE_PROPERTY = "departmentType"
DEPARTMENT_TYPE_FIELD_PROPERTY = "departmentTypeField"
# On an intermediate timer event: the case's deadline clock stands still while the timer runs.
CLOCK_PAUSE_PROPERTY = "pausesClock"
CLOCK_PAUSE_VALUES = ("true", "false")
# On the element marked approved / refused: the outcome's label (已处置, 同意 …), mapped to a result code.
RESULT_LABEL_PROPERTY = "resultLabel"

BPMN_NS = _BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = _SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# The BPMN elements whose text the evaluator runs: scripts, and expressions (conditions, loop and
# multi-instance settings, timers, message payloads).
_SCRIPT_ELEMENTS = (f"{{{_BPMN_NS}}}script", f"{{{_SPIFF_NS}}}preScript", f"{{{_SPIFF_NS}}}postScript")
_EXPRESSION_ELEMENTS = (
    *(
        f"{{{_BPMN_NS}}}{name}"
        for name in (
            "conditionExpression",
            "condition",
            "loopCondition",
            "loopCardinality",
            "completionCondition",
            "timeDate",
            "timeDuration",
            "timeCycle",
        )
    ),
    f"{{{_SPIFF_NS}}}messagePayload",
)

_SAFE_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_SPEC_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


@dataclass(frozen=True)
class UserTaskDefinition:
    bpmn_id: str
    name: str
    lane: str | None
    form_key: str | None
    responsibility_item: str | None = None
    department_type: str | None = None
    department_type_field: str | None = None


@dataclass(frozen=True)
class ParsedProcess:
    """What the rest of the service needs to know about one process, free of SpiffWorkflow types."""

    key: str
    name: str
    spec_json: str
    start_form_key: str | None
    start_ids: tuple[str, ...]
    # The lane of the start event: whose staff register a case of this process (None: no lanes).
    start_lane: str | None
    user_tasks: tuple[UserTaskDefinition, ...]
    # element id → the case status reaching it sets, in document order
    status_marks: dict[str, str]
    # element id → the ids of the elements that can follow it directly
    successors: dict[str, tuple[str, ...]]
    # The events a path waits at (timers, messages, event-based gateways): a step stops before them.
    catch_events: frozenset[str] = frozenset()
    # element id → the outcome label it declares (``resultLabel``)
    result_labels: dict[str, str] = field(default_factory=dict)
    # element id → what deploy refuses about it; only a lenient parse (a dry run of a draft) keeps any.
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def form_keys(self) -> set[str]:
        keys = {task.form_key for task in self.user_tasks if task.form_key}
        if self.start_form_key:
            keys.add(self.start_form_key)
        return keys


def _properties(task_spec: object) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    return dict(extensions.get("properties", {}))


def _diagram_successors(task_spec: Any) -> tuple[str, ...]:
    """The diagram elements that follow ``task_spec``, through SpiffWorkflow's own bookkeeping specs.

    A task with boundary events is entered through a ``BoundaryEventSplit`` (which leads to the task
    and to each of its boundary events) and left through a ``BoundaryEventJoin``; neither is an
    element of the diagram, so the walk goes on through them to the elements they lead to.
    """
    found: list[str] = []
    pending, seen = list(task_spec.outputs), set()
    while pending:
        child = pending.pop(0)
        if id(child) in seen:
            continue
        seen.add(id(child))
        if getattr(child, "bpmn_id", None) is not None:
            found.append(child.bpmn_id)
        else:
            pending.extend(child.outputs)
    return tuple(found)


def safe_tree(bpmn_xml: bytes) -> etree._Element:
    """The document parsed without DTDs, entities, network or huge trees; raises InvalidProcessDefinition."""
    # Refused before parsing: libxml2 still expands internal entities in attribute values (held
    # back only by its amplification limit), and nothing a BPMN file needs comes from a DTD.
    if _DOCTYPE.search(bpmn_xml):
        raise InvalidProcessDefinition("BPMN 文件不得包含 DOCTYPE 声明")
    try:
        root = etree.fromstring(bpmn_xml, parser=_SAFE_XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise InvalidProcessDefinition(f"BPMN 不是合法的 XML: {error}") from None
    if root.getroottree().docinfo.doctype:
        raise InvalidProcessDefinition("BPMN 文件不得包含 DOCTYPE 声明")
    return root


def _executable_process_id(parser: SpiffBpmnParser, root: etree._Element) -> str:
    namespace = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    executable = root.xpath("//bpmn:process[@isExecutable='true']/@id", namespaces=namespace)
    candidates = list(executable) or parser.get_process_ids()
    if len(candidates) != 1:
        raise InvalidProcessDefinition(
            f"BPMN 文件须恰好包含一个可执行流程，实际为 {len(candidates)} 个", errors={"process": candidates}
        )
    return str(candidates[0])


def department_type_problem(lane: str | None, properties: dict[str, str]) -> str | None:
    """Why a user task's department-type properties are wrong, or None."""
    named = [
        name for name in (DEPARTMENT_TYPE_PROPERTY, DEPARTMENT_TYPE_FIELD_PROPERTY) if name in properties
    ]
    if not named:
        return None
    if lane != "department":
        return f"扩展属性 {named[0]} 只能用于 department 泳道的任务"
    if len(named) == 2:
        return f"{DEPARTMENT_TYPE_PROPERTY} 与 {DEPARTMENT_TYPE_FIELD_PROPERTY} 只能指定其一"
    if not properties[named[0]].strip():
        return f"扩展属性 {named[0]} 不能为空"
    return None


def pauses_clock(task_spec: object) -> bool:
    """Whether the element is marked to stop the case's clock while it waits (``pausesClock``)."""
    return _properties(task_spec).get(CLOCK_PAUSE_PROPERTY, "").strip() == "true"


def _clock_pause_problem(task_spec: object, properties: dict[str, str]) -> str | None:
    """Why an element's ``pausesClock`` mark is wrong, or None: only an intermediate timer event
    stops the clock (a boundary timer runs beside an open task, which is worked meanwhile)."""
    if CLOCK_PAUSE_PROPERTY not in properties:
        return None
    if properties[CLOCK_PAUSE_PROPERTY].strip() not in CLOCK_PAUSE_VALUES:
        return f"{CLOCK_PAUSE_PROPERTY} 的值须为 true 或 false"
    is_timer = isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
    intermediate = isinstance(task_spec, IntermediateCatchEvent) and not isinstance(task_spec, BoundaryEvent)
    if not (is_timer and intermediate):
        return f"{CLOCK_PAUSE_PROPERTY} 只能用于中间定时器事件（如公示期），不能用于其他元素或边界定时器"
    return None


def _owning_element(node: etree._Element) -> etree._Element:
    """The nearest element with an id: the task, flow or event a script or expression belongs to."""
    while node.get("id") is None and node.getparent() is not None:
        node = node.getparent()
    return node


def refused_scripts(bpmn_xml: str | bytes) -> dict[str, str]:
    """Compile every script and expression of a BPMN document as the evaluator will; element id →
    why the evaluator refuses it (``名称（id）: 原因``), empty when it refuses none."""
    raw = bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml
    root = safe_tree(raw)
    refused: dict[str, str] = {}
    for node in root.iter(*_SCRIPT_ELEMENTS, *_EXPRESSION_ELEMENTS):
        source = node.text or ""
        if not source.strip():
            continue
        try:
            if node.tag in _SCRIPT_ELEMENTS:
                compile_script(source)
            else:
                compile_expression(source)
        except ScriptRefused as error:
            owner = _owning_element(node)
            element_id = owner.get("id") or owner.tag
            name = owner.get("name")
            where = f"{name}（{element_id}）" if name else element_id
            refused.setdefault(element_id, f"{where}: {error}")
    return refused


def parse_process(
    bpmn_xml: str | bytes, filename: str, known_lanes: frozenset[str], *, lenient: bool = False
) -> ParsedProcess:
    """Parse one BPMN document into a deployable process; raises InvalidProcessDefinition.

    ``lenient``: what SpiffWorkflow can run is returned even with problems of this service's
    conventions (a lane, a form, a property), listed in ``problems`` by element, for a dry run.
    """
    raw = bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml
    root = safe_tree(raw)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename)
        process_id = _executable_process_id(parser, root)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, SpiffWorkflowException) as error:
        raise InvalidProcessDefinition(f"{filename}: {error}") from None

    user_tasks: list[UserTaskDefinition] = []
    status_marks: dict[str, str] = {}
    result_labels: dict[str, str] = {}
    successors: dict[str, tuple[str, ...]] = {}
    catch_events: set[str] = set()
    start_form_key: str | None = None
    start_lane: str | None = None
    problems: dict[str, str] = {}
    for task_spec in [
        *spec.task_specs.values(),
        *(t for s in subprocess_specs.values() for t in s.task_specs.values()),
    ]:
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue  # SpiffWorkflow's own bookkeeping specs (Root, End, …)
        properties = _properties(task_spec)
        successors[bpmn_id] = _diagram_successors(task_spec)
        if STATUS_PROPERTY in properties:
            status_marks[bpmn_id] = properties[STATUS_PROPERTY]
        if RESULT_LABEL_PROPERTY in properties:
            result_labels[bpmn_id] = properties[RESULT_LABEL_PROPERTY].strip()
        clock_problem = _clock_pause_problem(task_spec, properties)
        if clock_problem:
            problems[bpmn_id] = clock_problem
        if isinstance(task_spec, CatchingEvent) and not isinstance(task_spec, StartEvent):
            catch_events.add(bpmn_id)
        if isinstance(task_spec, StartEvent) and task_spec in spec.start.outputs:
            start_form_key = properties.get(FORM_PROPERTY)
            start_lane = task_spec.lane
        if isinstance(task_spec, UserTask):
            lane = task_spec.lane
            if lane not in known_lanes:
                problems[bpmn_id] = f"用户任务须位于泳道 {sorted(known_lanes)} 之一，实际为 {lane!r}"
            if FORM_PROPERTY not in properties:
                problems[bpmn_id] = f"用户任务须指定表单（扩展属性 {FORM_PROPERTY}）"
            department_problem = department_type_problem(lane, properties)
            if department_problem:
                problems[bpmn_id] = department_problem
            user_tasks.append(
                UserTaskDefinition(
                    bpmn_id,
                    task_spec.bpmn_name or bpmn_id,
                    lane,
                    properties.get(FORM_PROPERTY),
                    properties.get(RESPONSIBILITY_PROPERTY),
                    properties.get(DEPARTMENT_TYPE_PROPERTY),
                    properties.get(DEPARTMENT_TYPE_FIELD_PROPERTY),
                )
            )
    if problems and not lenient:
        raise InvalidProcessDefinition(f"{filename}: 流程定义有 {len(problems)} 处问题", errors=problems)

    spec_json = json.dumps(
        {
            "spec": _SPEC_SERIALIZER.to_dict(spec),
            "subprocess_specs": {name: _SPEC_SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return ParsedProcess(
        key=process_id,
        name=spec.description or process_id,
        spec_json=spec_json,
        start_form_key=start_form_key,
        start_ids=tuple(child.bpmn_id for child in spec.start.outputs),
        start_lane=start_lane,
        user_tasks=tuple(user_tasks),
        status_marks=status_marks,
        successors=successors,
        catch_events=frozenset(catch_events),
        result_labels=result_labels,
        problems=problems,
    )


@dataclass(frozen=True)
class EngineProblem:
    """Why SpiffWorkflow cannot run a document: the element it names (if any), the line, the message."""

    element_id: str | None
    line: int | None
    message: str


def engine_problems(bpmn_xml: bytes, filename: str) -> list[EngineProblem]:
    """Parse the document as deploy will (BPMN schema, one executable process, SpiffWorkflow's specs);
    the problems found, empty when it would run. Never raises for what the document contains."""
    root = safe_tree(bpmn_xml)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename)
        process_id = _executable_process_id(parser, root)
        spec = parser.get_spec(process_id)
        parser.get_subprocess_specs(process_id)
        _SPEC_SERIALIZER.to_dict(spec)
    except InvalidProcessDefinition as error:
        return [EngineProblem(None, None, error.detail)]
    except ValidationException as error:
        line = error.line_number if isinstance(error.line_number, int) else None
        return [
            EngineProblem(error.id or None, line, str(error).splitlines()[0] if str(error) else repr(error))
        ]
    except SpiffWorkflowException as error:
        element = getattr(getattr(error, "task_spec", None), "bpmn_id", None) or getattr(error, "id", None)
        return [EngineProblem(element, None, str(error))]
    except Exception as error:
        # Files drawn by other tools reach corners of SpiffWorkflow's parser that raise plain
        # Python errors (a missing attribute, an unknown reference); to the analyst that is one
        # more thing the engine cannot run, never a crash of the service.
        return [EngineProblem(None, None, f"引擎无法读取此流程（{type(error).__name__}: {error}）")]
    return []

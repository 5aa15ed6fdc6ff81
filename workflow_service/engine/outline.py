"""Read a BPMN document's elements as plain data, so that validation can name each one.

SpiffWorkflow stops at the first thing it cannot read; validation wants every problem, each at
its element. So the outline is read with lxml alone (the same safe parser as deploy: no DTD, no
entity expansion, no network, no huge trees), from whatever tool drew the file: extensions of
other tools (``camunda:``, ``zeebe:`` …) are kept in the XML and simply not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from workflow_service.engine.definitions import BPMN_NS, SPIFF_NS, safe_tree

# The flow nodes a path can pass (tasks, events, gateways, sub-processes), by local name.
TASKS = frozenset(
    {
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
    }
)
SUB_PROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
EVENTS = frozenset(
    {
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
    }
)
GATEWAYS = frozenset(
    {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
)
FLOW_NODES = TASKS | SUB_PROCESSES | EVENTS | GATEWAYS
# Where a path waits for someone or something: a step of the engine ends there.
WAIT_STATES = frozenset(
    {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway"}
)
TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")
_SCRIPTS = ("script", "preScript", "postScript")
_EXPRESSIONS = (
    "conditionExpression",
    "condition",
    "loopCondition",
    "loopCardinality",
    "completionCondition",
    *TIMER_KINDS,
    "messagePayload",
)


@dataclass(frozen=True)
class Element:
    id: str
    kind: str  # the BPMN local name: userTask, exclusiveGateway, boundaryEvent …
    name: str | None
    lane: str | None
    properties: dict[str, str]  # SpiffWorkflow extension properties (formJsonSchemaFilename …)
    loop: str | None = None  # "standard" or "multi-instance" when the element has a loop marker
    default_flow: str | None = None
    attached_to: str | None = None  # a boundary event's task
    parent: str | None = None  # the sub-process it lies in
    event_definitions: tuple[str, ...] = ()  # timerEventDefinition, messageEventDefinition …

    @property
    def label(self) -> str:
        return f"{self.name}（{self.id}）" if self.name else self.id


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    condition: str | None


@dataclass(frozen=True)
class Code:
    """A script or expression the evaluator runs: its text, the element it belongs to, what it is."""

    element_id: str
    tag: str  # script, conditionExpression, timeDuration …
    source: str

    @property
    def is_script(self) -> bool:
        return self.tag in _SCRIPTS


@dataclass(frozen=True)
class Outline:
    """One process of a document: its elements, flows and code, free of lxml and SpiffWorkflow types."""

    process_id: str | None
    process_name: str | None
    # The ids of the executable processes (or of every process when none is marked executable).
    candidates: tuple[str, ...]
    # Whether the candidates are marked isExecutable="true" (SpiffWorkflow runs only those).
    executable: bool = False
    elements: dict[str, Element] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    code: tuple[Code, ...] = ()
    # Names the document itself gives data: data objects, multi-instance items.
    data_names: frozenset[str] = frozenset()

    def of_kind(self, *kinds: str) -> list[Element]:
        return [element for element in self.elements.values() if element.kind in kinds]

    def outgoing(self, element_id: str) -> list[Flow]:
        return [flow for flow in self.flows.values() if flow.source == element_id]

    def incoming(self, element_id: str) -> list[Flow]:
        return [flow for flow in self.flows.values() if flow.target == element_id]

    def successors(self) -> dict[str, list[str]]:
        """Element id → the elements a token may move to next: along flows, from a task to its
        boundary events, from a sub-process into its start events and from its end events out."""
        following: dict[str, list[str]] = {element_id: [] for element_id in self.elements}
        for flow in self.flows.values():
            if flow.source in following and flow.target in self.elements:
                following[flow.source].append(flow.target)
        for element in self.elements.values():
            if element.attached_to in following:
                following[element.attached_to].append(element.id)
            if element.parent in self.elements:
                if element.kind == "startEvent":
                    following[element.parent].append(element.id)
                elif element.kind == "endEvent":
                    following[element.id].extend(
                        flow.target for flow in self.outgoing(element.parent) if flow.target in self.elements
                    )
        return following


def _local(node: etree._Element) -> str:
    tag = node.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _is_bpmn(node: etree._Element) -> bool:
    return isinstance(node.tag, str) and etree.QName(node.tag).namespace == BPMN_NS


def _properties(node: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for extensions in node.iterchildren(f"{{{BPMN_NS}}}extensionElements"):
        for prop in extensions.iter(f"{{{SPIFF_NS}}}property"):
            name = prop.get("name")
            if name:
                found[name] = prop.get("value") or ""
    return found


def _loop(node: etree._Element) -> str | None:
    if node.find(f"{{{BPMN_NS}}}standardLoopCharacteristics") is not None:
        return "standard"
    if node.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics") is not None:
        return "multi-instance"
    return None


def _lanes(process: etree._Element) -> dict[str, str]:
    """Flow node id → the name of its innermost lane (nested lanes come later in document order)."""
    lanes: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iterchildren(f"{{{BPMN_NS}}}flowNodeRef"):
            if ref.text:
                lanes[ref.text.strip()] = (lane.get("name") or "").strip()
    return lanes


def owning_element(node: etree._Element) -> etree._Element:
    """The nearest element with an id: the task, flow or event a script or expression belongs to."""
    while node.get("id") is None and node.getparent() is not None:
        node = node.getparent()
    return node


def _parent_sub_process(node: etree._Element) -> str | None:
    parent = node.getparent()
    while parent is not None:
        if _is_bpmn(parent) and _local(parent) in SUB_PROCESSES:
            return parent.get("id")
        if _is_bpmn(parent) and _local(parent) == "process":
            return None
        parent = parent.getparent()
    return None


def candidate_processes(root: etree._Element) -> list[etree._Element]:
    processes = [node for node in root.iterchildren(f"{{{BPMN_NS}}}process")]
    executable = [node for node in processes if node.get("isExecutable") == "true"]
    return executable or processes


def outline_document(root: etree._Element) -> Outline:
    """The outline of the document's one executable process (empty when it has none or several)."""
    candidates = candidate_processes(root)
    ids = tuple(node.get("id") or "" for node in candidates)
    executable = all(node.get("isExecutable") == "true" for node in candidates)
    if len(candidates) != 1:
        return Outline(None, None, ids, executable)
    process = candidates[0]
    lanes = _lanes(process)
    elements: dict[str, Element] = {}
    flows: dict[str, Flow] = {}
    for node in process.iter():
        if not _is_bpmn(node) or not node.get("id"):
            continue
        kind = _local(node)
        element_id = node.get("id") or ""
        if kind == "sequenceFlow":
            condition = node.find(f"{{{BPMN_NS}}}conditionExpression")
            text = (condition.text or "").strip() if condition is not None else ""
            flows[element_id] = Flow(
                element_id, node.get("sourceRef") or "", node.get("targetRef") or "", text or None
            )
        elif kind in FLOW_NODES:
            elements[element_id] = Element(
                id=element_id,
                kind=kind,
                name=node.get("name"),
                lane=lanes.get(element_id),
                properties=_properties(node),
                loop=_loop(node),
                default_flow=node.get("default"),
                attached_to=node.get("attachedToRef"),
                parent=_parent_sub_process(node),
                event_definitions=tuple(
                    _local(child)
                    for child in node
                    if _is_bpmn(child) and _local(child).endswith("EventDefinition")
                ),
            )
    code: list[Code] = []
    for node in process.iter():
        if not isinstance(node.tag, str) or _local(node) not in (*_SCRIPTS, *_EXPRESSIONS):
            continue
        if etree.QName(node.tag).namespace not in (BPMN_NS, SPIFF_NS):
            continue
        source = node.text or ""
        if source.strip():
            code.append(Code(owning_element(node).get("id") or process.get("id") or "", _local(node), source))
    data_names = {
        name
        for node in process.iter(
            f"{{{BPMN_NS}}}dataObject",
            f"{{{BPMN_NS}}}dataObjectReference",
            f"{{{BPMN_NS}}}inputDataItem",
            f"{{{BPMN_NS}}}outputDataItem",
            f"{{{BPMN_NS}}}loopDataInputRef",
            f"{{{BPMN_NS}}}loopDataOutputRef",
        )
        for name in (node.get("id"), node.get("name"), (node.text or "").strip())
        if name
    }
    return Outline(
        process.get("id"),
        process.get("name"),
        ids,
        executable,
        elements,
        flows,
        tuple(code),
        frozenset(data_names),
    )


def outline_process(bpmn_xml: bytes) -> Outline:
    """Parse safely and outline; raises InvalidProcessDefinition when the bytes are not usable XML."""
    return outline_document(safe_tree(bpmn_xml))


def element_at_line(bpmn_xml: bytes, line: int) -> str | None:
    """The id of the element drawn at ``line`` of the document (to place a schema error)."""
    root = safe_tree(bpmn_xml)
    best: etree._Element | None = None
    for node in root.iter():
        if isinstance(node.tag, str) and node.sourceline is not None and node.sourceline <= line:
            best = node
    return owning_element(best).get("id") if best is not None else None

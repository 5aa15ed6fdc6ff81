"""A small builder for the processes tests write themselves, as this project's BPMN draws them.

Each element is joined to the one added before it by a sequence flow (``f1``, ``f2`` … in the order
they are added), unless ``after`` names another element; ``condition`` goes on that incoming flow.
Lanes, form keys, ``caseStatus`` marks and the other properties of docs/bpmn-conventions.md are
keyword arguments. A test about the XML itself (malformed, a DTD, a hand-edited real file) writes
its XML inline instead.

    Process("cooperation", lane="window").start().user_task(
        "visit", "入户调查", lane="township", form="note.json", properties={"responsibilityItem": "SP-002"}
    ).end().xml()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from workflow_service.engine.definitions import ParsedProcess, parse_process
from workflow_service.services.directory.routing import KNOWN_LANES

FOLLOW = "<the element added last>"


@dataclass
class _Node:
    tag: str
    id: str
    name: str | None = None
    lane: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    body: str = ""  # what stands after incoming/outgoing: a timer, a loop, a script
    ends: bool = False  # an end event: nothing follows it


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    condition: str | None = None


def standard_loop(condition: str, *, test_before: bool = False) -> str:
    """A loop repeating the task while ``condition`` holds (``loop=`` of a script task)."""
    return (
        f'<bpmn:standardLoopCharacteristics testBefore="{str(test_before).lower()}">'
        f"<bpmn:loopCondition>{escape(condition)}</bpmn:loopCondition></bpmn:standardLoopCharacteristics>"
    )


def multi_instance(cardinality: str, *, sequential: bool = False) -> str:
    """The task once for each of ``cardinality`` instances (``loop=`` of a script task)."""
    return (
        f'<bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}">'
        f"<bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics>"
    )


def _timer(duration: str | None, date: str | None, cycle: str | None) -> str:
    given = (("timeDuration", duration), ("timeDate", date), ("timeCycle", cycle))
    chosen = [(tag, value) for tag, value in given if value is not None]
    if len(chosen) != 1:
        raise ValueError("a timer takes exactly one of duration, date and cycle")
    ((tag, value),) = chosen
    return f"<bpmn:timerEventDefinition><bpmn:{tag}>{escape(value)}</bpmn:{tag}></bpmn:timerEventDefinition>"


class Process:
    """One executable process; ``lane`` is the lane of every element that names none."""

    def __init__(self, key: str, name: str | None = None, *, lane: str | None = None) -> None:
        self.key = key
        self.name = name
        self.lane = lane
        self._nodes: list[_Node] = []
        self._flows: list[_Flow] = []
        self._defaults: dict[str, str] = {}  # gateway id → the target of its default flow

    # Events ----------------------------------------------------------------------------------------

    def start(
        self,
        id: str = "start",
        *,
        lane: str | None = None,
        status: str | None = None,
        form: str | None = None,
    ) -> Process:
        """The start event; ``form`` is the application the window registers."""
        return self._add(_Node("startEvent", id, lane=lane, properties=_properties(form, status)), None)

    def timer(
        self,
        id: str,
        name: str,
        *,
        duration: str | None = None,
        date: str | None = None,
        cycle: str | None = None,
        lane: str | None = None,
        after: str | None = FOLLOW,
        condition: str | None = None,
        properties: dict[str, str] | None = None,
    ) -> Process:
        """An intermediate timer the case waits at (each value an expression, as the engine reads it)."""
        body = _timer(duration, date, cycle)
        node = _Node("intermediateCatchEvent", id, name, lane, body=body, properties=properties or {})
        return self._add(node, after, condition)

    def boundary_timer(
        self,
        id: str,
        name: str,
        attached_to: str,
        *,
        duration: str | None = None,
        date: str | None = None,
        cycle: str | None = None,
        interrupting: bool = True,
        properties: dict[str, str] | None = None,
    ) -> Process:
        """A timer on the task ``attached_to``; what is added next follows it."""
        attributes = {"attachedToRef": attached_to, "cancelActivity": str(interrupting).lower()}
        body = _timer(duration, date, cycle)
        node = _Node("boundaryEvent", id, name, attributes=attributes, body=body, properties=properties or {})
        return self._add(node, None)

    def mark(
        self,
        id: str,
        status: str,
        name: str | None = None,
        *,
        after: str | None = FOLLOW,
        condition: str | None = None,
    ) -> Process:
        """An intermediate throw event carrying a ``caseStatus`` mark (a decision taken at a gateway)."""
        node = _Node("intermediateThrowEvent", id, name, properties=_properties(None, status))
        return self._add(node, after, condition)

    def end(
        self,
        id: str = "end",
        *,
        status: str | None = None,
        lane: str | None = None,
        after: str | None = FOLLOW,
        condition: str | None = None,
    ) -> Process:
        node = _Node("endEvent", id, lane=lane, properties=_properties(None, status), ends=True)
        return self._add(node, after, condition)

    # Activities and gateways -----------------------------------------------------------------------

    def user_task(
        self,
        id: str,
        name: str,
        *,
        form: str | None,
        lane: str | None = None,
        status: str | None = None,
        properties: dict[str, str] | None = None,
        after: str | None = FOLLOW,
        condition: str | None = None,
    ) -> Process:
        """A user task; ``properties`` are the others (``responsibilityItem``, ``departmentType`` …)."""
        node = _Node("userTask", id, name, lane, {**_properties(form, status), **(properties or {})})
        return self._add(node, after, condition)

    def script_task(
        self,
        id: str,
        name: str,
        script: str,
        *,
        loop: str = "",
        lane: str | None = None,
        after: str | None = FOLLOW,
        condition: str | None = None,
    ) -> Process:
        """A script task; ``loop`` is a ``standard_loop`` or ``multi_instance``."""
        node = _Node("scriptTask", id, name, lane, body=f"{loop}<bpmn:script>{escape(script)}</bpmn:script>")
        return self._add(node, after, condition)

    def gateway(
        self,
        id: str,
        name: str | None = None,
        *,
        default: str | None = None,
        parallel: bool = False,
        lane: str | None = None,
        after: str | None = FOLLOW,
        condition: str | None = None,
    ) -> Process:
        """An exclusive gateway (``default``: the element its default flow leads to), or a parallel one."""
        if default is not None:
            self._defaults[id] = default
        node = _Node("parallelGateway" if parallel else "exclusiveGateway", id, name, lane)
        return self._add(node, after, condition)

    def flow(self, source: str, target: str, *, condition: str | None = None) -> Process:
        """A further sequence flow between elements already added: a loop back, a join."""
        self._flows.append(_Flow(f"f{len(self._flows) + 1}", source, target, condition))
        return self

    # The XML ---------------------------------------------------------------------------------------

    def xml(self) -> str:
        name = f" name={quoteattr(self.name)}" if self.name else ""
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="definitions" targetNamespace="tests">
  <bpmn:process id={quoteattr(self.key)}{name} isExecutable="true">
{self._lane_set()}{"".join(self._node_xml(node) for node in self._nodes)}{"".join(map(self._flow_xml, self._flows))}\
  </bpmn:process>
</bpmn:definitions>
"""

    def _add(self, node: _Node, after: str | None, condition: str | None = None) -> Process:
        if any(existing.id == node.id for existing in self._nodes):
            raise ValueError(f"two elements named {node.id}")
        if node.tag != "boundaryEvent":
            node.lane = node.lane or self.lane
        if after == FOLLOW:
            if not self._nodes or self._nodes[-1].ends:
                raise ValueError(f"{node.id}: say which element it comes after")
            after = self._nodes[-1].id
        self._nodes.append(node)
        if after is not None:
            self.flow(after, node.id, condition=condition)
        elif condition is not None:
            raise ValueError(f"{node.id}: a condition needs a flow to stand on")
        return self

    def _lane_set(self) -> str:
        lanes: dict[str, list[str]] = {}
        for node in self._nodes:
            if node.lane:
                lanes.setdefault(node.lane, []).append(node.id)
        if not lanes:
            return ""
        drawn = "".join(
            f'      <bpmn:lane id="lane_{lane}" name="{lane}">'
            + "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs)
            + "</bpmn:lane>\n"
            for lane, refs in lanes.items()
        )
        return f'    <bpmn:laneSet id="lanes">\n{drawn}    </bpmn:laneSet>\n'

    def _node_xml(self, node: _Node) -> str:
        attributes = {"id": node.id, **({"name": node.name} if node.name else {}), **node.attributes}
        if node.id in self._defaults:
            attributes["default"] = self._flow_to(node.id, self._defaults[node.id]).id
        opening = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
        extensions = ""
        if node.properties:
            listed = "".join(
                f"<spiffworkflow:property name={quoteattr(key)} value={quoteattr(value)} />"
                for key, value in node.properties.items()
            )
            extensions = (
                f"<bpmn:extensionElements><spiffworkflow:properties>{listed}"
                "</spiffworkflow:properties></bpmn:extensionElements>"
            )
        incoming = "".join(
            f"<bpmn:incoming>{f.id}</bpmn:incoming>" for f in self._flows if f.target == node.id
        )
        outgoing = "".join(
            f"<bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in self._flows if f.source == node.id
        )
        return (
            f"    <bpmn:{node.tag} {opening}>{extensions}{incoming}{outgoing}{node.body}</bpmn:{node.tag}>\n"
        )

    def _flow_to(self, source: str, target: str) -> _Flow:
        for flow in self._flows:
            if (flow.source, flow.target) == (source, target):
                return flow
        raise ValueError(f"no flow from {source} to {target}")

    @staticmethod
    def _flow_xml(flow: _Flow) -> str:
        ends = f'sourceRef="{flow.source}" targetRef="{flow.target}"'
        if flow.condition is None:
            return f'    <bpmn:sequenceFlow id="{flow.id}" {ends} />\n'
        expression = f"<bpmn:conditionExpression>{escape(flow.condition)}</bpmn:conditionExpression>"
        return f'    <bpmn:sequenceFlow id="{flow.id}" {ends}>{expression}</bpmn:sequenceFlow>\n'


def _properties(form: str | None, status: str | None) -> dict[str, str]:
    return {
        **({"formJsonSchemaFilename": form} if form else {}),
        **({"caseStatus": status} if status else {}),
    }


def parsed(xml: str, name: str = "test.bpmn") -> ParsedProcess:
    """The process as the engine reads it, with the lanes routing knows."""
    return parse_process(xml, name, KNOWN_LANES)


def scripted(script: str, condition: str = "fee > 100") -> str:
    """start → the script task 计算 → a gateway: to an end marked approved when ``condition`` holds,
    else (its default) to one marked refused."""
    return (
        Process("scripted")
        .start()
        .script_task("compute", "计算", script)
        .gateway("gate", default="low")
        .end("high", status="approved", condition=condition)
        .end("low", status="refused", after="gate")
        .xml()
    )

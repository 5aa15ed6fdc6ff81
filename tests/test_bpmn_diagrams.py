"""Every process in bpmn/ carries a diagram a modeller draws as it runs: each element and flow has
its shape or edge, each element sits inside its lane, each flow is drawn between its ends, and no
shape or label covers another."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from workflow_service.config import PROJECT_ROOT

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
NOT_DRAWN = {"laneSet", "sequenceFlow", "documentation", "extensionElements", "ioSpecification", "dataObject"}
Box = tuple[float, float, float, float]


def _shapes(root: etree._Element) -> dict[str, Box]:
    shapes = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        bounds = shape.find("dc:Bounds", NS)
        shapes[shape.get("bpmnElement")] = tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))
    return shapes


def _inside(inner: Box, outer: Box) -> bool:
    x, y, width, height = inner
    ox, oy, owidth, oheight = outer
    return ox <= x and x + width <= ox + owidth and oy <= y and y + height <= oy + oheight


def _on_border(point: tuple[float, float], box: Box) -> bool:
    x, y = point
    bx, by, width, height = box
    within = bx - 1 <= x <= bx + width + 1 and by - 1 <= y <= by + height + 1
    return within and min(abs(x - bx), abs(x - bx - width), abs(y - by), abs(y - by - height)) <= 1


def diagram_problems(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    shapes = _shapes(root)
    edges = {
        edge.get("bpmnElement"): [
            (float(w.get("x")), float(w.get("y"))) for w in edge.iterfind("di:waypoint", NS)
        ]
        for edge in root.iterfind(".//bpmndi:BPMNEdge", NS)
    }
    process = root.find("bpmn:process[@isExecutable='true']", NS)
    problems = [
        f"{node.get('id')}: 没有图形"
        for node in process
        if node.get("id") and etree.QName(node).localname not in NOT_DRAWN and node.get("id") not in shapes
    ]
    for lane in process.iterfind(".//bpmn:lane", NS):
        lane_box = shapes.get(lane.get("id"))
        if lane_box is None:
            problems.append(f"{lane.get('id')}: 泳道没有图形")
            continue
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            if ref.text in shapes and not _inside(shapes[ref.text], lane_box):
                problems.append(f"{ref.text}: 不在泳道 {lane.get('name')} 内")
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        points = edges.get(flow.get("id"))
        if not points:
            problems.append(f"{flow.get('id')}: 没有连线")
            continue
        source, target = shapes.get(flow.get("sourceRef")), shapes.get(flow.get("targetRef"))
        if source and not _on_border(points[0], source):
            problems.append(f"{flow.get('id')}: 连线不从 {flow.get('sourceRef')} 出发")
        if target and not _on_border(points[-1], target):
            problems.append(f"{flow.get('id')}: 连线不到达 {flow.get('targetRef')}")
    return problems


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn")), ids=lambda path: path.stem)
def test_diagram_matches_the_process(path: Path) -> None:
    assert diagram_problems(path) == []


def test_a_flow_drawn_elsewhere_is_reported(tmp_path: Path) -> None:
    original = (PROJECT_ROOT / "bpmn" / "senior_citizen_card.bpmn").read_text(encoding="utf-8")
    moved = original.replace('<di:waypoint x="608" y="160" /><di:waypoint x="652" y="160" />', "", 1)
    moved = moved.replace(
        '<dc:Bounds x="572" y="142" width="36" height="36" />',
        '<dc:Bounds x="572" y="300" width="36" height="36" />',
    )
    (tmp_path / "moved.bpmn").write_text(moved, encoding="utf-8")
    assert diagram_problems(tmp_path / "moved.bpmn") == [
        "approved: 不在泳道 window 内",
        "flow_accepted_approved: 连线不到达 approved",
        "flow_approved_issued: 没有连线",
    ]


def overlapping_boxes(path: Path) -> list[tuple[str, str]]:
    """Pairs of shapes or labels (lanes and pools aside) drawn over each other."""
    root = etree.parse(str(path)).getroot()
    boxes: dict[str, Box] = {}
    for holder in [*root.iterfind(".//bpmndi:BPMNShape", NS), *root.iterfind(".//bpmndi:BPMNEdge", NS)]:
        element = holder.get("bpmnElement")
        if element.startswith(("Lane_", "Participant_")):
            continue
        for name, bounds in (
            (element, holder.find("dc:Bounds", NS)),
            (f"{element} label", holder.find("bpmndi:BPMNLabel/dc:Bounds", NS)),
        ):
            if bounds is not None:
                boxes[name] = tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))
    # A boundary event sits on its task's edge, as BPMN draws it.
    attached = {
        (event.get("id"), event.get("attachedToRef")) for event in root.iterfind(".//bpmn:boundaryEvent", NS)
    }
    names = sorted(boxes)
    return [
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if (a, b) not in attached
        and (b, a) not in attached
        and boxes[a][0] < boxes[b][0] + boxes[b][2]
        and boxes[b][0] < boxes[a][0] + boxes[a][2]
        and boxes[a][1] < boxes[b][1] + boxes[b][3]
        and boxes[b][1] < boxes[a][1] + boxes[a][3]
    ]


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn")), ids=lambda path: path.stem)
def test_no_shape_or_label_covers_another(path: Path) -> None:
    assert overlapping_boxes(path) == []

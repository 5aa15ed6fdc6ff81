"""BPMN drawn by other tools imports: the OMG interchange suite's reference models and bpmn.io
(Camunda Modeler) exports (tests/data/bpmn-miwg, CC BY 3.0), each sent through the validation API.

Each gets a report (200) or a problem+json naming what the service cannot read (4xx), never a 5xx;
every error of a report names an element of the file, and extensions of other tools
(``camunda:`` …) are kept in the XML and do not count against it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.api import ApiClient
from workflow_service.config import PROJECT_ROOT

SUITE = Path(__file__).parent / "data" / "bpmn-miwg"
FILES = sorted(SUITE.rglob("*.bpmn"))
_ID = re.compile(rb'\bid="([^"]+)"')


def test_the_suite_is_all_there() -> None:
    assert len(FILES) == 64
    assert (SUITE / "LICENSE.txt").is_file()


@pytest.mark.parametrize("path", FILES, ids=lambda path: f"{path.parent.name[:6]}/{path.name}")
def test_each_file_gets_a_report_or_a_problem_naming_elements(client: ApiClient, path: Path) -> None:
    xml = path.read_bytes()
    answer = client.post(
        "/api/v1/process-definitions/validate", "analyst", data=xml, content_type="application/xml"
    )
    assert answer.status_code < 500, answer.get_data(as_text=True)[:500]
    if answer.status_code == 200:
        report = answer.json
        ids = {match.decode() for match in _ID.findall(xml)}
        assert report["valid"] is (not report["errors"])
        assert all(error["element_id"] in ids for error in report["errors"]), report["errors"]
        assert all(error["rule"] and error["message"] for error in report["errors"])
    else:
        assert 400 <= answer.status_code < 500
        assert answer.mimetype == "application/problem+json"
        assert answer.json["detail"]


def test_extensions_of_other_tools_are_kept_and_ignored(client: ApiClient) -> None:
    # A service of ours after a round trip through Camunda Modeler: camunda: attributes and
    # properties beside ours. They change nothing in the report, and a deploy keeps them.
    ours = (PROJECT_ROOT / "bpmn" / "senior_citizen_card.bpmn").read_text(encoding="utf-8")
    camunda = (
        ours.replace(
            "<bpmn:definitions ",
            '<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ',
            1,
        )
        .replace(
            '<bpmn:userTask id="handling" name="受理并发证">',
            '<bpmn:userTask id="handling" name="受理并发证" camunda:assignee="${clerk}" camunda:formKey="x">',
        )
        .replace(
            "<spiffworkflow:properties>",
            '<camunda:properties><camunda:property name="priority" value="high" /></camunda:properties>'
            "<spiffworkflow:properties>",
            1,
        )
    )
    assert camunda.count("camunda:") >= 4
    report = client.post(
        "/api/v1/process-definitions/validate",
        "analyst",
        data=camunda.encode(),
        content_type="application/xml",
    ).json
    assert report == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "key": "senior_citizen_card",
        "name": report["name"],
    }
    deployed = client.post(
        "/api/v1/process-definitions?comment=Camunda Modeler 往返",
        "analyst",
        data=camunda.encode(),
        content_type="application/xml",
    )
    assert deployed.status_code == 201, deployed.json
    stored = client.get(
        f"/api/v1/process-definitions/senior_citizen_card/versions/{deployed.json['version']}/bpmn", "analyst"
    )
    assert 'camunda:assignee="${clerk}"' in stored.get_data(as_text=True)

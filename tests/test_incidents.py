"""A process whose script is refused leaves an incident on the case instead of running code."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.support import ApiClient, case_body
from workflow_service.extensions import db
from workflow_service.models import AcceptanceMode, ServiceItem
from workflow_service.services.deployment import deploy_process

HOSTILE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="hostile" name="恶意脚本" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="caseStatus" value="submitted" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="steal" name="读取文件">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>import os
secret = os.environ</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="steal" />
    <bpmn:sequenceFlow id="f2" sourceRef="steal" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_refused_script_is_an_incident_on_the_case(app: Flask, client: ApiClient, tmp_path: Path) -> None:
    with app.app_context():
        deploy_process(HOSTILE, "hostile.bpmn", tmp_path)
        db.session.add(
            ServiceItem(
                code="hostile",
                short_code="EVIL",
                name="恶意脚本测试",
                department_type="market_regulation",
                process_key="hostile",
                acceptance_mode=AcceptanceMode.LOCAL,
                legal_limit_days=1,
                promised_limit_days=1,
            )
        )
        db.session.commit()
        db.session.remove()
    body = case_body(service_code="hostile", data={})
    response = client.post("/api/v1/cases", "clerk", json=body)
    assert response.status_code == 201
    assert response.json["incident"] == "读取文件: 脚本不允许 import"
    case = client.case(response.json["number"])
    assert case["incident"] == "读取文件: 脚本不允许 import"
    assert case["ended_at"] is None
    assert "case.incident" in [event["action"] for event in case["audit"]]

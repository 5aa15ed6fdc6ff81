"""Deploying processes: a new version only when the BPMN or a form changed; cases keep theirs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask import Flask

from tests.support.api import ApiClient
from workflow_service.config import PROJECT_ROOT
from workflow_service.errors import InvalidProcessDefinition
from workflow_service.extensions import db
from workflow_service.services.process.deployment import deploy_folder, deploy_process

BPMN = PROJECT_ROOT / "bpmn" / "individual_business_registration.bpmn"


@pytest.fixture
def forms_copy(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "forms", tmp_path / "forms")
    return tmp_path / "forms"


def test_redeploying_unchanged_files_is_a_no_op(app: Flask) -> None:
    with app.app_context():
        results = deploy_folder(PROJECT_ROOT / "bpmn", PROJECT_ROOT / "forms")
    # One result per file in bpmn/, each the version already deployed by the template.
    assert len(results) == len(list((PROJECT_ROOT / "bpmn").glob("*.bpmn")))
    assert {(r.version, r.created) for r in results} == {(1, False)}
    assert "individual_business_registration" in {r.key for r in results}


def test_changed_form_makes_a_new_version_and_running_cases_keep_theirs(
    app: Flask, client: ApiClient, forms_copy: Path
) -> None:
    running = client.start_case()
    review_form = forms_copy / "individual_business_registration" / "review.json"
    schema = json.loads(review_form.read_text(encoding="utf-8"))
    schema["properties"]["review_opinion"]["minLength"] = 10
    review_form.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    with app.app_context():
        result = deploy_process(BPMN.read_text(encoding="utf-8"), BPMN.name, forms_copy)
        db.session.remove()
    assert (result.version, result.created) == (2, True)

    newer = client.start_case()
    assert client.case(newer)["process"] == {"key": "individual_business_registration", "version": 2}
    assert client.case(running)["process"]["version"] == 1
    for number in (running, newer):
        client.complete(client.open_task(number)["id"], "clerk", {"acceptance_decision": "accept"})
    short_opinion = {"review_decision": "approve", "review_opinion": "同意"}
    old_review, new_review = (client.open_task(n, "approver")["id"] for n in (running, newer))
    assert client.complete(old_review, "approver", short_opinion).status_code == 200
    refused = client.complete(new_review, "approver", short_opinion)
    assert refused.status_code == 422
    assert refused.json["errors"] == {"data.review_opinion": ["至少 10 个字符"]}


def test_missing_form_is_refused_at_deploy(app: Flask, forms_copy: Path) -> None:
    (forms_copy / "individual_business_registration" / "issuance.json").unlink()
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(BPMN.read_text(encoding="utf-8"), BPMN.name, forms_copy)
    # The error names the task that uses the form (the element the modeler highlights).
    assert refused.value.errors == {
        "issuance": ["表单 individual_business_registration/issuance.json 不存在"]
    }


def test_status_marks_out_of_order_are_refused_at_deploy(app: Flask) -> None:
    # A case just submitted cannot be issued before anyone decided on it.
    xml = BPMN.read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="caseStatus" value="accepted" />',
        '<spiffworkflow:property name="caseStatus" value="issued" />',
    )
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(xml, BPMN.name, PROJECT_ROOT / "forms")
    # Reached straight from 申请 (a walk-in case) and after 预审通过 (an online application).
    assert list(refused.value.errors) == ["accepted"]
    assert sorted(refused.value.errors["accepted"]) == [
        "申请/预审 → 已出件 不是允许的状态变更",
        "预审通过 → 已出件 不是允许的状态变更",
    ]


def test_unknown_status_mark_is_refused_at_deploy(app: Flask) -> None:
    xml = BPMN.read_text(encoding="utf-8").replace('value="approved"', 'value="granted"')
    with app.app_context(), pytest.raises(InvalidProcessDefinition) as refused:
        deploy_process(xml, BPMN.name, PROJECT_ROOT / "forms")
    assert "granted" in refused.value.detail

"""Process drafts: an analyst edits a copy of a process's BPMN and forms, validates and deploys it.

A draft belongs to the analyst who started it: for anybody else it does not exist (404). It never
runs a case; deploying it goes through :func:`deploy_process`, the same validation as an upload, and
a draft with any error changes nothing. Every save names the draft's ``version`` it was made from:
a save over a newer one (another tab, a deploy meanwhile) is refused (409), nothing is lost silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import defer

from workflow_service.engine.outline import outline_document
from workflow_service.errors import (
    Conflict,
    InvalidInput,
    InvalidProcessDefinition,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from workflow_service.extensions import db
from workflow_service.models import ProcessDefinition, ProcessDraft, ResponsibilityItem, Role, User
from workflow_service.services.clock import now
from workflow_service.services.process.deployment import deploy_process, latest_definition
from workflow_service.services.process.forms import check_schema
from workflow_service.services.process.validation import (
    Finding,
    FormSource,
    ValidationReport,
    read_document,
    validate_process,
)

# A process key is the BPMN process id, and forms are filed under it: a plain identifier.
PROCESS_KEY = re.compile(r"^[a-z][a-z0-9_]{0,127}$")
# "senior_citizen_card/application.json": folders and a file name, nothing that climbs out.
FORM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]*(/[A-Za-z0-9_][A-Za-z0-9_\-]*)*\.json$")
FORM_NAME_MAX = 255
FORM_MAX_BYTES = 256 * 1024
LIST_LIMIT = 200


class StaleDraft(Conflict):
    title = "草稿已在别处修改，请刷新后重试"
    type_slug = "stale-draft"


class DraftUnchanged(Conflict):
    title = "草稿与当前版本相同，无需部署"
    type_slug = "draft-unchanged"


class NewerVersionDeployed(Conflict):
    title = "草稿开始后流程已部署了新版本"
    type_slug = "newer-version-deployed"


def _require_analyst(actor: User) -> None:
    if not actor.has_role(Role.ANALYST):
        raise PermissionDenied("只有流程管理员可以编辑流程草稿")


def _template(key: str) -> tuple[str, dict[str, dict]]:
    """A new process: registered at the window, one window task, an end — valid as it stands."""
    application = f"{key}/application.json"
    handling = f"{key}/handling.json"
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_{key}">
    <bpmn:participant id="Participant_{key}" name="{key}" processRef="{key}" />
  </bpmn:collaboration>
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_{key}">
      <bpmn:lane id="Lane_window" name="window">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>handling</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="提交申请">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="{application}" />
          <spiffworkflow:property name="caseStatus" value="submitted" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:outgoing>flow_start_handling</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="handling" name="窗口办理">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="{handling}" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_start_handling</bpmn:incoming>
      <bpmn:outgoing>flow_handling_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束">
      <bpmn:incoming>flow_handling_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_start_handling" sourceRef="start" targetRef="handling" />
    <bpmn:sequenceFlow id="flow_handling_end" sourceRef="handling" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_{key}">
    <bpmndi:BPMNPlane id="Plane_{key}" bpmnElement="Collaboration_{key}">
      <bpmndi:BPMNShape id="Participant_{key}_di" bpmnElement="Participant_{key}" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="600" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_window_di" bpmnElement="Lane_window" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="570" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="202" y="142" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="handling_di" bpmnElement="handling">
        <dc:Bounds x="320" y="120" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="512" y="142" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_start_handling_di" bpmnElement="flow_start_handling">
        <di:waypoint x="238" y="160" />
        <di:waypoint x="320" y="160" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="flow_handling_end_di" bpmnElement="flow_handling_end">
        <di:waypoint x="420" y="160" />
        <di:waypoint x="512" y="160" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
    forms: dict[str, dict] = {
        application: {"title": "申请表", "type": "object", "properties": {}},
        handling: {"title": "办理", "type": "object", "properties": {}},
    }
    return bpmn, forms


def start_draft(actor: User, process_key: str, from_version: int | None = None) -> ProcessDraft:
    """A new draft from a deployed version (the latest when none is named); an unknown key starts
    from a small valid template. The named version must exist (404)."""
    _require_analyst(actor)
    if not PROCESS_KEY.match(process_key or ""):
        raise InvalidInput(
            "流程标识有误",
            errors={"process_key": ["须以小写字母开头，只含小写字母、数字和下划线，最多 128 个字符"]},
        )
    if from_version is not None:
        definition = db.session.execute(
            select(ProcessDefinition).where(
                ProcessDefinition.key == process_key, ProcessDefinition.version == from_version
            )
        ).scalar_one_or_none()
        if definition is None:
            raise NotFound(f"流程 {process_key} 没有第 {from_version} 版")
    else:
        definition = latest_definition(process_key, required=False)
    if definition is None:
        bpmn, forms = _template(process_key)
        draft = ProcessDraft(process_key=process_key, name=process_key, bpmn_xml=bpmn, forms=forms)
    else:
        draft = ProcessDraft(
            process_key=process_key,
            name=definition.name,
            base_version=definition.version,
            bpmn_xml=definition.bpmn_xml,
            forms=dict(definition.forms),
        )
    at = now()
    draft.owner_id = actor.id
    draft.version = 1
    draft.created_at = draft.updated_at = at
    db.session.add(draft)
    db.session.commit()
    return draft


def _own(actor: User, draft_id: int) -> ProcessDraft:
    # Looked up before the role check: nobody else's draft exists for anyone (404), and only an
    # analyst who lost the role meanwhile is told 403 about their own.
    draft = (
        db.session.execute(
            select(ProcessDraft).where(ProcessDraft.id == draft_id, ProcessDraft.owner_id == actor.id)
        ).scalar_one_or_none()
        if 0 < draft_id < 2**31
        else None
    )
    if draft is None:
        raise NotFound(f"流程草稿 {draft_id} 不存在")
    _require_analyst(actor)
    return draft


def draft_for(actor: User, draft_id: int) -> ProcessDraft:
    """One of the actor's drafts; anybody else's (or none) is 404."""
    return _own(actor, draft_id)


def list_drafts(actor: User) -> list[ProcessDraft]:
    """The actor's drafts, the most recently saved first, without their BPMN and forms."""
    _require_analyst(actor)
    return list(
        db.session.execute(
            select(ProcessDraft)
            .options(defer(ProcessDraft.bpmn_xml), defer(ProcessDraft.forms))
            .where(ProcessDraft.owner_id == actor.id)
            .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())
            .limit(LIST_LIMIT)
        ).scalars()
    )


def _save(draft: ProcessDraft, expected_version: int | None, **values: Any) -> ProcessDraft:
    """Write ``values`` only over the version the analyst read: one UPDATE … WHERE version = N, so two
    tabs saving at once give one success and one 409, never a lost edit."""
    if expected_version is None:
        raise InvalidInput("缺少草稿版本", errors={"version": ["必填：修改所基于的草稿版本"]})
    if draft.version != expected_version:
        raise StaleDraft(f"草稿已更新为第 {draft.version} 次保存，你的页面基于第 {expected_version} 次")
    values |= {"version": expected_version + 1, "updated_at": now()}
    result = db.session.execute(
        update(ProcessDraft)
        .where(ProcessDraft.id == draft.id, ProcessDraft.version == expected_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise StaleDraft("草稿刚被另一个页面保存，请刷新后重试")
    db.session.commit()
    db.session.refresh(draft)
    return draft


def save_draft_bpmn(actor: User, draft_id: int, bpmn_xml: str, expected_version: int) -> ProcessDraft:
    """Replace the draft's BPMN. It must be XML the safe parser reads (no DTD, UTF-8: 400) within
    ``BPMN_MAX_BYTES`` (413); whether it is a valid process is :func:`validate_draft`'s question."""
    draft = _own(actor, draft_id)
    raw = bpmn_xml.encode("utf-8")
    cap = int(current_app.config["BPMN_MAX_BYTES"])
    if len(raw) > cap:
        raise PayloadTooLarge(f"BPMN 不能超过 {cap // 1024} KB")
    outline = outline_document(read_document(raw))
    name = (outline.process_name or draft.name)[:255]
    return _save(draft, expected_version, bpmn_xml=bpmn_xml, name=name)


def _form_name(form_name: str) -> str:
    if len(form_name) > FORM_NAME_MAX or not FORM_NAME.match(form_name) or ".." in form_name:
        raise InvalidInput(
            "表单文件名有误",
            errors={"name": ["须为以 .json 结尾的相对路径，如 senior_citizen_card/application.json"]},
        )
    return form_name


def save_draft_form(
    actor: User, draft_id: int, form_name: str, schema: Mapping[str, Any], expected_version: int
) -> ProcessDraft:
    """Add or replace one form of the draft; it must be a JSON Schema draft-07 object (422)."""
    draft = _own(actor, draft_id)
    name = _form_name(form_name)
    if not isinstance(schema, Mapping):
        raise InvalidInput("表单须为 JSON 对象", errors={"schema": ["表单须为 JSON 对象"]})
    if len(json.dumps(schema, ensure_ascii=False).encode()) > FORM_MAX_BYTES:
        raise PayloadTooLarge(f"表单不能超过 {FORM_MAX_BYTES // 1024} KB")
    try:
        check_schema(schema, name)
    except InvalidProcessDefinition as refused:
        # check_schema names each wrong place (schema.properties.x.type); the detail when it cannot
        raise InvalidInput(refused.detail, errors=refused.errors or {"schema": [refused.detail]}) from None
    return _save(draft, expected_version, forms={**draft.forms, name: dict(schema)})


def delete_draft_form(
    actor: User, draft_id: int, form_name: str, expected_version: int | None
) -> ProcessDraft:
    """Remove one form from the draft (404 when the draft has no such form)."""
    draft = _own(actor, draft_id)
    if form_name not in draft.forms:
        raise NotFound(f"草稿中没有表单 {form_name}")
    return _save(draft, expected_version, forms={k: v for k, v in draft.forms.items() if k != form_name})


def deployed_forms() -> dict[str, dict]:
    """The forms of the latest version of every process, by form name: what a draft may pick."""
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    rows = db.session.execute(
        select(ProcessDefinition.forms).join(
            newest,
            (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.version),
        )
    ).scalars()
    found: dict[str, dict] = {}
    for forms in rows:
        found.update(forms)
    return found


def _form_source(draft: ProcessDraft) -> FormSource:
    """The draft's own forms first, then those deployed."""
    uploaded = {name: json.dumps(schema, ensure_ascii=False) for name, schema in draft.forms.items()}
    return FormSource(uploaded=uploaded, deployed=deployed_forms())


def _filename(draft: ProcessDraft) -> str:
    return f"{draft.process_key}.bpmn"


def _report(draft: ProcessDraft) -> ValidationReport:
    report = validate_process(draft.bpmn_xml.encode("utf-8"), _filename(draft), _form_source(draft))
    if report.key is not None and report.key != draft.process_key:
        # Deploying it would make (or overwrite) another process than the one this draft edits.
        wrong = Finding(
            report.key,
            "draft-process-key",
            f"流程 id 须为 {draft.process_key}（草稿所编辑的流程），实际为 {report.key}",
        )
        report = replace(report, errors=(wrong, *report.errors))
    return report


def validate_draft(actor: User, draft_id: int) -> ValidationReport:
    """The validation report of the draft as saved: every error names its element. Stores nothing."""
    return _report(_own(actor, draft_id))


def deploy_draft(
    actor: User, draft_id: int, comment: str | None, latest_version: int | None = None
) -> ProcessDefinition:
    """Deploy the draft as the process's next version, which new cases use; running cases stay on theirs.

    A draft failing validation is refused with its report (422) and nothing changes. When another
    version was deployed after the draft started, the deploy would undo that version's changes: it is
    refused (409) unless ``latest_version`` names that newest version, the analyst's confirmation.
    An unchanged draft makes no version (409). Afterwards the draft continues from the new version.
    """
    draft = _own(actor, draft_id)
    report = _report(draft)
    if not report.valid:
        raise report.refusal()
    latest = latest_definition(draft.process_key, required=False)
    if latest is not None and latest.version != draft.base_version and latest_version != latest.version:
        raise NewerVersionDeployed(
            f"草稿基于第 {draft.base_version or 0} 版，流程已有第 {latest.version} 版；"
            "确认后再部署会覆盖其改动",
            extensions={"latest_version": latest.version},
        )
    source = _form_source(draft)
    next_version = (latest.version if latest else 0) + 1
    # Changed before deploy_process commits, so the new version and the draft's base are one transaction.
    draft.base_version = next_version
    draft.version += 1
    draft.updated_at = now()
    result = deploy_process(
        draft.bpmn_xml,
        _filename(draft),
        None,
        actor,
        comment=comment,
        uploaded_forms=source.uploaded,
        deployed_forms=source.deployed,
    )
    if not result.created:
        db.session.rollback()
        raise DraftUnchanged(f"草稿与第 {result.version} 版相同，无需部署")
    return db.session.execute(
        select(ProcessDefinition).where(
            ProcessDefinition.key == result.key, ProcessDefinition.version == result.version
        )
    ).scalar_one()


@dataclass(frozen=True)
class Workbench:
    """What the modeler page shows beside the draft: the choices its properties panel offers."""

    draft: ProcessDraft
    form_names: tuple[str, ...]  # the draft's own forms and those deployed
    responsibility_items: tuple[tuple[str, str], ...]  # (code, matter)
    latest_version: int | None


def workbench(actor: User, draft_id: int) -> Workbench:
    """One draft with the forms and responsibility items its tasks may name (four statements)."""
    draft = _own(actor, draft_id)
    items = db.session.execute(
        select(ResponsibilityItem.code, ResponsibilityItem.matter).order_by(ResponsibilityItem.code)
    ).all()
    latest = db.session.execute(
        select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == draft.process_key)
    ).scalar_one_or_none()
    names = sorted(set(draft.forms) | set(deployed_forms()))
    return Workbench(draft, tuple(names), tuple((code, matter) for code, matter in items), latest)


def discard_draft(actor: User, draft_id: int) -> None:
    """Delete the draft; deployed versions are untouched."""
    db.session.delete(_own(actor, draft_id))
    db.session.commit()

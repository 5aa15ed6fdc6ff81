"""Deploy BPMN files with their forms as versioned process definitions (a no-op when unchanged).

Before anything is stored the file is checked: its scripts, status marks, responsibility items,
start lane, and its forms — valid JSON Schema, and carrying the fields the step effects read from
the tasks they may apply to (services.process.step_forms).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from sqlalchemy import func, select

from workflow_service.engine.definitions import ParsedProcess, parse_process, refused_scripts
from workflow_service.errors import InvalidProcessDefinition, NotFound
from workflow_service.extensions import db
from workflow_service.models import ProcessDefinition, ResponsibilityItem, User
from workflow_service.services import audit
from workflow_service.services.directory.routing import KNOWN_LANES, REGISTERING_LANES
from workflow_service.services.process import step_effects
from workflow_service.services.process.case_status import check_result_labels, check_status_marks
from workflow_service.services.process.forms import check_schema
from workflow_service.services.process.step_forms import check_step_forms


@dataclass(frozen=True)
class DeployResult:
    key: str
    version: int
    created: bool


def _load_forms(parsed: ParsedProcess, forms_folder: Path) -> dict[str, dict]:
    forms: dict[str, dict] = {}
    missing: dict[str, list[str]] = {}
    root = forms_folder.resolve()
    for key in sorted(parsed.form_keys):
        path = (forms_folder / key).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            missing.setdefault(key, []).append("表单文件不存在")
            continue
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise InvalidProcessDefinition(f"表单 {key} 不是合法的 JSON: {error}") from None
        check_schema(schema, key)
        forms[key] = schema
    if missing:
        raise InvalidProcessDefinition("流程引用的表单不存在", errors=missing)
    return forms


def _content_hash(bpmn_xml: str, forms: dict[str, dict]) -> str:
    digest = hashlib.sha256(bpmn_xml.encode())
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def _check_responsibility_items(parsed: ParsedProcess) -> None:
    """A township task names the responsibility-list item it fulfils, and that item exists."""
    known = set(db.session.execute(select(ResponsibilityItem.code)).scalars())
    problems: dict[str, list[str]] = {}
    for task in parsed.user_tasks:
        if task.lane == "township" and not task.responsibility_item:
            problems.setdefault(task.bpmn_id, []).append(
                "乡镇配合任务须指定配合事项（扩展属性 responsibilityItem）"
            )
        elif task.responsibility_item and task.responsibility_item not in known:
            problems.setdefault(task.bpmn_id, []).append(f"配合事项 {task.responsibility_item} 不在清单中")
    if problems:
        raise InvalidProcessDefinition("流程引用的配合事项有误", errors=problems)


def _check_start_lane(parsed: ParsedProcess) -> None:
    """The start event's lane says who registers a case; only some lanes can."""
    if parsed.start_lane is not None and parsed.start_lane not in REGISTERING_LANES:
        raise InvalidProcessDefinition(
            "开始事件所在泳道不能登记办件",
            errors={"start": [f"开始事件须位于泳道 {' / '.join(sorted(REGISTERING_LANES))} 之一"]},
        )


def _check_scripts(bpmn_xml: str, filename: str) -> None:
    """Every script and expression compiles in the evaluator, so none is first refused on a case."""
    refused = refused_scripts(bpmn_xml)
    if refused:
        raise InvalidProcessDefinition(
            f"{filename}: 脚本或条件被拒绝 — " + "; ".join(refused.values()),
            errors={element: [reason] for element, reason in refused.items()},
        )


def deploy_process(
    bpmn_xml: str, filename: str, forms_folder: Path, actor: User | None = None
) -> DeployResult:
    """Parse, check and store one BPMN file; a new version only when the BPMN or a form changed."""
    parsed = parse_process(bpmn_xml, filename, KNOWN_LANES)
    _check_scripts(bpmn_xml, filename)
    check_status_marks(list(parsed.start_ids), parsed.successors, parsed.status_marks)
    check_result_labels(parsed.result_labels, parsed.status_marks)
    _check_responsibility_items(parsed)
    _check_start_lane(parsed)
    forms = _load_forms(parsed, forms_folder)
    check_step_forms(parsed, forms, step_effects.installed(), filename)
    content_hash = _content_hash(bpmn_xml, forms)
    latest = latest_definition(parsed.key, required=False)
    if latest is not None and latest.content_hash == content_hash:
        return DeployResult(parsed.key, latest.version, created=False)
    version = (latest.version if latest else 0) + 1
    db.session.add(
        ProcessDefinition(
            key=parsed.key,
            name=parsed.name,
            version=version,
            content_hash=content_hash,
            bpmn_xml=bpmn_xml,
            forms=forms,
            start_form_key=parsed.start_form_key,
            spec_json=parsed.spec_json,
        )
    )
    audit.record("process.deployed", actor, summary={"key": parsed.key, "version": version, "file": filename})
    db.session.commit()
    return DeployResult(parsed.key, version, created=True)


def deploy_folder(bpmn_folder: Path, forms_folder: Path, actor: User | None = None) -> list[DeployResult]:
    """Deploy every ``*.bpmn`` file of a folder, in name order."""
    return [
        deploy_process(path.read_text(encoding="utf-8"), path.name, forms_folder, actor)
        for path in sorted(bpmn_folder.glob("*.bpmn"))
    ]


@overload
def latest_definition(key: str) -> ProcessDefinition: ...


@overload
def latest_definition(key: str, *, required: bool) -> ProcessDefinition | None: ...


def latest_definition(key: str, *, required: bool = True) -> ProcessDefinition | None:
    newest = select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key).scalar_subquery()
    definition = db.session.execute(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == newest)
    ).scalar_one_or_none()
    if definition is None and required:
        raise NotFound(f"流程 {key} 尚未部署")
    return definition

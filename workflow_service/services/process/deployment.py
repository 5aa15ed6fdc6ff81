"""Deploy BPMN files with their forms as versioned process definitions (a no-op when unchanged).

Before anything is stored the file passes the validation report (services.process.validation):
lanes, forms (valid JSON Schema, with the fields the step effects read), gateways, status marks,
scripts, timers, loops, responsibility items and the start lane.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from sqlalchemy import func, select

from workflow_service.engine.definitions import parse_process
from workflow_service.errors import NotFound
from workflow_service.extensions import db
from workflow_service.models import ProcessDefinition, User
from workflow_service.services import audit
from workflow_service.services.directory.routing import KNOWN_LANES
from workflow_service.services.process.validation import FormSource, validate_process


@dataclass(frozen=True)
class DeployResult:
    key: str
    version: int
    created: bool


def _content_hash(bpmn_xml: str, forms: dict[str, dict]) -> str:
    digest = hashlib.sha256(bpmn_xml.encode())
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def deploy_process(
    bpmn_xml: str | bytes,
    filename: str,
    forms_folder: Path | None,
    actor: User | None = None,
    *,
    comment: str | None = None,
    uploaded_forms: Mapping[str, str] | None = None,
    deployed_forms: Mapping[str, dict] | None = None,
) -> DeployResult:
    """Validate and store one BPMN file; a new version only when the BPMN or a form changed.

    The file is refused (InvalidProcessDefinition, each error at its element) when the validation
    report (services.process.validation) has any error; nothing is stored then.
    """
    raw = bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml
    source = FormSource(uploaded_forms or {}, forms_folder, deployed_forms or {})
    report = validate_process(raw, filename, source)
    if not report.valid:
        raise report.refusal()
    text = raw.decode("utf-8")
    parsed = parse_process(raw, filename, KNOWN_LANES)
    forms = {key: report.forms[key] for key in sorted(parsed.form_keys)}
    content_hash = _content_hash(text, forms)
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
            bpmn_xml=text,
            forms=forms,
            start_form_key=parsed.start_form_key,
            spec_json=parsed.spec_json,
            deployed_by_id=actor.id if actor else None,
            comment=comment or None,
        )
    )
    summary = {"key": parsed.key, "version": version, "file": filename}
    if comment:
        summary["comment"] = comment
    audit.record("process.deployed", actor, summary=summary)
    db.session.commit()
    return DeployResult(parsed.key, version, created=True)


def deploy_folder(bpmn_folder: Path, forms_folder: Path, actor: User | None = None) -> list[DeployResult]:
    """Deploy every ``*.bpmn`` file of a folder, in name order."""
    return [
        deploy_process(path.read_bytes(), path.name, forms_folder, actor)
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


def deployed_process_keys() -> list[str]:
    """The keys of every deployed process, in order: the processes a service item may run."""
    return list(
        db.session.execute(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)).scalars()
    )

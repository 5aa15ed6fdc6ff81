"""The process library: every definition's versions (who deployed them, why, their running cases),
and validating or deploying an upload — read by analysts, admins and supervisors, changed by analysts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only

from workflow_service.engine.outline import outline_document
from workflow_service.errors import NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import Case, ProcessDefinition, Role, User
from workflow_service.services.process.deployment import DeployResult, deploy_process, latest_definition
from workflow_service.services.process.validation import (
    FormSource,
    UnreadableBpmn,
    ValidationReport,
    read_document,
    validate_process,
)

READERS = (Role.ANALYST, Role.ADMIN, Role.SUPERVISOR)
EDITORS = (Role.ANALYST, Role.ADMIN)


@dataclass(frozen=True)
class Upload:
    """A BPMN file sent to be validated or deployed, with the forms sent beside it (key → JSON text)."""

    bpmn: bytes
    filename: str = "upload.bpmn"
    forms: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VersionSummary:
    definition: ProcessDefinition
    running_cases: int


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    name: str
    versions: list[VersionSummary]

    @property
    def latest_version(self) -> int:
        return self.versions[-1].definition.version


@dataclass(frozen=True)
class VersionView:
    definition: ProcessDefinition
    running_cases: int
    # The process's other version numbers, to compare this one with.
    other_versions: tuple[int, ...] = ()

    @property
    def has_next_version(self) -> bool:
        return self.definition.version + 1 in self.other_versions

    @property
    def deployed_at(self) -> datetime:
        return self.definition.deployed_at


def _require(actor: User, roles: tuple[Role, ...], what: str) -> None:
    if not any(actor.has_role(role) for role in roles):
        raise PermissionDenied(what)


def may_read_library(actor: User) -> bool:
    return any(actor.has_role(role) for role in READERS)


def _running_cases(definition_ids: list[int] | None = None) -> dict[int, int]:
    """Open cases per process version, in one GROUP BY."""
    query = (
        select(Case.process_definition_id, func.count(Case.id))
        .where(Case.ended_at.is_(None))
        .group_by(Case.process_definition_id)
    )
    if definition_ids is not None:
        query = query.where(Case.process_definition_id.in_(definition_ids))
    return {row[0]: row[1] for row in db.session.execute(query)}


def process_library(actor: User) -> list[ProcessSummary]:
    """Every process definition by key, each with its versions oldest first (two statements)."""
    _require(actor, READERS, "只有流程管理员、管理员和督办人员可以查看流程库")
    rows = db.session.execute(
        select(ProcessDefinition)
        .options(
            # The list needs none of the large columns (the BPMN, the forms, the parsed spec).
            load_only(
                ProcessDefinition.key,
                ProcessDefinition.name,
                ProcessDefinition.version,
                ProcessDefinition.content_hash,
                ProcessDefinition.deployed_at,
                ProcessDefinition.comment,
                ProcessDefinition.deployed_by_id,
            ),
            joinedload(ProcessDefinition.deployed_by).load_only(User.username, User.full_name),
        )
        .order_by(ProcessDefinition.key, ProcessDefinition.version)
    ).scalars()
    running = _running_cases()
    library: dict[str, list[VersionSummary]] = {}
    for row in rows:
        library.setdefault(row.key, []).append(VersionSummary(row, running.get(row.id, 0)))
    return [ProcessSummary(key, versions[-1].definition.name, versions) for key, versions in library.items()]


def process_version(actor: User, key: str, version: int) -> VersionView:
    """One version with its BPMN and forms (404 when there is no such version)."""
    _require(actor, READERS, "只有流程管理员、管理员和督办人员可以查看流程库")
    definition = db.session.execute(
        select(ProcessDefinition)
        .options(joinedload(ProcessDefinition.deployed_by))
        .where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    ).scalar_one_or_none()
    if definition is None:
        raise NotFound(f"流程 {key} 没有第 {version} 版")
    others = db.session.execute(
        select(ProcessDefinition.version)
        .where(ProcessDefinition.key == key, ProcessDefinition.version != version)
        .order_by(ProcessDefinition.version)
    ).scalars()
    return VersionView(definition, _running_cases([definition.id]).get(definition.id, 0), tuple(others))


def _form_source(upload: Upload) -> FormSource:
    """The uploaded forms first, then those of the version of the same process deployed last."""
    outline = outline_document(read_document(upload.bpmn))
    latest = latest_definition(outline.process_id, required=False) if outline.process_id else None
    return FormSource(uploaded=upload.forms, deployed=latest.forms if latest else {})


def validate_upload(actor: User, upload: Upload) -> ValidationReport:
    """The validation report of an upload (analysts and admins); stores nothing."""
    _require(actor, EDITORS, "只有流程管理员可以校验流程")
    return validate_process(upload.bpmn, upload.filename, _form_source(upload))


def deploy_upload(actor: User, upload: Upload, comment: str | None) -> DeployResult:
    """Deploy an upload as a new version (analysts and admins): refused, and nothing stored, when
    its validation report has an error (422 with each error at its element)."""
    _require(actor, EDITORS, "只有流程管理员可以部署流程")
    source = _form_source(upload)
    return deploy_process(
        upload.bpmn,
        upload.filename,
        None,
        actor,
        comment=comment,
        uploaded_forms=source.uploaded,
        deployed_forms=source.deployed,
    )


__all__ = [
    "ProcessSummary",
    "UnreadableBpmn",
    "Upload",
    "VersionSummary",
    "VersionView",
    "deploy_upload",
    "may_read_library",
    "process_library",
    "process_version",
    "validate_upload",
]

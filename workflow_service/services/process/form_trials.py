"""The forms editor's reads: one form of a deployed version, and a form tried out in the preview
(checked as draft-07 and for the clerks' renderer, the data typed into it validated as at the window).
Nothing here writes; saving a draft's form is ``drafts.save_draft_form``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow_service.errors import NotFound, PermissionDenied
from workflow_service.models import ProcessDefinition, User
from workflow_service.services.process.forms import check_schema, form_errors
from workflow_service.services.process.library import may_read_library, process_version


@dataclass(frozen=True)
class VersionForm:
    """A deployed form, read-only: the version it belongs to, its file name and its JSON Schema."""

    definition: ProcessDefinition
    name: str
    schema: dict[str, Any]


def version_form(actor: User, key: str, version: int, name: str) -> VersionForm:
    """One form of a deployed version (two statements); 404 when the version has no such form."""
    definition = process_version(actor, key, version).definition
    schema = definition.forms.get(name)
    if not isinstance(schema, dict):
        raise NotFound(f"流程 {key} 第 {version} 版没有表单 {name}")
    return VersionForm(definition, name, schema)


def try_form(actor: User, schema: object, data: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Check ``schema`` as a form (422 with a field error at each wrong place) and answer the
    field errors the window would give for ``data`` (``data.<field>``), none when no data is given.
    For whoever reads the process library; no statement."""
    if not may_read_library(actor):
        raise PermissionDenied("只有流程管理员、管理员和督办人员可以试用表单")
    check_schema(schema, "（预览）")
    assert isinstance(schema, Mapping)  # check_schema refused anything else
    return form_errors(schema, data, "data") if data is not None else {}

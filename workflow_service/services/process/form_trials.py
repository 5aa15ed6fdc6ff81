"""The forms editor's reads: one form of a deployed version or of a draft (a new one starting from a
small template), and a form tried out in the preview (checked as draft-07 and for the clerks'
renderer, the data typed into it validated as at the window). Nothing here writes; saving a draft's
form is ``drafts.save_draft_form``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow_service.errors import InvalidInput, NotFound, PermissionDenied
from workflow_service.models import ProcessDefinition, ProcessDraft, User
from workflow_service.services.process.drafts import FORM_NAME, FORM_NAME_MAX, draft_for
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


@dataclass(frozen=True)
class DraftForm:
    """A form of the actor's draft as the editor opens it; ``is_new`` when the draft has none of
    that name yet (its schema is then the template)."""

    draft: ProcessDraft
    name: str
    schema: dict[str, Any]
    is_new: bool


def new_form_template() -> dict[str, Any]:
    """A new task form: a decision, an opinion, and a reason shown only when refusing (x-shown-when)."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "新环节",
        "description": "写明办理人员在此环节要做什么。",
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {
                "type": "string",
                "title": "办理结论",
                "enum": ["approve", "refuse"],
                "enumNames": ["同意", "不同意"],
            },
            "opinion": {"type": "string", "title": "办理意见", "maxLength": 500},
            "refusal_reason": {
                "x-shown-when": {"decision": "refuse"},
                "type": "string",
                "title": "不同意的理由",
                "minLength": 2,
                "maxLength": 500,
            },
        },
        "additionalProperties": False,
    }


def form_name(name: str) -> str:
    """A form's file name as drafts store it (``senior_citizen_card/review.json``), else 422."""
    if len(name) > FORM_NAME_MAX or not FORM_NAME.match(name) or ".." in name:
        raise InvalidInput(
            "表单文件名有误",
            errors={"name": ["须为以 .json 结尾的相对路径，如 senior_citizen_card/review.json"]},
        )
    return name


def draft_form(actor: User, draft_id: int, name: str) -> DraftForm:
    """One form of the actor's draft (one statement), or the template for a name it does not have
    yet; somebody else's draft is 404."""
    draft = draft_for(actor, draft_id)
    schema = draft.forms.get(form_name(name))
    if isinstance(schema, dict):
        return DraftForm(draft, name, schema, is_new=False)
    return DraftForm(draft, name, new_form_template(), is_new=True)


def try_form(actor: User, schema: object, data: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Check ``schema`` as a form (422 with a field error at each wrong place) and answer the
    field errors the window would give for ``data`` (``data.<field>``), none when no data is given.
    For whoever reads the process library; no statement."""
    if not may_read_library(actor):
        raise PermissionDenied("只有流程管理员、管理员和督办人员可以试用表单")
    check_schema(schema, "（预览）")
    assert isinstance(schema, Mapping)  # check_schema refused anything else
    return form_errors(schema, data, "data") if data is not None else {}

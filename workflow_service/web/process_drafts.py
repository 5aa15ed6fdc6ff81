"""The analysts' draft pages: my drafts, the modeler of one draft (bpmn-js with our properties panel),
and the JSON actions its script calls with the session's CSRF header — save, validate, deploy —
through the same service functions as /api/v1/process-drafts."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.request_guard import forbidden_character_message
from workflow_service.services.process import drafts
from workflow_service.services.process.case_status import RESULT_LABEL_CODES, STATUS_LABELS
from workflow_service.web.labels import department_types
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("process_draft_pages", __name__)

COMMENT_MAX_LENGTH = 1000


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("请求体须为 JSON 对象", errors={"_schema": ["请求体须为 JSON 对象"]})
    return body


def _integer(body: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise InvalidInput("输入有误", errors={name: ["须为正整数"]})
    return value


@blp.get("/processes/drafts")
def drafts_page() -> str:
    """My drafts, the most recently saved first, and a form to start a new process."""
    return render_template("process_drafts.html", drafts=drafts.list_drafts(staff()))


@blp.post("/processes/drafts")
def start_page() -> Response:
    """Start a draft from the library (a process and version) or for a new process key."""
    version = request.form.get("from_version", "")
    # Beyond nine digits no version exists (and PostgreSQL's integer would refuse the comparison).
    from_version = int(version) if version.isdigit() and len(version) <= 9 else None
    draft = drafts.start_draft(staff(), request.form.get("process_key", "").strip(), from_version)
    return redirect(url_for("process_draft_pages.modeler_page", draft_id=draft.id))


def _labels() -> dict[str, str]:
    """Every text the modeler's script shows, in the reader's language."""
    return {
        "group": _("一窗通办"),
        "none": _("（无）"),
        "laneRole": _("泳道角色"),
        "laneRoleHint": _("泳道名决定任务送到谁的待办：受理窗口、审批部门、乡镇协同或指挥室"),
        "form": _("表单"),
        "editForm": _("编辑表单"),
        "newForm": _("新建表单"),
        "departmentType": _("办理部门类型"),
        "departmentTypeDefault": _("（事项的主管部门）"),
        "departmentTypeHint": _("该类型覆盖办件所在乡镇的派驻机构，否则为县级部门"),
        "responsibility": _("配合事项"),
        "caseStatus": _("进入办件状态"),
        "noStatus": _("（不改变状态）"),
        "caseStatusHint": _("办件到达此处时进入的状态，须符合状态流转规则"),
        "resultLabel": _("办结结果"),
        "resultLabelHint": _("与“办结-准予”或“办结-不予”状态标记一起使用"),
        "timerDuration": _("定时器时长"),
        "timerDurationHint": _('ISO 8601 时长，写成带引号的表达式，如 "P7D"（7 天）'),
        "pausesClock": _("等待期间暂停计时"),
        "pausesClockHint": _("如公示期：不计入办理时限"),
        "condition": _("条件"),
        "conditionHint": _('对表单字段的表达式，如 acceptance_decision == "accept"'),
        "saved": _("已保存"),
        "unsaved": _("有未保存的修改"),
        "stale": _("草稿已在其他页面或由部署修改，请刷新页面后再改（当前修改未保存）"),
        "saveFailed": _("保存失败"),
        "validateFailed": _("校验失败"),
        "valid": _("校验通过，可以部署"),
        "invalid": _("校验未通过：请按列表修改标红的元素"),
        "deployFailed": _("部署失败"),
        "deployAnyway": _("仍要部署吗？"),
        "deployed": _("已部署为第 __VERSION__ 版，新办件将使用此版本"),
        "openVersion": _("查看第 __VERSION__ 版"),
        "importWarnings": _("流程图导入时有警告"),
        "importFailed": _("流程图无法打开"),
    }


@blp.get("/processes/drafts/<int:draft_id>")
def modeler_page(draft_id: int) -> str:
    """The modeler: the draft's diagram, the properties panel, lint, token simulation and the actions."""
    view = drafts.workbench(staff(), draft_id)
    draft = view.draft
    config = {
        "draftId": draft.id,
        "processKey": draft.process_key,
        "version": draft.version,
        "bpmnXml": draft.bpmn_xml,
        "csrfToken": generate_csrf(),
        "forms": list(view.form_names),
        "statuses": [[status.value, label] for status, label in STATUS_LABELS.items()],
        "resultLabels": list(RESULT_LABEL_CODES),
        "departmentTypes": department_types(),
        "responsibilityItems": [[code, f"{code} {matter}"] for code, matter in view.responsibility_items],
        "lanes": {
            "window": _("受理窗口（前台）"),
            "department": _("审批部门（后台）"),
            "township": _("乡镇协同"),
            "command": _("综合信息指挥室"),
        },
        "formEditorUrl": url_for("process_draft_pages.modeler_page", draft_id=draft.id) + "/forms/__NAME__",
        "urls": {
            "save": url_for("process_draft_pages.save_bpmn", draft_id=draft.id),
            "validate": url_for("process_draft_pages.validate", draft_id=draft.id),
            "deploy": url_for("process_draft_pages.deploy", draft_id=draft.id),
        },
        "labels": _labels(),
    }
    return render_template("process_draft.html", view=view, draft=draft, config=config)


@blp.post("/processes/drafts/<int:draft_id>/discard")
def discard_page(draft_id: int) -> Response:
    drafts.discard_draft(staff(), draft_id)
    return redirect(url_for("process_draft_pages.drafts_page"))


@blp.put("/processes/drafts/<int:draft_id>/bpmn")
def save_bpmn(draft_id: int) -> dict[str, Any]:
    body = _body()
    xml = body.get("bpmn_xml")
    if not isinstance(xml, str) or not xml.strip():
        raise InvalidInput("缺少 BPMN", errors={"bpmn_xml": ["必填"]})
    version = _integer(body, "version", required=True)
    draft = drafts.save_draft_bpmn(staff(), draft_id, xml, version or 0)
    return {"version": draft.version, "updated_at": draft.updated_at.isoformat()}


@blp.post("/processes/drafts/<int:draft_id>/validate")
def validate(draft_id: int) -> dict[str, Any]:
    report = drafts.validate_draft(staff(), draft_id)
    return {
        "valid": report.valid,
        "errors": [finding.__dict__ for finding in report.errors],
        "warnings": [finding.__dict__ for finding in report.warnings],
    }


@blp.post("/processes/drafts/<int:draft_id>/deploy")
def deploy(draft_id: int) -> tuple[dict[str, Any], int]:
    body = _body()
    comment = body.get("comment")
    if comment is not None:
        if not isinstance(comment, str):
            raise InvalidInput("部署说明有误", errors={"comment": ["须为文字"]})
        comment = comment.strip()
        problem = forbidden_character_message(comment) or (
            f"最多 {COMMENT_MAX_LENGTH} 个字符" if len(comment) > COMMENT_MAX_LENGTH else None
        )
        if problem:
            raise InvalidInput("部署说明有误", errors={"comment": [problem]})
    actor = staff()
    definition = drafts.deploy_draft(
        actor, draft_id, comment or None, _integer(body, "latest_version", required=False)
    )
    draft = drafts.draft_for(actor, draft_id)
    return {
        "key": definition.key,
        "version": definition.version,
        "draft_version": draft.version,
        "url": url_for("process_pages.version_page", key=definition.key, version=definition.version),
    }, 201

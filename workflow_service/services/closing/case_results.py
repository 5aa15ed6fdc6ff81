"""办结 result codes on the case: recorded by the step that reaches a decision's mark (the step-effect
table, services.work.step_effects), or set by 撤回 / 退件 / 作废.

Every negative result carries a reason. A result reached in the process takes it from the data of
the task whose completion reached it: a field ``result_reason`` or one ending in ``_reason``
(``refusal_reason``, ``housing_refusal_reason``); failing that, the opinions (fields ending in
``_opinion`` or ``_note``) of the tasks completed since the case entered its current status (for 审查:
since the review began, 退回补正 rounds included, their notes left out), so a
refusal after parallel reviews states each review's opinion (the names: services.process.form_fields).
The window's and supervisor's actions take it from their request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseResult,
    CaseStatus,
    Organisation,
    Task,
    TaskKind,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.process.case_status import RESULT_LABEL_CODES
from workflow_service.services.process.form_fields import (
    OPINION_SUFFIXES,
    REASON_SUFFIX,
    REFUSAL_REASON_SUFFIX,
    RESULT_REASON,
    SUPPLEMENT_NOTE,
    SUPPLEMENT_RECEIPT_NOTE,
)

RESULT_LABELS: dict[CaseResult, str] = {
    CaseResult.GRANTED: "准予",
    CaseResult.REFUSED: "不予许可",
    CaseResult.NOT_ACCEPTED: "不予受理",
    CaseResult.RETURNED: "退件",
    CaseResult.PRE_REVIEW_FAILED: "预审不通过",
    CaseResult.VOIDED: "作废",
    CaseResult.WITHDRAWN: "撤回",
    CaseResult.COMPLETED: "办结",
    CaseResult.DISPOSED: "已处置",
    CaseResult.AGREED: "同意",
    CaseResult.DISAGREED: "不同意",
}
# A granted case that produced an electronic licence is 出证办结 in the supervision tables.
LICENSED_LABEL = "出证办结"
POSITIVE_RESULTS = frozenset(
    {CaseResult.GRANTED, CaseResult.COMPLETED, CaseResult.DISPOSED, CaseResult.AGREED}
)
NEGATIVE_RESULTS = frozenset(RESULT_LABELS) - POSITIVE_RESULTS


class MissingResultReason(InvalidInput):
    title = "须说明理由"
    type_slug = "missing-result-reason"


def result_label(code: CaseResult, *, licensed: bool = False, declared: str | None = None) -> str:
    """The result as people read it: the label the process declared, else the code's own."""
    if declared:
        return declared
    return LICENSED_LABEL if code == CaseResult.GRANTED and licensed else RESULT_LABELS[code]


def declared_result(default: CaseResult, labels: tuple[str, ...]) -> tuple[CaseResult, str | None]:
    """The code and label of a decision whose mark the process labelled (``resultLabel``: 已处置 →
    disposed), else ``default`` and no label of its own (services.process.case_status)."""
    for label in labels:
        code, _mark = RESULT_LABEL_CODES[label]
        if (code in POSITIVE_RESULTS) == (default in POSITIVE_RESULTS):
            return code, label
    return default, None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# A 退回补正 detour inside a review: its notes say what was missing, not what the reviewers found.
_DETOUR_NOTES = frozenset({SUPPLEMENT_NOTE.name, SUPPLEMENT_RECEIPT_NOTE.name})


def _entered_current_status(case: Case) -> datetime | None:
    """When the case entered its status; for 审查, when the review began, 退回补正 rounds included,
    so a decision after a send-back still states the opinions given before it."""
    history = case.status_history or []
    if not history:
        return None
    start = len(history) - 1
    if history[start]["status"] == CaseStatus.UNDER_REVIEW.value:
        detour = (CaseStatus.UNDER_REVIEW.value, CaseStatus.SUPPLEMENT.value)
        while start > 0 and history[start - 1]["status"] in detour:
            start -= 1
    return datetime.fromisoformat(history[start]["at"])


def _opinions(data: Mapping[str, Any], *, skip: frozenset[str] = frozenset()) -> list[str]:
    return [
        text
        for key, value in data.items()
        if key.endswith(OPINION_SUFFIXES) and key not in skip and (text := _text(value)) is not None
    ]


def _earlier_opinions(case: Case, task: Task) -> list[tuple[str, str]]:
    """(task name, opinion) of the other workflow tasks completed since the case entered its status."""
    since = _entered_current_status(case)
    if since is None:
        return []
    earlier = db.session.execute(
        select(Task)
        .where(
            Task.case_id == case.id,
            Task.id != task.id,
            Task.kind == TaskKind.WORKFLOW,
            Task.state == TaskState.COMPLETED,
            Task.completed_at > since,
        )
        .order_by(Task.completed_at, Task.id)
    ).scalars()
    return [(done.name, text) for done in earlier for text in _opinions(done.data or {}, skip=_DETOUR_NOTES)]


def step_reason(case: Case, task: Task, data: Mapping[str, Any]) -> str | None:
    """Why completing ``task`` with ``data`` decided as it did (see the module docstring)."""
    explicit = _text(RESULT_REASON.get(data))
    if explicit:
        return explicit
    for key in sorted(data, key=lambda name: (not name.endswith(REFUSAL_REASON_SUFFIX), name)):
        text = _text(data[key])
        if text and key.endswith(REASON_SUFFIX):
            return text
    own = _opinions(data)
    earlier = _earlier_opinions(case, task)
    if not earlier:
        return "；".join(own) or None
    return "；".join(f"{name}：{text}" for name, text in [*earlier, *((task.name, text) for text in own)])


def record_result(
    case: Case,
    code: CaseResult,
    reason: str | None,
    actor: User | None,
    *,
    organisation: Organisation | None = None,
    field: str = "reason",
    label: str | None = None,
) -> None:
    """Put the 办结 result on the case (audited); a negative one without a reason is 422 on ``field``."""
    reason = _text(reason)
    if code in NEGATIVE_RESULTS and reason is None:
        message = f"“{label or RESULT_LABELS[code]}”须说明理由"
        raise MissingResultReason(message, errors={field: [message]})
    case.result_code = code
    case.result_reason = reason
    case.result_label = label
    case.result_at = now()
    case.result_organisation_id = organisation.id if organisation is not None else None
    audit.record(
        "case.result_recorded",
        actor,
        case=case,
        summary={
            "code": code.value,
            "label": label or RESULT_LABELS[code],
            "reason": reason,
            "organisation": organisation.code if organisation is not None else None,
        },
    )

"""What a case's record tells the applicant: when it reached a status, why refused, how delivered.

Documents and the public status page read these facts here, in one place: they come from the
status history, from the case's result and delivery columns (services.closing.closing,
services.closing.issuance), from the form data of completed steps (``refusal_reason``,
``review_opinion``; the delivery of cases issued before the columns existed) and from the 补正 notices
(services.intake.acceptance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import Case, CaseResult, CaseStatus, Task, TaskState
from workflow_service.services.clock import business_day
from workflow_service.services.intake.acceptance import latest_notice
from workflow_service.services.materials.checklist import material_requirement
from workflow_service.services.process.form_fields import (
    DELIVERY_METHOD,
    REFUSAL_REASON,
    REVIEW_OPINION,
    TRACKING_NUMBER,
    FormField,
)

DELIVERY_LABELS = {"pickup": "窗口领取", "mail": "邮寄送达"}


@dataclass(frozen=True)
class MissingMaterial:
    """One entry of a 补正 notice: the material and what is wrong or missing about it."""

    name: str
    note: str | None = None


@dataclass(frozen=True)
class Delivery:
    """How the result reaches the applicant, once the window has issued it."""

    method: str  # pickup | mail
    tracking_number: str | None
    at: datetime | None

    @property
    def label(self) -> str:
        return DELIVERY_LABELS.get(self.method, self.method)


def reached(case: Case, *statuses: CaseStatus) -> datetime | None:
    """When the case last entered one of ``statuses``, or None if it never did."""
    wanted = {status.value for status in statuses}
    moments = [datetime.fromisoformat(e["at"]) for e in case.status_history if e["status"] in wanted]
    return max(moments) if moments else None


def returned_after_acceptance(case: Case) -> bool:
    """Whether the case's last 补正 came after it was accepted: a review sent it back (退回补正)."""
    statuses = [entry["status"] for entry in case.status_history]
    if CaseStatus.SUPPLEMENT.value not in statuses:
        return False
    last = len(statuses) - 1 - statuses[::-1].index(CaseStatus.SUPPLEMENT.value)
    return CaseStatus.ACCEPTED.value in statuses[:last]


def reached_day(case: Case, *statuses: CaseStatus) -> date | None:
    moment = reached(case, *statuses)
    return business_day(moment) if moment else None


def _completed_steps(case: Case) -> list[Task]:
    return list(
        db.session.execute(
            select(Task)
            .where(Task.case_id == case.id, Task.state == TaskState.COMPLETED)
            .order_by(Task.completed_at, Task.id)
        ).scalars()
    )


def _latest(case: Case, field: FormField) -> tuple[Any, Task] | None:
    for task in reversed(_completed_steps(case)):
        if task.data and field.get(task.data) not in (None, ""):
            return field.get(task.data), task
    return None


def refusal_reason(case: Case) -> str | None:
    """The reason given for 不予受理 (or 退件, which ends a case the same way)."""
    if case.result_code in (CaseResult.NOT_ACCEPTED, CaseResult.RETURNED) and case.result_reason:
        return case.result_reason
    found = _latest(case, REFUSAL_REASON)
    return str(found[0]) if found else None


def decision_opinion(case: Case) -> str | None:
    """The deciding organisation's opinion or reason (审核意见): the reason recorded with the case's
    result (services.closing.case_results), else the last ``review_opinion`` (cases decided before
    results carried their reason)."""
    if case.result_code not in (None, CaseResult.NOT_ACCEPTED, CaseResult.RETURNED) and case.result_reason:
        return case.result_reason
    found = _latest(case, REVIEW_OPINION)
    return str(found[0]) if found else None


def delivery(case: Case) -> Delivery | None:
    """How the result was issued, if it has been."""
    if case.delivery_method is not None:
        return Delivery(
            method=case.delivery_method.value,
            tracking_number=case.delivery_tracking_number,
            at=case.delivered_at,
        )
    found = _latest(case, DELIVERY_METHOD)
    if not found:
        return None
    value, task = found
    tracking = TRACKING_NUMBER.get(task.data) if task.data else None
    return Delivery(method=str(value), tracking_number=tracking, at=task.completed_at)


def missing_materials(case: Case) -> Sequence[MissingMaterial]:
    """Everything the last 补正 notice asked for ("一次性告知"), each with what to bring."""
    notice = latest_notice(case)
    if notice is None:
        return []
    return [MissingMaterial(name=str(m["name"]), note=material_requirement(m)) for m in notice.materials]


def supplement_note(case: Case) -> str | None:
    """The window's note on the last 补正 notice, if it wrote one."""
    notice = latest_notice(case)
    return notice.note if notice else None

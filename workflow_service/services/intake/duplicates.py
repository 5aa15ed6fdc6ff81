"""Duplicate applications: warn when the applicant has an open case of the item; record a confirmation.

Only citizens' applications registered at a window are checked: an event reporter (command room)
may report several events, and a department may propose several adjustments. The open cases are
named even when another window accepted them, so the clerk can tell the applicant where they stand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflow_service.errors import Conflict, InvalidInput
from workflow_service.extensions import db
from workflow_service.models import Case, CaseStatus, ServiceItem, User
from workflow_service.services import audit
from workflow_service.services.directory.scope import visible_cases


class DuplicateApplication(Conflict):
    title = "该申请人已有同一事项的在办件"
    type_slug = "duplicate-application"


def open_case_numbers(item: ServiceItem, applicant_id_number: str) -> list[str]:
    """Numbers of the applicant's cases of ``item`` whose process has not ended, oldest first."""
    return list(
        db.session.execute(
            select(Case.number)
            .where(
                Case.service_item_id == item.id,
                Case.applicant_id_number == applicant_id_number,
                Case.ended_at.is_(None),
            )
            .order_by(Case.submitted_at, Case.id)
        ).scalars()
    )


@dataclass(frozen=True)
class OpenCase:
    """An open case a duplicate warning names, as the clerk is shown it."""

    number: str
    status: CaseStatus
    accepting_organisation: str
    submitted_at: datetime
    # Whether the clerk may open the case's page (another window's case is named, not shown).
    visible: bool


def describe_open_cases(actor: User, numbers: Sequence[str]) -> list[OpenCase]:
    """The cases a duplicate warning named, in its order, with what ``actor`` may know of them."""
    cases = {
        case.number: case
        for case in db.session.execute(
            select(Case).options(joinedload(Case.accepting_organisation)).where(Case.number.in_(numbers))
        ).scalars()
    }
    visible = set(
        db.session.execute(
            select(Case.number).where(Case.number.in_(numbers), visible_cases(actor))
        ).scalars()
    )
    return [
        OpenCase(
            number=number,
            status=cases[number].status,
            accepting_organisation=cases[number].accepting_organisation.name,
            submitted_at=cases[number].submitted_at,
            visible=number in visible,
        )
        for number in numbers
        if number in cases
    ]


def confirmation_reason(confirmation: Mapping[str, Any] | None) -> str | None:
    """The reason of a ``confirm_duplicate`` object; 422 when the object is given without one."""
    if confirmation is None:
        return None
    reason = confirmation.get("reason")
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < 2:
        raise InvalidInput(
            "确认重复申请须说明理由", errors={"confirm_duplicate.reason": ["须说明再次申请的理由"]}
        )
    return text


def check_duplicates(item: ServiceItem, applicant_id_number: str, reason: str | None) -> list[str]:
    """The applicant's open cases of the item; 409 listing them unless the clerk confirmed with a reason."""
    existing = open_case_numbers(item, applicant_id_number)
    if existing and reason is None:
        listed = "、".join(existing)
        raise DuplicateApplication(
            f"申请人已有未办结的{item.name}办件：{listed}。"
            "确需再次申请的，请以 confirm_duplicate.reason 说明理由后重新提交",
            errors={"confirm_duplicate": [f"已有未办结的同一事项办件：{listed}"]},
            extensions={"existing_cases": existing},
        )
    return existing


def record_confirmation(case: Case, existing: list[str], reason: str | None, actor: User) -> None:
    """Keep on the case (and audit) that it was registered beside ``existing`` open cases, and why."""
    if not existing:
        return
    case.duplicate_of = existing
    case.duplicate_reason = reason
    audit.record(
        "case.duplicate_confirmed", actor, case=case, summary={"existing_cases": existing, "reason": reason}
    )

"""The public look-up of a case by its number and query password (the status page and portals).

A wrong password and an unknown number fail alike, in message and in time, and failed look-ups
are limited per client address and per case number, so the page reveals neither which cases
exist nor their passwords to someone guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from workflow_service.errors import NotFound, RateLimited
from workflow_service.extensions import db
from workflow_service.models import Case, CaseResult, CaseStatus
from workflow_service.services.directory import rate_limits
from workflow_service.services.intake.query_passwords import query_password_matches
from workflow_service.services.notices import case_outcome
from workflow_service.services.process.case_status import STATUS_LABELS


class LookupFailed(NotFound):
    title = "办件编号或查询密码不正确"
    type_slug = "lookup-failed"


class TooManyLookups(RateLimited):
    title = "查询失败次数过多，请稍后再试"
    type_slug = "too-many-lookups"


@dataclass(frozen=True)
class StatusStep:
    status: CaseStatus
    at: datetime

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Collection:
    """How the applicant gets the result: what happened, or what to do."""

    method: str | None  # pickup | mail, once issued
    tracking_number: str | None
    instructions: str


@dataclass(frozen=True)
class TrackedCase:
    number: str
    service_name: str
    applicant: str  # masked: enough to recognise one's own case, not to learn a name
    status: CaseStatus
    history: list[StatusStep]
    due_date: date | None
    window: str
    collection: Collection

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _masked(name: str) -> str:
    return name[0] + "*" * max(1, len(name) - 1) if name else ""


def _collection(case: Case) -> Collection:
    window = case.accepting_organisation.name
    delivered = case_outcome.delivery(case)
    if delivered is not None:
        if delivered.method == "mail":
            text = f"办理结果已邮寄送达，邮件运单号 {delivered.tracking_number}。"
        else:
            text = f"办理结果已在{window}领取。"
        return Collection(delivered.method, delivered.tracking_number, text)
    if case.result_code == CaseResult.VOIDED:
        text = f"本办件已作废。如有疑问，请联系{window}。"
    elif case.result_code == CaseResult.RETURNED:
        text = f"本申请已退件。请凭本人身份证件到{window}取回申请材料。"
    elif case.status == CaseStatus.NOT_ACCEPTED:
        text = f"本申请不予受理。请凭本人身份证件到{window}领取不予受理决定书。"
    elif case.status == CaseStatus.SUPPLEMENT:
        text = f"请按补正材料通知书的要求，携带所缺材料到{window}补正。"
    elif case.status == CaseStatus.WITHDRAWN:
        text = "申请已撤回。"
    elif case.status in {CaseStatus.APPROVED, CaseStatus.REFUSED}:
        text = f"已办结。请凭本人身份证件到{window}领取办理结果，或申请邮寄送达。"
    else:
        text = f"办结后，请凭本人身份证件到{window}领取办理结果，或申请邮寄送达。"
    return Collection(None, None, text)


def _tracked(case: Case) -> TrackedCase:
    return TrackedCase(
        number=case.number,
        service_name=case.service_item.name,
        applicant=_masked(case.applicant_name),
        status=case.status,
        history=[
            StatusStep(CaseStatus(entry["status"]), datetime.fromisoformat(entry["at"]))
            for entry in case.status_history
        ],
        due_date=case.due_date,
        window=case.accepting_organisation.name,
        collection=_collection(case),
    )


def track_case(number: str, password: str, client_address: str | None) -> TrackedCase:
    """The case's public status, if ``password`` is its query password; failed tries are counted."""
    return _tracked(authenticated_case(number, password, client_address))


def authenticated_case(number: str, password: str, client_address: str | None) -> Case:
    """The case, if ``password`` is its query password: the one check behind every public use of a case
    (look-up, evaluation). Failed tries are counted and limited; failing says nothing about existence."""
    limit = current_app.config["TRACK_ATTEMPT_LIMIT"]
    keys = (("track", "address", client_address or "unknown"), ("track", "case", number))
    wait = rate_limits.seconds_until_allowed(limit, *keys)
    if wait:
        raise TooManyLookups(retry_after=wait)
    case = db.session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
    if not query_password_matches(case, password):
        rate_limits.count_attempt(limit, *keys)
        raise LookupFailed("请核对办件编号和查询密码（见受理通知书）")
    assert case is not None  # a password only matches an existing case
    return case

"""Fees of charged items (收费事项): the amount each case owes, and the window recording payment or waiver.

A case registered under a catalogue version with ``fee_required`` gets its fee row (amount and
basis as that version says), unpaid. The accepting window records it paid (with the receipt
number) or waived (with the reason); there is no payment gateway. The process cannot reach 办结-准予
while the fee is unpaid: the step that would is refused (409) and nothing of it is kept.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from workflow_service.errors import Conflict, InvalidInput, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import Case, CaseFee, CaseResult, CaseStatus, FeeStatus, Role, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory.scope import get_visible_case

FEE_STATUS_LABELS = {FeeStatus.UNPAID: "未缴费", FeeStatus.PAID: "已缴费", FeeStatus.WAIVED: "已减免"}


class FeeUnpaid(Conflict):
    title = "尚未缴费，不能作出准予决定"
    type_slug = "fee-unpaid"


class FeeNotCharged(Conflict):
    title = "本事项不收费"
    type_slug = "fee-not-charged"


class FeeAlreadySettled(Conflict):
    title = "该办件的费用已登记"
    type_slug = "fee-already-settled"


class FeeCaseClosed(Conflict):
    title = "办件已结束，不能登记缴费"
    type_slug = "fee-case-closed"


def open_fee(case: Case, catalogue_entry: dict) -> None:
    """Give a case registered under ``catalogue_entry`` (a version snapshot) its unpaid fee, if charged."""
    if not catalogue_entry.get("fee_required"):
        return
    db.session.add(
        CaseFee(
            case_id=case.id,
            amount=Decimal(str(catalogue_entry.get("fee_amount") or "0")),
            basis=catalogue_entry.get("fee_basis"),
            status=FeeStatus.UNPAID,
        )
    )


def case_fee(case: Case) -> CaseFee | None:
    return db.session.execute(select(CaseFee).where(CaseFee.case_id == case.id)).scalar_one_or_none()


def describe(fee: CaseFee) -> str:
    basis = f"（收费依据：{fee.basis}）" if fee.basis else ""
    return f"{fee.amount:.2f} 元{basis}"


def require_settled(case: Case) -> None:
    """409 naming the fee when the case owes one that is neither paid nor waived."""
    fee = case_fee(case)
    if fee is not None and fee.status == FeeStatus.UNPAID:
        raise FeeUnpaid(
            f"本事项收费 {describe(fee)}，办件尚未缴费或减免，不能作出准予决定。"
            "请受理窗口登记缴费或减免后再办理",
            extensions={
                "fee": {"amount": f"{fee.amount:.2f}", "basis": fee.basis, "status": fee.status.value}
            },
        )


def record_payment(
    actor: User, number: str, status: str | None, receipt_number: str | None, reason: str | None
) -> CaseFee:
    """The accepting window records the fee paid (receipt number) or waived (reason); audited.

    Checked in the order of DESIGN.md §6: scope (404), role (403), state (409), fields (422).
    """
    case = get_visible_case(actor, number)
    if not actor.has_role(Role.CLERK) or actor.organisation_id != case.accepting_organisation_id:
        raise PermissionDenied("只有受理该办件的窗口人员可以登记缴费")
    fee = case_fee(case)
    if fee is None:
        raise FeeNotCharged(f"{case.service_item.name}不收费，无须登记缴费")
    if fee.status != FeeStatus.UNPAID:
        raise FeeAlreadySettled(f"该办件的费用已登记为“{FEE_STATUS_LABELS[fee.status]}”")
    if case.status == CaseStatus.ARCHIVED or (case.result_code not in (None, CaseResult.GRANTED)):
        raise FeeCaseClosed(f"办件 {number} 已结束，不能登记缴费")
    receipt_number = (receipt_number or "").strip() or None
    reason = (reason or "").strip() or None
    if status == FeeStatus.PAID.value:
        if receipt_number is None:
            raise InvalidInput(
                "缴费须登记收据号", errors={"receipt_number": ["已缴费须填写收据号（票据号码）"]}
            )
        fee.status, fee.receipt_number = FeeStatus.PAID, receipt_number
    elif status == FeeStatus.WAIVED.value:
        if reason is None:
            raise InvalidInput("减免须说明理由", errors={"reason": ["减免须说明理由"]})
        fee.status, fee.waiver_reason = FeeStatus.WAIVED, reason
    else:
        raise InvalidInput("缴费状态有误", errors={"status": ["须为 paid（已缴费）或 waived（减免）"]})
    fee.settled_at = now()
    fee.settled_by_id = actor.id
    audit.record(
        f"case.fee_{fee.status.value}",
        actor,
        case=case,
        summary={
            "amount": f"{fee.amount:.2f}",
            "receipt_number": fee.receipt_number,
            "reason": fee.waiver_reason,
        },
    )
    db.session.commit()
    return fee

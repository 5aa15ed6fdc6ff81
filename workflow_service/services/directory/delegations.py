"""Delegations (委托办理): a colleague of the same organisation and role works a user's tasks for a period.

A delegation is in force from ``starts_at`` (inclusive) to ``ends_at`` (exclusive) unless revoked.
While it is, the delegate sees and works the open tasks the delegator has claimed; it is not
transitive (a delegate's own delegations do not pass the delegator's tasks on).

The system ends those in force or still to come when either side leaves: the account is disabled,
or moves to another organisation (``end_delegations_of``). They stay ended if that is undone.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from workflow_service.errors import DelegationNotInForce, InvalidDelegation, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import Delegation, Role, User
from workflow_service.services import audit
from workflow_service.services.clock import now

MAX_DELEGATION_PERIOD = timedelta(days=90)
# The roles that work tasks; only these are delegated (an analyst or admin has no inbox).
DELEGABLE_ROLES: dict[str, str] = {
    Role.CLERK: "窗口人员",
    Role.APPROVER: "审批人员",
    Role.COOPERATOR: "配合人员",
    Role.SUPERVISOR: "督办人员",
}


class DelegationStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"
    REVOKED = "revoked"


STATUS_LABELS: dict[DelegationStatus, str] = {
    DelegationStatus.SCHEDULED: "未开始",
    DelegationStatus.ACTIVE: "生效中",
    DelegationStatus.ENDED: "已到期",
    DelegationStatus.REVOKED: "已撤销",
}


# Why the system ended a delegation early (``Delegation.end_reason``).
ENDED_BY_DISABLING = "账户停用"
ENDED_BY_MOVING = "调离原机构"


def status_of(delegation: Delegation, at: datetime | None = None) -> DelegationStatus:
    moment = at or now()
    if delegation.revoked_at is not None:
        return DelegationStatus.REVOKED
    if moment < delegation.starts_at:
        return DelegationStatus.SCHEDULED
    if moment < delegation.ends_at:
        return DelegationStatus.ACTIVE
    return DelegationStatus.ENDED


def status_label(delegation: Delegation) -> str:
    """The status in words; one the system ended says why (已终止（账户停用）)."""
    status = status_of(delegation)
    if status == DelegationStatus.REVOKED and delegation.end_reason:
        return f"已终止（{delegation.end_reason}）"
    return STATUS_LABELS[status]


def _delegable_roles(user: User) -> list[str]:
    return [role for role in DELEGABLE_ROLES if user.has_role(role)]


def _delegate_errors(delegator: User, delegate: User | None, roles: list[str]) -> list[str]:
    # Unknown and outside the organisation read alike: usernames of other organisations stay private.
    if delegate is None or delegate.organisation_id != delegator.organisation_id:
        return ["本机构没有该用户"]
    if delegate.id == delegator.id:
        return ["不能委托给自己"]
    if not delegate.active or delegate.disabled_at is not None:
        return ["该用户已停用"]
    missing = [DELEGABLE_ROLES[role] for role in roles if not delegate.has_role(role)]
    if missing:
        return [f"受托人须具有与您相同的岗位（{'、'.join(missing)}）"]
    return []


def _overlaps(delegator: User, delegate: User, starts_at: datetime, ends_at: datetime) -> bool:
    return (
        db.session.execute(
            select(Delegation.id).where(
                Delegation.delegator_id == delegator.id,
                Delegation.delegate_id == delegate.id,
                Delegation.revoked_at.is_(None),
                Delegation.starts_at < ends_at,
                Delegation.ends_at > starts_at,
            )
        ).first()
        is not None
    )


def create_delegation(
    actor: User,
    delegate_username: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    *,
    delegator: User | None = None,
) -> Delegation:
    """The actor delegates their tasks to a colleague for a period; field errors are InvalidDelegation.

    An admin may give one on behalf of ``delegator`` (someone who fell ill): the same rules, and the
    audit row names the admin as actor.
    """
    if delegator is None or delegator.id == actor.id:
        delegator = actor
    elif not actor.has_role(Role.ADMIN):
        raise PermissionDenied("只有管理员可以代他人设置委托")
    roles = _delegable_roles(delegator)
    if not roles:
        whose = "您" if delegator is actor else "该用户"
        raise PermissionDenied(f"{whose}没有可委托办理的岗位")
    delegate = db.session.execute(select(User).where(User.username == delegate_username)).scalar_one_or_none()
    errors: dict[str, list[str]] = {}
    delegate_errors = _delegate_errors(delegator, delegate, roles)
    if delegate_errors:
        errors["delegate"] = delegate_errors
    if ends_at <= starts_at:
        errors["ends_at"] = ["结束时间须晚于开始时间"]
    elif ends_at - starts_at > MAX_DELEGATION_PERIOD:
        errors["ends_at"] = [f"委托期限最长 {MAX_DELEGATION_PERIOD.days} 天"]
    elif ends_at <= now():
        errors["ends_at"] = ["结束时间须晚于当前时间"]
    if not reason.strip():
        errors["reason"] = ["必填"]
    if not errors and delegate is not None and _overlaps(delegator, delegate, starts_at, ends_at):
        errors["starts_at"] = ["与给同一受托人的现有委托时间重叠"]
    if errors or delegate is None:  # no delegate always comes with a field error
        raise InvalidDelegation(errors=errors)
    delegation = Delegation(
        delegator_id=delegator.id,
        delegate_id=delegate.id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        created_at=now(),
        created_by_id=actor.id,
    )
    db.session.add(delegation)
    db.session.flush()
    audit.record(
        "delegation.created",
        actor,
        summary={
            "delegation": delegation.id,
            "delegator": delegator.username,
            "delegate": delegate.username,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "reason": delegation.reason,
        },
    )
    db.session.commit()
    return delegation


def my_delegations(actor: User) -> list[Delegation]:
    """The delegations the actor gave and received, newest first."""
    return list(
        db.session.execute(
            select(Delegation)
            .options(joinedload(Delegation.delegator), joinedload(Delegation.delegate))
            .where(or_(Delegation.delegator_id == actor.id, Delegation.delegate_id == actor.id))
            .order_by(Delegation.starts_at.desc(), Delegation.id.desc())
        ).scalars()
    )


def revoke_delegation(actor: User, delegation_id: int) -> Delegation:
    """End a delegation now: the delegator or an admin may; the delegate sees it but may not (403)."""
    delegation = db.session.get(Delegation, delegation_id)
    is_admin = actor.has_role(Role.ADMIN)
    if delegation is None or not (is_admin or actor.id in (delegation.delegator_id, delegation.delegate_id)):
        raise NotFound("委托不存在")
    if actor.id != delegation.delegator_id and not is_admin:
        raise PermissionDenied("只有委托人或管理员可以撤销委托")
    status = status_of(delegation)
    if status in (DelegationStatus.REVOKED, DelegationStatus.ENDED):
        raise DelegationNotInForce(f"委托{STATUS_LABELS[status]}")
    delegation.revoked_at = now()
    audit.record(
        "delegation.revoked",
        actor,
        summary={
            "delegation": delegation.id,
            "delegator": delegation.delegator.username,
            "delegate": delegation.delegate.username,
        },
    )
    db.session.commit()
    return delegation


def end_delegations_of(
    user: User, actor: User | None, reason: str, *, outside_organisation: bool = False
) -> list[Delegation]:
    """End now the delegations to and from ``user`` that are in force or still to come; each audited
    ``delegation.ended`` with ``reason``. Does not commit: the caller's change and these go together.

    ``outside_organisation``: only those whose other side is not in ``user``'s organisation (now).
    """
    moment = now()
    found = db.session.execute(
        select(Delegation)
        .options(joinedload(Delegation.delegator), joinedload(Delegation.delegate))
        .where(
            or_(Delegation.delegator_id == user.id, Delegation.delegate_id == user.id),
            Delegation.revoked_at.is_(None),
            Delegation.ends_at > moment,
        )
        .order_by(Delegation.starts_at, Delegation.id)
    ).scalars()
    ended = []
    for delegation in found:
        other = delegation.delegate if delegation.delegator_id == user.id else delegation.delegator
        if outside_organisation and other.organisation_id == user.organisation_id:
            continue
        was = status_of(delegation, moment)
        delegation.revoked_at = moment
        delegation.end_reason = reason
        audit.record(
            "delegation.ended",
            actor,
            summary={
                "delegation": delegation.id,
                "delegator": delegation.delegator.username,
                "delegate": delegation.delegate.username,
                "reason": reason,
                "was": was.value,
            },
        )
        ended.append(delegation)
    return ended


def delegators_in_force(delegate: User) -> dict[int, User]:
    """The users whose delegation to ``delegate`` is in force now, by id."""
    moment = now()
    rows = db.session.execute(
        select(User)
        .join(Delegation, Delegation.delegator_id == User.id)
        .where(
            Delegation.delegate_id == delegate.id,
            Delegation.revoked_at.is_(None),
            Delegation.starts_at <= moment,
            Delegation.ends_at > moment,
            User.active.is_(True),
        )
    ).scalars()
    return {user.id: user for user in rows}

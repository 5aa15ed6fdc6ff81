"""Account administration: create and change staff accounts, reset passwords, unlock, disable leavers.

The password policy and the owner's own password change are services.directory.credentials; who may
administer is services.directory.permissions. Failed logins block an (account, address) pair, not
the account (services.directory.login_protection); an admin's unlock or a reset forgets them for
every address. A reset or disabling ends the user's tokens and sessions at once
(services.directory.authentication). Hashing happens outside any transaction, as credentials explains.

``actor`` ``None`` is the operator at the command line (``flask users …``), who has the database
anyway; over the API every admin operation needs the admin role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from workflow_service.errors import AlreadyExists, Conflict, InvalidInput, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import Case, Organisation, Role, Task, TaskState, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory import authentication, delegations, login_protection
from workflow_service.services.directory.credentials import (
    end_transaction,
    password_problems,
    temporary_password,
)
from workflow_service.services.directory.passwords import hash_password
from workflow_service.services.directory.permissions import require_admin

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
MAX_FULL_NAME_LENGTH = 64
ROLE_NAMES = tuple(role.value for role in Role)


@dataclass(frozen=True)
class PasswordReset:
    user: User
    temporary_password: str


@dataclass(frozen=True)
class DisabledUser:
    user: User
    tasks_released: int
    delegations_ended: int = 0


def who_am_i(actor: User) -> User:
    """The caller's own account, with organisation and roles."""
    return actor


def _user(username: str) -> User:
    user = db.session.execute(
        select(User)
        .options(joinedload(User.organisation), selectinload(User.login_origins))
        .where(User.username == username)
    ).scalar_one_or_none()
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def reset_password(actor: User | None, username: str) -> PasswordReset:
    """Give the user a one-time random password they must change at once; their tokens stop working.

    A reset also unlocks the account: the administrator hands the password over so that it is used.
    """
    require_admin(actor)
    user_id = _user(username).id
    temporary = temporary_password()
    end_transaction()
    new_hash = hash_password(temporary)
    user = db.session.get_one(User, user_id)
    unlocked = bool(login_protection.unblock(user))
    user.password_hash = new_hash
    user.must_change_password = True
    tokens = authentication.revoke_all(user.id)
    audit.record(
        "user.password_reset",
        actor,
        summary={"username": username, "unlocked": unlocked, "tokens_revoked": tokens},
    )
    db.session.commit()
    return PasswordReset(user, temporary)


def unlock_user(actor: User | None, username: str) -> User:
    """Lift the blocks of every address before they lapse and forget the failures (no-op for an
    account never blocked)."""
    require_admin(actor)
    user = _user(username)
    blocked = login_protection.unblock(user)
    if blocked:
        audit.record(
            "user.unlocked",
            actor,
            summary={
                "username": username,
                "locked_until": max(blocked).isoformat(),
                "addresses": len(blocked),
            },
        )
    db.session.commit()
    return user


def _release_claimed_tasks(user: User, actor: User | None, reason: str) -> int:
    """Return to their organisation's pool the open tasks ``user`` claimed but can no longer work.

    A disabled user can work none; otherwise those of another organisation or a role they lost.
    Each release is audited on its case, so the case's trail explains why the claim vanished.
    """
    conditions = [Task.assignee_id == user.id, Task.state == TaskState.OPEN]
    if user.active:
        conditions.append(or_(Task.organisation_id != user.organisation_id, Task.role.not_in(user.roles)))
    released = db.session.execute(
        update(Task)
        .where(*conditions)
        .values(assignee_id=None)
        .returning(Task.id, Task.case_id, Task.name)
        .execution_options(synchronize_session="fetch")
    ).all()
    for task_id, case_id, name in released:
        audit.record(
            "task.released",
            actor,
            case=db.session.get_one(Case, case_id),
            task_id=task_id,
            summary={"task": name, "from": user.username, "reason": reason},
        )
    return len(released)


def disable_user(actor: User | None, username: str) -> DisabledUser:
    """A leaver: the account stops working at once, their claimed open tasks go back to the pool, and
    the delegations to and from them that are in force or still to come end (账户停用)."""
    require_admin(actor)
    user = _user(username)
    if actor is not None and actor.id == user.id:
        raise PermissionDenied("不能停用自己的账户")
    if not user.active:
        return DisabledUser(user, 0)
    user.active = False
    user.disabled_at = now()
    tokens = authentication.revoke_all(user.id)
    released = _release_claimed_tasks(user, actor, "user.disabled")
    ended = delegations.end_delegations_of(user, actor, delegations.ENDED_BY_DISABLING)
    audit.record(
        "user.disabled",
        actor,
        summary={
            "username": username,
            "tasks_released": released,
            "tokens_revoked": tokens,
            "delegations_ended": len(ended),
        },
    )
    db.session.commit()
    return DisabledUser(user, released, len(ended))


def enable_user(actor: User | None, username: str) -> User:
    """Undo ``disable_user`` (the released tasks stay in the pool, the ended delegations ended); a no-op
    for an active account. An account of an inactive organisation is moved first (409)."""
    require_admin(actor)
    user = _user(username)
    if not user.active and not user.organisation.active:
        raise Conflict(f"{user.organisation.name}已停用：请先把该账户调到其他机构，再重新启用")
    if not user.active:
        disabled_at = user.disabled_at.isoformat() if user.disabled_at else None
        audit.record("user.enabled", actor, summary={"username": username, "disabled_at": disabled_at})
        user.active = True
        user.disabled_at = None
    db.session.commit()
    return user


def get_user(actor: User | None, username: str) -> User:
    require_admin(actor)
    return _user(username)


def _organisation_field(code: str | None, errors: dict[str, list[str]]) -> Organisation | None:
    organisation = db.session.execute(
        select(Organisation).where(Organisation.code == code)
    ).scalar_one_or_none()
    if organisation is None:
        errors["organisation"] = [f"没有编码为 {code} 的机构"]
    elif not organisation.active:
        errors["organisation"] = [f"机构 {code} 已停用"]
    return organisation


def list_users(
    actor: User | None,
    organisation_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    *,
    role: str | None = None,
    active: bool | None = None,
    text: str | None = None,
) -> list[User]:
    """Every account by username, or those of one organisation (an unknown code is a field error).

    Further filters for the admin pages: a role, active or disabled, and text found in the username
    or full name.
    """
    require_admin(actor)
    query = (
        select(User)
        .options(joinedload(User.organisation), selectinload(User.login_origins))
        .order_by(User.username)
    )
    if role:
        if role not in ROLE_NAMES:
            raise InvalidInput("查询条件有误", errors={"role": [f"未知角色 {role}"]})
        # Roles are a JSON list; its text holds each role in quotes on both databases.
        query = query.where(cast(User.roles, String).contains(f'"{role}"'))
    if active is not None:
        query = query.where(User.active.is_(active))
    if text and text.strip():
        words = text.strip()
        query = query.where(
            or_(
                User.username.contains(words.lower(), autoescape=True),
                User.full_name.contains(words, autoescape=True),
            )
        )
    if organisation_code is not None:
        organisation = db.session.execute(
            select(Organisation).where(Organisation.code == organisation_code)
        ).scalar_one_or_none()
        if organisation is None:
            raise InvalidInput(
                "机构不存在", errors={"organisation": [f"没有编码为 {organisation_code} 的机构"]}
            )
        query = query.where(User.organisation_id == organisation.id)
    return list(db.session.execute(query.limit(limit).offset(offset)).scalars())


def _full_name_problems(full_name: str) -> list[str]:
    if not full_name.strip():
        return ["必填"]
    if len(full_name) > MAX_FULL_NAME_LENGTH:
        return [f"不能超过 {MAX_FULL_NAME_LENGTH} 个字符"]
    return []


def _role_problems(roles: Sequence[str]) -> list[str]:
    if not roles:
        return ["至少须有一个角色"]
    unknown = [role for role in roles if role not in ROLE_NAMES]
    return [f"未知角色 {', '.join(unknown)}（可选：{', '.join(ROLE_NAMES)}）"] if unknown else []


def _ordered_roles(roles: Sequence[str]) -> list[str]:
    """Roles without duplicates, in the enum's order, so before/after comparisons mean something."""
    return [role for role in ROLE_NAMES if role in roles]


def create_user(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    organisation_code: str,
    roles: Sequence[str],
    password: str,
    must_change_password: bool = True,
) -> User:
    """A new staff account; 409 if the username is taken, field errors for everything else."""
    require_admin(actor)
    if db.session.execute(select(User.id).where(User.username == username)).first() is not None:
        raise AlreadyExists(f"用户名 {username} 已存在")
    errors: dict[str, list[str]] = {}
    if not USERNAME.match(username):
        errors["username"] = ["用户名须以小写字母开头，只能用小写字母、数字和 . _ -，2 至 64 个字符"]
    if problems := _full_name_problems(full_name):
        errors["full_name"] = problems
    organisation = _organisation_field(organisation_code, errors)
    if problems := _role_problems(roles):
        errors["roles"] = problems
    if problems := password_problems(username, password):
        errors["password"] = problems
    if errors:
        raise InvalidInput("账户信息有误", errors=errors)
    assert organisation is not None  # no errors means it was found
    organisation_id = organisation.id
    end_transaction()
    password_hash = hash_password(password)
    user = User(
        username=username,
        full_name=full_name.strip(),
        organisation_id=organisation_id,
        roles=_ordered_roles(roles),
        password_hash=password_hash,
        active=True,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # created meanwhile by someone else
        db.session.rollback()
        raise AlreadyExists(f"用户名 {username} 已存在") from None
    audit.record(
        "user.created",
        actor,
        summary={
            "username": username,
            "after": {"full_name": user.full_name, "organisation": organisation_code, "roles": user.roles},
        },
    )
    db.session.commit()
    return user


def update_user(actor: User | None, username: str, changes: Mapping[str, Any]) -> User:
    """Change a user's full name, organisation (``organisation``: its code) and roles; one audit row each.

    Claimed open tasks the user can no longer work (another organisation, a role taken away) go back
    to their organisation's pool; a move ends the delegations with the old organisation (调离原机构).
    """
    require_admin(actor)
    user = _user(username)
    errors: dict[str, list[str]] = {}
    if "full_name" in changes and (problems := _full_name_problems(changes["full_name"])):
        errors["full_name"] = problems
    organisation = user.organisation
    if "organisation" in changes:
        organisation = _organisation_field(changes["organisation"], errors) or organisation
    roles = user.roles
    if "roles" in changes:
        if problems := _role_problems(changes["roles"]):
            errors["roles"] = problems
        else:
            roles = _ordered_roles(changes["roles"])
            if actor is not None and actor.id == user.id and Role.ADMIN not in roles:
                errors["roles"] = ["不能取消自己的管理员角色"]
    if errors:
        raise InvalidInput("账户信息有误", errors=errors)

    events: list[tuple[str, Any, Any]] = []
    if "full_name" in changes and changes["full_name"].strip() != user.full_name:
        events.append(("user.renamed", user.full_name, changes["full_name"].strip()))
        user.full_name = changes["full_name"].strip()
    if organisation.id != user.organisation_id:
        events.append(("user.organisation_changed", user.organisation.code, organisation.code))
        user.organisation, user.organisation_id = organisation, organisation.id
    if roles != user.roles:
        events.append(("user.roles_changed", list(user.roles), roles))
        user.roles = roles
    # Only a new organisation or fewer roles can strand a claimed task; counted once, on the first row.
    released = _release_claimed_tasks(user, actor, "user.changed") if events else 0
    counted = False
    for action, before, after in events:
        summary: dict[str, Any] = {"username": username, "before": before, "after": after}
        if action != "user.renamed" and not counted:
            summary["tasks_released"], counted = released, True
        audit.record(action, actor, summary=summary)
    if any(action == "user.organisation_changed" for action, _before, _after in events):
        # Delegations are between colleagues of one organisation: a move ends those with the old one.
        delegations.end_delegations_of(user, actor, delegations.ENDED_BY_MOVING, outside_organisation=True)
    db.session.commit()
    return user

"""Log staff in: check a password, hand out a bearer token, and find the user behind a token.

Failed logins are limited per client address (``LOGIN_RATE_LIMIT``, through services.rate_limits);
over the limit every login from there is refused with 429 before any account is looked at.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflow_service.errors import NotAuthenticated, RateLimited
from workflow_service.extensions import db
from workflow_service.models import ApiToken, User
from workflow_service.services import accounts, audit, rate_limits
from workflow_service.services.clock import now
from workflow_service.services.passwords import hash_password, needs_rehash, password_matches

# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


class TooManyLogins(RateLimited):
    title = "登录失败次数过多，请稍后再试"
    type_slug = "too-many-logins"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_credentials(username: str, password: str, client_address: str | None) -> User:
    """The user these credentials log in; raises NotAuthenticated, or TooManyLogins (429) when
    ``client_address`` failed too often lately. Leaves the caller's transaction open.

    Every refusal answers alike (unknown user, disabled, locked, wrong password); the audit trail
    records which it was. Wrong passwords count towards the lockout (services.accounts), every
    refusal towards the client's limit. Shared by the API's token endpoint and the staff pages'
    session login.
    """
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    key = ("login", "address", client_address or "unknown")
    wait = rate_limits.seconds_until_allowed(limit, key)
    if wait:
        raise TooManyLogins(retry_after=wait)
    try:
        return _checked_user(username, password)
    except NotAuthenticated:
        rate_limits.count_attempt(limit, key)
        raise


def _checked_user(username: str, password: str) -> User:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    refusal: str | None = None
    until: datetime | None = None
    if user is None:
        refusal, user_id, stored_hash = "unknown_user", 0, _DUMMY_HASH
    else:
        if not user.active:
            refusal = "disabled"
        elif (until := accounts.locked_until(user)) is not None:
            refusal = "locked"  # the password is still checked: a locked account costs the same time
        user_id, stored_hash = user.id, (user.password_hash if user.active else _DUMMY_HASH)
    # End the read before the deliberately slow hash check, so no lock is held while it runs.
    db.session.commit()
    matches = password_matches(stored_hash, password)
    if user is None or refusal is not None:
        accounts.note_refused_login(username, refusal or "unknown_user", until)
        raise NotAuthenticated("用户名或密码错误")
    if not matches:
        accounts.note_failed_password(user_id, username, "auth.login_failed", "wrong_password")
        raise NotAuthenticated("用户名或密码错误")
    new_hash = hash_password(password) if needs_rehash(stored_hash) else None
    if not accounts.note_successful_login(user_id):
        accounts.note_refused_login(username, "locked_or_disabled_meanwhile")
        raise NotAuthenticated("用户名或密码错误")
    if new_hash is not None:
        user.password_hash = new_hash
    return user


def issue_token(username: str, password: str, client_address: str | None) -> IssuedToken:
    """Check the credentials and create a bearer token; raises NotAuthenticated or TooManyLogins."""
    user = check_credentials(username, password, client_address)
    token = secrets.token_urlsafe(32)
    issued_at = now()
    expires_at = issued_at + timedelta(seconds=current_app.config["API_TOKEN_TTL_SECONDS"])
    db.session.add(
        ApiToken(token_sha256=_digest(token), user_id=user.id, created_at=issued_at, expires_at=expires_at)
    )
    audit.record("auth.token_issued", user)
    db.session.commit()
    return IssuedToken(token=token, expires_at=expires_at, user=user)


def start_session(username: str, password: str, client_address: str | None) -> User:
    """Check the credentials for a browser session (the staff pages); raises NotAuthenticated or
    TooManyLogins."""
    user = check_credentials(username, password, client_address)
    audit.record("auth.session_started", user)
    db.session.commit()
    return user


def user_for_token(token: str) -> User:
    """The active user a bearer token belongs to; raises NotAuthenticated if unknown or expired."""
    row = db.session.execute(
        select(ApiToken)
        .options(joinedload(ApiToken.user).joinedload(User.organisation))
        .where(ApiToken.token_sha256 == _digest(token))
    ).scalar_one_or_none()
    if row is None or row.expires_at <= now() or not row.user.active:
        raise NotAuthenticated("令牌无效或已过期")
    return row.user

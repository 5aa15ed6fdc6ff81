"""Log staff in: check a password, hand out a credential (an API bearer token or a browser session),
find the user behind one, and revoke it.

Credentials are random tokens of which only the SHA-256 is stored (``ApiToken``); the session cookie
of the staff pages carries its token like a bearer token, so a cookie signed with the right key but
naming another user finds nothing. Failed logins are throttled per (account, address) pair and per
address by services.directory.login_protection.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from workflow_service.database import reading_before_writes, rows_changed
from workflow_service.errors import NotAuthenticated
from workflow_service.extensions import db
from workflow_service.models import ApiToken, CredentialKind, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory import login_protection
from workflow_service.services.directory.passwords import hash_password, needs_rehash, password_matches

# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User
    credential_id: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_credentials(username: str, password: str, client_address: str | None) -> User:
    """The user these credentials log in; raises NotAuthenticated, or TooManyLogins (429) when this
    account failed too often from ``client_address``, or the address failed too often lately.
    Leaves the caller's transaction open.

    Every refusal of a password answers alike (unknown user, disabled, wrong password); the audit
    trail records which it was. Shared by the API's token endpoint and the staff pages' login.
    """
    login_protection.check_allowed(username, client_address)
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    usable = user is not None and user.active
    user_id = user.id if user is not None else 0
    stored_hash = user.password_hash if user is not None and usable else _DUMMY_HASH
    # End the read before the deliberately slow hash check, so no lock is held while it runs.
    db.session.commit()
    matches = password_matches(stored_hash, password)
    if not usable:
        # Counted like a wrong password, so a block says nothing about whether the account exists.
        reason = "unknown_user" if user is None else "disabled"
        login_protection.note_failure(username, client_address, "auth.login_failed", reason)
        raise NotAuthenticated("用户名或密码错误")
    if not matches:
        login_protection.note_failure(username, client_address, "auth.login_failed", "wrong_password")
        raise NotAuthenticated("用户名或密码错误")
    user = db.session.get(User, user_id)
    if user is None or not user.active:  # disabled meanwhile
        login_protection.note_failure(username, client_address, "auth.login_failed", "disabled")
        raise NotAuthenticated("用户名或密码错误")
    login_protection.note_success(username, client_address)
    if needs_rehash(stored_hash):
        user.password_hash = hash_password(password)
    return user


def _new_credential(user: User, kind: CredentialKind, lifetime_seconds: int) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    issued_at = now()
    expires_at = issued_at + timedelta(seconds=lifetime_seconds)
    row = ApiToken(
        token_sha256=_digest(token), user_id=user.id, kind=kind, created_at=issued_at, expires_at=expires_at
    )
    db.session.add(row)
    # Expired credentials of this user go when a new one comes: the table holds only live ones.
    db.session.execute(
        delete(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.expires_at <= issued_at)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return IssuedToken(token=token, expires_at=expires_at, user=user, credential_id=row.id)


def issue_token(username: str, password: str, client_address: str | None) -> IssuedToken:
    """Check the credentials and create a bearer token; raises NotAuthenticated or TooManyLogins."""
    user = check_credentials(username, password, client_address)
    issued = _new_credential(user, CredentialKind.BEARER, current_app.config["API_TOKEN_TTL_SECONDS"])
    audit.record("auth.token_issued", user)
    db.session.commit()
    return issued


def start_session(username: str, password: str, client_address: str | None) -> IssuedToken:
    """Check the credentials and open a browser session of the staff pages (its token goes into the
    session cookie); raises NotAuthenticated or TooManyLogins."""
    user = check_credentials(username, password, client_address)
    return open_session(user)


def open_session(user: User) -> IssuedToken:
    """A new browser session for a user whose identity is established (login, a password change)."""
    issued = _new_credential(user, CredentialKind.SESSION, current_app.config["WEB_SESSION_LIFETIME_SECONDS"])
    audit.record("auth.session_started", user)
    db.session.commit()
    return issued


# Built once: every request with a token sends it.
_CREDENTIAL = (
    select(ApiToken)
    .options(joinedload(ApiToken.user).joinedload(User.organisation))
    .where(ApiToken.token_sha256 == bindparam("token_sha256"), ApiToken.kind == bindparam("kind"))
)


def credential_for(token: str, kind: CredentialKind) -> ApiToken | None:
    """The live credential of this kind behind ``token`` (with its active user and organisation)."""
    row = db.session.execute(_CREDENTIAL, {"token_sha256": _digest(token), "kind": kind}).scalar_one_or_none()
    if row is None or row.expires_at <= now() or not row.user.active:
        return None
    return row


def user_for_token(token: str) -> ApiToken:
    """The bearer token's credential (``.user`` the active user); raises NotAuthenticated if unknown,
    revoked or expired.

    Read in a transaction of its own, ended here: on SQLite a write request takes the write lock
    at its work's first statement, not at the token lookup (objects stay loaded after the commit).
    """
    with reading_before_writes():
        row = credential_for(token, CredentialKind.BEARER)
    db.session.commit()
    if row is None:
        raise NotAuthenticated("令牌无效或已过期")
    return row


def revoke(token: str, kind: CredentialKind) -> bool:
    """End one credential at once (logout); False if it was no live one."""
    revoked = rows_changed(
        delete(ApiToken)
        .where(ApiToken.token_sha256 == _digest(token), ApiToken.kind == kind)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(revoked)


def revoke_all(user_id: int, *, keep: int | None = None) -> int:
    """End every token and session of a user but ``keep`` (the credential id the caller works with);
    the caller commits. Returns how many ended."""
    statement = delete(ApiToken).where(ApiToken.user_id == user_id)
    if keep is not None:
        statement = statement.where(ApiToken.id != keep)
    return rows_changed(statement.execution_options(synchronize_session=False))

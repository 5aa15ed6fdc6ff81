"""Credentials: the password policy, the owner's own password change, one-time passwords.

Argon2 is deliberately slow, and on SQLite a write transaction holds the database's one write lock.
So every function that hashes or checks a password first ends the transaction the request opened
(``end_transaction``), does the slow work outside any transaction, then writes in a short one.
A wrong current password counts as a failed login (services.directory.login_protection); a change
ends the owner's other tokens and sessions (services.directory.authentication).
"""

from __future__ import annotations

import secrets
import string

from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory import authentication, login_protection
from workflow_service.services.directory.passwords import hash_password, password_matches

MIN_PASSWORD_LENGTH = 8
# The token endpoint accepts passwords up to this length; a longer one could never be used to log in.
MAX_PASSWORD_LENGTH = 256
# Read aloud or copied from a screen by window staff: no 0/O, 1/l/I.
TEMPORARY_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
TEMPORARY_PASSWORD_LENGTH = 12


def password_problems(username: str, password: str) -> list[str]:
    """What is wrong with ``password`` as a new password for ``username``; empty if it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符")
    if password.casefold() == username.casefold():
        problems.append("密码不能与用户名相同")
    has_letter = any(c in string.ascii_letters for c in password)
    has_digit = any(c in string.digits for c in password)
    if not (has_letter and has_digit):
        problems.append("密码须同时包含字母和数字")
    return problems


def end_transaction() -> None:
    """End the open (read) transaction before slow Argon2 work, so no lock is held during it."""
    db.session.commit()


def change_password(
    actor: User,
    current_password: str,
    new_password: str,
    *,
    client_address: str | None = None,
    keep_credential: int | None = None,
) -> int:
    """The caller replaces their password; a wrong current one is a field error and counts as a failed
    login from ``client_address``. Every other token and session of the caller ends; the one they work
    with (``keep_credential``) goes on. Returns how many ended."""
    user_id, username, stored_hash = actor.id, actor.username, actor.password_hash
    login_protection.check_allowed(username, client_address)
    problems = password_problems(username, new_password)
    if new_password == current_password:
        problems.append("新密码不能与当前密码相同")
    end_transaction()
    errors: dict[str, list[str]] = {}
    if not password_matches(stored_hash, current_password):
        errors["current_password"] = ["当前密码不正确"]
        login_protection.note_failure(
            username, client_address, "user.password_change_failed", "wrong_current_password"
        )
    if problems:
        errors["new_password"] = problems
    if errors:
        raise InvalidInput("密码未修改", errors=errors)
    new_hash = hash_password(new_password)
    user = db.session.get_one(User, user_id)
    user.password_hash = new_hash
    user.password_changed_at = now()
    user.must_change_password = False
    revoked = authentication.revoke_all(user_id, keep=keep_credential)
    audit.record(
        "user.password_changed", user, summary={"username": username, "credentials_revoked": revoked}
    )
    db.session.commit()
    return revoked


def temporary_password() -> str:
    """A random one-time password that meets the policy, easy to read aloud."""
    while True:
        password = "".join(
            secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH)
        )
        if not password_problems("", password):
            return password

"""Query passwords (查询密码): issued to the applicant once, kept only as a keyed hash, checked without leaks.

Six digits are easy to read off a receipt and type on a phone. Online, the rate limit on look-ups
(services.notices.tracking) keeps them from being guessed. Offline, no slow hash could protect a secret
of a million values from someone holding the table; a key they do not hold can, so the stored
value is an HMAC-SHA256 under the app's ``SECRET_KEY`` over the case number and the password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app

from workflow_service.errors import PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import Case, Role, User
from workflow_service.services import audit
from workflow_service.services.directory.scope import get_visible_case

QUERY_PASSWORD_DIGITS = 6
_SCHEME = "hmac-sha256$"


@dataclass(frozen=True)
class IssuedQueryPassword:
    number: str
    query_password: str


def _digest(number: str, password: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(key, f"query-password\x00{number}\x00{password}".encode(), hashlib.sha256)
    return _SCHEME + mac.hexdigest()


def new_query_password(case: Case) -> str:
    """Give ``case`` a fresh random query password and return it in clear, the only time it exists so."""
    password = f"{secrets.randbelow(10**QUERY_PASSWORD_DIGITS):0{QUERY_PASSWORD_DIGITS}d}"
    case.query_password_hash = _digest(case.number, password)
    return password


def query_password_matches(case: Case | None, password: str) -> bool:
    """Whether ``password`` is the case's; the same work for an unknown case or one without a password."""
    expected = _digest(case.number if case else "", password)
    stored = (case.query_password_hash if case else None) or ""
    return hmac.compare_digest(stored.encode(), expected.encode()) and bool(stored)


def reissue_query_password(actor: User, number: str) -> IssuedQueryPassword:
    """The accepting window gives the applicant a new query password (the old one stops working)."""
    case = get_visible_case(actor, number)
    if case.accepting_organisation_id != actor.organisation_id or not actor.has_role(Role.CLERK):
        raise PermissionDenied("只有受理窗口的工作人员可以重置查询密码")
    password = new_query_password(case)
    audit.record("case.query_password_reissued", actor, case=case)
    db.session.commit()
    return IssuedQueryPassword(case.number, password)

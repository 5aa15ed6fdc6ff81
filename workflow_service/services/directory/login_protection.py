"""Failed logins: a block per (account, client address) that backs off progressively, and a limit per
address over all accounts.

Five wrong passwords in a row (``LOGIN_LOCKOUT_THRESHOLD``) to one username from one address block
that pair for ``LOGIN_BACKOFF_SECONDS``, doubling with every further failure up to
``LOGIN_LOCKOUT_MINUTES``. The account itself is never locked: a stranger who guesses a clerk's
password from elsewhere throttles only themselves, and the clerk logs in at their own window. Unknown
usernames are counted the same way, so a block says nothing about whether an account exists.

Across accounts, failures per address are limited (``LOGIN_RATE_LIMIT``, services.directory.rate_limits,
shared by every worker); over it an address is refused (429) except for the accounts that logged in
from it within ``LOGIN_TRUSTED_ADDRESS_DAYS``, so password spraying from a township's shared address
does not stop the colleagues who work there.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, select, update

from workflow_service.database import upsert
from workflow_service.errors import RateLimited
from workflow_service.extensions import db
from workflow_service.models import LoginOrigin, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.directory import rate_limits

UNKNOWN_ADDRESS = "unknown"


class TooManyLogins(RateLimited):
    title = "登录失败次数过多，请稍后再试"
    type_slug = "too-many-logins"


def _address(client_address: str | None) -> str:
    return (client_address or UNKNOWN_ADDRESS)[:64]


def _address_key(address: str) -> tuple[str, ...]:
    return ("login", "address", address)


def _origin(username: str, address: str) -> LoginOrigin | None:
    return db.session.execute(
        select(LoginOrigin).where(LoginOrigin.username == username, LoginOrigin.client_address == address)
    ).scalar_one_or_none()


def _seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - now()).total_seconds()))


def check_allowed(username: str, client_address: str | None) -> None:
    """Raise TooManyLogins (429 with Retry-After) if this pair is blocked, or the address is over its
    limit and the account has not logged in from it lately. Reads only, unless it refuses a blocked pair
    (audited and counted against the address)."""
    address = _address(client_address)
    origin = _origin(username, address)
    if origin is not None and origin.blocked_until is not None and origin.blocked_until > now():
        summary = {
            "username": username,
            "reason": "blocked",
            "locked_until": origin.blocked_until.isoformat(),
        }
        audit.record("auth.login_failed", None, summary=summary)
        rate_limits.count_attempt(current_app.config["LOGIN_RATE_LIMIT"], _address_key(address))
        db.session.commit()
        raise TooManyLogins(retry_after=_seconds_until(origin.blocked_until))
    wait = rate_limits.seconds_until_allowed(current_app.config["LOGIN_RATE_LIMIT"], _address_key(address))
    if wait and not _trusted(origin):
        raise TooManyLogins(retry_after=wait)


def _trusted(origin: LoginOrigin | None) -> bool:
    if origin is None or origin.last_success_at is None:
        return False
    return origin.last_success_at >= now() - timedelta(days=current_app.config["LOGIN_TRUSTED_ADDRESS_DAYS"])


def _backoff(failed_count: int) -> timedelta:
    config = current_app.config
    doublings = failed_count - config["LOGIN_LOCKOUT_THRESHOLD"]
    seconds = config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(doublings, 30)
    return timedelta(seconds=min(seconds, config["LOGIN_LOCKOUT_MINUTES"] * 60))


def note_failure(username: str, client_address: str | None, action: str, reason: str) -> None:
    """Count a wrong password of this pair and against the address, in a transaction of its own; the
    threshold-th in a row blocks the pair (audited as ``user.locked`` with ``locked_until``)."""
    address, moment = _address(client_address), now()
    forgotten = moment - timedelta(hours=current_app.config["LOGIN_FAILURES_FORGOTTEN_HOURS"])
    insert = upsert(LoginOrigin).values(
        username=username, client_address=address, failed_count=1, last_failed_at=moment
    )
    count = db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["username", "client_address"],
            set_={
                "failed_count": case(
                    (LoginOrigin.last_failed_at < forgotten, 1), else_=LoginOrigin.failed_count + 1
                ),
                "last_failed_at": moment,
            },
        ).returning(LoginOrigin.failed_count)
    ).scalar_one()
    audit.record(action, None, summary={"username": username, "reason": reason, "failed_count": count})
    if count >= current_app.config["LOGIN_LOCKOUT_THRESHOLD"]:
        until = moment + _backoff(count)
        db.session.execute(
            update(LoginOrigin)
            .where(LoginOrigin.username == username, LoginOrigin.client_address == address)
            .values(blocked_until=until)
            .execution_options(synchronize_session="evaluate")
        )
        summary = {
            "username": username,
            "client_address": address,
            "failed_count": count,
            "locked_until": until.isoformat(),
        }
        audit.record("user.locked", None, summary=summary)
    rate_limits.count_attempt(current_app.config["LOGIN_RATE_LIMIT"], _address_key(address))
    db.session.commit()


def note_success(username: str, client_address: str | None) -> None:
    """The pair starts again from nothing, and the address is now one the account works from; the
    caller commits."""
    address, moment = _address(client_address), now()
    insert = upsert(LoginOrigin).values(
        username=username, client_address=address, failed_count=0, last_success_at=moment
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["username", "client_address"],
            set_={
                "failed_count": 0,
                "blocked_until": None,
                "last_failed_at": None,
                "last_success_at": moment,
            },
        )
    )


def blocked_origins(user: User) -> list[LoginOrigin]:
    """The addresses this account is blocked from now, latest block first (``User.login_origins``)."""
    moment = now()
    blocked = [o for o in user.login_origins if o.blocked_until is not None and o.blocked_until > moment]
    return sorted(blocked, key=lambda origin: origin.blocked_until or moment, reverse=True)


def locked_until(user: User) -> datetime | None:
    """Until when the account is blocked from at least one address; None if from none."""
    blocked = blocked_origins(user)
    return blocked[0].blocked_until if blocked else None


def recent_failures(user: User) -> int:
    """Failed logins in a row, summed over the addresses they came from."""
    return sum(origin.failed_count for origin in user.login_origins)


def unblock(user: User) -> list[datetime]:
    """Forget the failures and blocks of every address for this account (an admin's unlock, a reset);
    returns until when each blocked address was blocked. The caller commits."""
    username = user.username
    moment = now()
    blocked = [
        until
        for until in db.session.execute(
            select(LoginOrigin.blocked_until).where(
                LoginOrigin.username == username, LoginOrigin.blocked_until > moment
            )
        ).scalars()
        if until is not None
    ]
    db.session.execute(
        delete(LoginOrigin)
        .where(LoginOrigin.username == username, LoginOrigin.last_success_at.is_(None))
        .execution_options(synchronize_session="evaluate")
    )
    db.session.execute(
        update(LoginOrigin)
        .where(LoginOrigin.username == username)
        .values(failed_count=0, blocked_until=None, last_failed_at=None)
        .execution_options(synchronize_session="evaluate")
    )
    db.session.expire(user, ["login_origins"])  # the answer reads the account's addresses again
    return blocked

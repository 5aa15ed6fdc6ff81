"""Count attempts per key in a moving window, shared by every worker and node.

``RATELIMIT_STORAGE_URI`` is ``database://`` by default: each counted attempt is a row of
``rate_limit_hit`` in the service's own database, so a limit of N means N however many gunicorn
workers and nodes serve. ``redis://…`` keeps them in Redis instead; ``memory://`` in each process (N
per worker: only for a single-process development server). Limits are strings like
``"5 per 15 minutes"``.

The database window is exact, as ``limits``' moving window is: a key is over its limit while N hits
fall within the last window length, and free again when the oldest of those leaves it. Only refused
attempts are counted, so the rows stay few; a key's rows older than its window go when it is hit
again, and every row older than ``FORGOTTEN_AFTER_SECONDS`` on any hit.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import and_, delete, or_, select

from workflow_service.extensions import db
from workflow_service.models import RateLimitHit

DATABASE_STORAGE = "database://"
# No limit of the service counts over a longer window than this (the longest is a day at most).
FORGOTTEN_AFTER_SECONDS = 7 * 24 * 3600
_EXTENSION = "rate_limiter"


def _in_database() -> bool:
    return current_app.config["RATELIMIT_STORAGE_URI"] == DATABASE_STORAGE


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        limiter = current_app.extensions.setdefault(_EXTENSION, MovingWindowRateLimiter(storage))
    return limiter


def _key_digest(key: tuple[str, ...]) -> str:
    return hashlib.sha256("\x1f".join(key).encode()).hexdigest()


def _database_wait(item: RateLimitItem, key: tuple[str, ...]) -> int:
    moment, length = time.time(), item.get_expiry()
    newest = list(
        db.session.execute(
            select(RateLimitHit.at)
            .where(RateLimitHit.key_sha256 == _key_digest(key), RateLimitHit.at > moment - length)
            .order_by(RateLimitHit.at.desc())
            .limit(item.amount)
        ).scalars()
    )
    if len(newest) < item.amount:
        return 0
    # Free once the oldest of the last N hits leaves the window.
    return max(1, math.ceil(newest[-1] + length - moment))


def _database_hit(item: RateLimitItem, key: tuple[str, ...]) -> None:
    moment, digest = time.time(), _key_digest(key)
    db.session.add(RateLimitHit(key_sha256=digest, at=moment))
    db.session.execute(
        delete(RateLimitHit).where(
            or_(
                and_(RateLimitHit.key_sha256 == digest, RateLimitHit.at <= moment - item.get_expiry()),
                RateLimitHit.at < moment - FORGOTTEN_AFTER_SECONDS,
            )
        )
    )


def seconds_until_allowed(limit: str, *keys: tuple[str, ...]) -> int:
    """0 when every key is under ``limit``, else the seconds until the most exhausted one frees up."""
    item: RateLimitItem = parse(limit)
    waits = [0]
    for key in keys:
        if _in_database():
            waits.append(_database_wait(item, key))
        elif not _limiter().test(item, *key):
            reset_at = _limiter().get_window_stats(item, *key).reset_time
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits)


def count_attempt(limit: str, *keys: tuple[str, ...]) -> None:
    """Count one attempt against each key; with the database storage, in a transaction of its own
    (committed here), so the count stands whatever the request does next."""
    item = parse(limit)
    for key in keys:
        if _in_database():
            _database_hit(item, key)
        else:
            _limiter().hit(item, *key)
    if _in_database():
        db.session.commit()


def reset() -> None:
    """Forget every count (tests)."""
    if _in_database():
        db.session.execute(delete(RateLimitHit))
        db.session.commit()
    else:
        _limiter().storage.reset()

"""Count attempts per key in a sliding window, shared by every worker and node.

``RATELIMIT_STORAGE_URI`` is ``database://`` by default: counters are rows of ``rate_limit_window``
in the service's own database, so a limit of N means N however many gunicorn workers and nodes
serve. ``redis://…`` keeps them in Redis instead; ``memory://`` in each process (N per worker: only
for a single-process development server). Limits are strings like ``"5 per 15 minutes"``.

The database counter is the sliding-window approximation ``limits`` also uses: the previous fixed
window's hits, weighted by how much of it still overlaps the last window length, plus the current
window's hits.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, select

from workflow_service.database import upsert
from workflow_service.extensions import db
from workflow_service.models import RateLimitWindow

DATABASE_STORAGE = "database://"
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


def _window_hits(item: RateLimitItem, key: tuple[str, ...], moment: float) -> tuple[int, int, float]:
    """(hits in the previous window, hits in the current one, elapsed fraction of the current one)."""
    length = item.get_expiry()
    index = int(moment // length)
    rows = db.session.execute(
        select(RateLimitWindow.window_index, RateLimitWindow.hits).where(
            RateLimitWindow.key_sha256 == _key_digest(key),
            RateLimitWindow.window_index.in_((index - 1, index)),
        )
    ).all()
    hits = {window: count for window, count in rows}
    return hits.get(index - 1, 0), hits.get(index, 0), (moment % length) / length


def _database_wait(item: RateLimitItem, key: tuple[str, ...]) -> int:
    moment = time.time()
    previous, current, elapsed = _window_hits(item, key, moment)
    amount, length = item.amount, item.get_expiry()
    if previous * (1 - elapsed) + current < amount:
        return 0
    if current >= amount:  # wait out this window, then until its hits, weighted down, fall below
        wait = (1 - elapsed) * length + length * (1 - amount / current)
    else:  # the previous window's share fades as this one goes on
        wait = length * (1 - (amount - current) / previous) - elapsed * length
    return max(1, math.ceil(wait))


def _database_hit(item: RateLimitItem, key: tuple[str, ...]) -> None:
    length = item.get_expiry()
    index = int(time.time() // length)
    digest = _key_digest(key)
    statement = upsert(RateLimitWindow).values(key_sha256=digest, window_index=index, hits=1)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["key_sha256", "window_index"], set_={"hits": RateLimitWindow.hits + 1}
        )
    )
    # Windows older than the previous one count for nothing any more.
    db.session.execute(
        delete(RateLimitWindow).where(
            RateLimitWindow.key_sha256 == digest, RateLimitWindow.window_index < index - 1
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
        db.session.execute(delete(RateLimitWindow))
        db.session.commit()
    else:
        _limiter().storage.reset()

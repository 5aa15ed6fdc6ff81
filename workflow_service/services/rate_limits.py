"""Count attempts per key in a moving window, in this process's memory or in Redis when configured.

``RATELIMIT_STORAGE_URI`` is ``memory://`` by default; several nodes share counters with
``redis://…`` (DESIGN.md §7). Limits are strings like ``"5 per 15 minutes"``.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

_EXTENSION = "rate_limiter"


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        limiter = current_app.extensions.setdefault(_EXTENSION, MovingWindowRateLimiter(storage))
    return limiter


def seconds_until_allowed(limit: str, *keys: tuple[str, ...]) -> int:
    """0 when every key is under ``limit``, else the seconds until the most exhausted one frees up."""
    item: RateLimitItem = parse(limit)
    waits = [0]
    for key in keys:
        if not _limiter().test(item, *key):
            reset_at = _limiter().get_window_stats(item, *key).reset_time
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits)


def count_attempt(limit: str, *keys: tuple[str, ...]) -> None:
    """Count one attempt against each key."""
    item = parse(limit)
    for key in keys:
        _limiter().hit(item, *key)


def reset() -> None:
    """Forget every count (an operator lifting a lock-out; tests)."""
    _limiter().storage.reset()

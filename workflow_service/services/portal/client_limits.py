"""Requests per client and minute (``CLIENT_RATE_LIMIT_PER_MINUTE``): over it, 429 with Retry-After.

Every request a client token authenticates is counted, so the counters are not the database rows of
services.directory.rate_limits (a write per request): they live in ``CLIENT_RATELIMIT_STORAGE_URI``,
``memory://`` by default (each process counts its own: with W gunicorn workers a client gets up to W
times the limit) or ``redis://…``, which every worker and node share. The window moves, as the
other limits' does (``limits``' moving window).
"""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workflow_service.errors import RateLimited
from workflow_service.models import ApiClient

_EXTENSION = "client_rate_limiter"


class TooManyClientRequests(RateLimited):
    title = "请求过于频繁"
    type_slug = "too-many-requests"


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        storage = storage_from_string(current_app.config["CLIENT_RATELIMIT_STORAGE_URI"])
        limiter = current_app.extensions.setdefault(_EXTENSION, MovingWindowRateLimiter(storage))
    return limiter


def count_request(client: ApiClient) -> None:
    """Count one request of ``client``; raises TooManyClientRequests (not counted) when it is over."""
    item = RateLimitItemPerMinute(int(current_app.config["CLIENT_RATE_LIMIT_PER_MINUTE"]))
    if _limiter().hit(item, "api-client", client.client_id):
        return
    reset_at = _limiter().get_window_stats(item, "api-client", client.client_id).reset_time
    wait = max(1, math.ceil(reset_at - time.time()))
    raise TooManyClientRequests(f"每分钟最多 {item.amount} 次请求，请 {wait} 秒后再试", retry_after=wait)

"""Idempotent requests of the portal API: one answer per client and ``Idempotency-Key``, replayed.

The first request with a key claims it (a row, state ``running``, committed before the work, so a
concurrent request with the key meets the unique constraint); its answer is stored on the row
(``done``). A request with a known key and the same body gets the stored answer, with its status
code; with another body, 422. One arriving while the first still runs polls the row, bounded, and
replays. A first request that fails with an error gives the key back (its row is deleted), so a
retry does the work again. Keys are kept ``KEY_RETENTION`` and then purged (``purge_expired_keys``).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from workflow_service.errors import Conflict, InvalidInput
from workflow_service.extensions import db
from workflow_service.models import ApiClient, IdempotencyKey, IdempotencyState
from workflow_service.services.clock import now

HEADER = "Idempotency-Key"
KEY_RETENTION = timedelta(hours=24)
POLL_SECONDS = 0.05
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]{1,128}")


class IdempotencyKeyInUse(Conflict):
    title = "同一幂等键的请求仍在处理"
    type_slug = "idempotency-key-in-use"


@dataclass(frozen=True)
class StoredAnswer:
    """The answer given to the first request with a key: its status code and JSON body."""

    status_code: int
    body: dict[str, Any]
    replayed: bool


def checked_key(value: str | None) -> str:
    """The ``Idempotency-Key`` header's value: 1–128 visible ASCII characters, else 422 naming it."""
    if value is None or value == "":
        raise InvalidInput(f"缺少请求头 {HEADER}", errors={HEADER: ["必填：1–128 个可见 ASCII 字符"]})
    if not _VISIBLE_ASCII.fullmatch(value):
        raise InvalidInput(f"请求头 {HEADER} 有误", errors={HEADER: ["须为 1–128 个可见 ASCII 字符"]})
    return value


def body_hash(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _row(client_id: int, key: str) -> IdempotencyKey | None:
    return db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.client_id == client_id, IdempotencyKey.key == key)
    ).scalar_one_or_none()


def _conflict(key: str) -> InvalidInput:
    message = f"幂等键 {key} 已用于内容不同的请求"
    return InvalidInput(message, errors={HEADER: [message + "：请换用新的幂等键"]})


def _replay(client_id: int, key: str, digest: str) -> StoredAnswer:
    """Wait (bounded) for the answer to the first request with ``key``, and give it again."""
    # How long a request waits for the first one with its key before giving up (409, retry later).
    deadline = time.monotonic() + float(current_app.config["IDEMPOTENCY_WAIT_SECONDS"])
    while True:
        db.session.rollback()  # a fresh transaction: see the first request's commit
        row = _row(client_id, key)
        found = None if row is None else (row.body_hash, row.state, row.status_code, row.response_body)
        # End the read before waiting: an open read transaction would hold SQLite's shared lock and
        # keep the first request from committing the answer this one waits for.
        db.session.rollback()
        if found is None:  # the first request failed and gave the key back: a plain conflict to retry
            raise IdempotencyKeyInUse(f"幂等键 {key} 的首次请求未成功，请重试")
        stored_hash, state, status_code, response_body = found
        if stored_hash != digest:
            raise _conflict(key)
        if state == IdempotencyState.DONE and status_code is not None:
            return StoredAnswer(status_code, dict(response_body or {}), replayed=True)
        if time.monotonic() >= deadline:
            raise IdempotencyKeyInUse(f"幂等键 {key} 的首次请求仍在处理，请稍后重试")
        time.sleep(POLL_SECONDS)


def run_once(
    client: ApiClient,
    key: str,
    body: Mapping[str, Any],
    work: Callable[[], tuple[int, dict[str, Any]]],
) -> StoredAnswer:
    """``work``'s answer for the first request with ``key``; the stored answer for the others."""
    client_id = client.id
    digest = body_hash(body)
    existing = _row(client_id, key)
    if existing is not None:
        return _replay(client_id, key, digest)
    claim = IdempotencyKey(
        client_id=client_id, key=key, body_hash=digest, state=IdempotencyState.RUNNING, created_at=now()
    )
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:  # another request claimed the key meanwhile
        db.session.rollback()
        return _replay(client_id, key, digest)
    claim_id = claim.id
    try:
        status_code, answer = work()
    except Exception:
        db.session.rollback()
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
        db.session.commit()
        raise
    # One UPDATE, not a load and a flush: the claim's attributes expired with the work's commit.
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claim_id)
        .values(state=IdempotencyState.DONE, status_code=status_code, response_body=answer)
    )
    db.session.commit()
    return StoredAnswer(status_code, answer, replayed=False)


def purge_expired_keys() -> int:
    """Delete the keys older than ``KEY_RETENTION`` (the worker's daily run): how many."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now() - KEY_RETENTION)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

"""Prove the audit trail unaltered: walk the hash chain in id order and name its first broken link.

A row whose content no longer gives its hash was **edited**; a row whose removal heals the chain
was **inserted**; a row whose predecessor's hash is not the one it names follows rows **deleted**
(or one edited with its hash recomputed, which breaks the link to the next row just the same). The
head row, and a head written out earlier (``audit-head id=… hash=…`` in the worker's log), show a
tail cut off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from workflow_service.extensions import db
from workflow_service.models import AuditChainHead, AuditEvent, Role, User
from workflow_service.models.audit import GENESIS_HASH, HEAD_ID, chain_hash, event_content
from workflow_service.errors import PermissionDenied

BATCH = 1000
READ_AUDIT = "只有督办人员和系统管理员可以查看审计记录"


def require_supervision(actor: User) -> None:
    """The audit trail is read by supervisors and administrators (403 for any other role)."""
    if not (actor.has_role(Role.SUPERVISOR) or actor.has_role(Role.ADMIN)):
        raise PermissionDenied(READ_AUDIT)


@dataclass(frozen=True)
class BrokenLink:
    kind: str  # edited / inserted / deleted / truncated
    row_id: int | None  # the row edited or inserted, or the first row after those deleted
    after_id: int | None  # the last row of the intact chain before it
    detail: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    last_id: int | None
    last_hash: str
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def parse_head(text: str) -> tuple[int, str]:
    """``ID:HASH`` as the worker logs it (``audit-head id=ID hash=HASH``)."""
    row_id, _, hash_ = text.partition(":")
    if not row_id.isdigit() or len(hash_) != 64:
        raise ValueError("expected ID:HASH (the id and the 64-digit hash the worker logged)")
    return int(row_id), hash_.lower()


def chain_length() -> int:
    return db.session.execute(select(func.count(AuditEvent.id))).scalar_one()


def _rows() -> Iterator[Any]:
    # Plain rows (no ORM identity map) in batches by id (keyset): a million rows walk in constant memory.
    columns = AuditEvent.__table__.columns
    after = 0
    while True:
        batch = db.session.execute(
            select(*columns).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def _walk(rows: Iterator[Any], progress: Callable[[int], None]) -> tuple[int, int | None, str, BrokenLink | None]:
    expected, last_id, count = GENESIS_HASH, None, 0
    pending: Any = next(rows, None)
    while pending is not None:
        row, pending = pending, next(rows, None)
        count += 1
        progress(1)
        linked = row.prev_hash == expected
        whole = row.hash == chain_hash(row.prev_hash, event_content(row))
        if linked and whole:
            expected, last_id = row.hash, row.id
            continue
        if pending is not None and pending.prev_hash == expected:
            return count, last_id, expected, BrokenLink(
                "inserted", row.id, last_id, f"row {row.id} is not part of the chain: it was inserted"
            )
        if not linked:
            return count, last_id, expected, BrokenLink(
                "deleted",
                row.id,
                last_id,
                f"row {row.id} does not follow row {last_id}: rows between them were deleted "
                f"(or row {last_id} was edited and its hash recomputed)",
            )
        return count, last_id, expected, BrokenLink(
            "edited", row.id, last_id, f"row {row.id} was edited: its content does not give its hash"
        )
    return count, last_id, expected, None


def _tail_check(last_id: int | None, last_hash: str, expect_head: tuple[int, str] | None) -> BrokenLink | None:
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is not None and (head.last_id, head.last_hash) != (last_id, last_hash):
        return BrokenLink(
            "deleted",
            head.last_id,
            last_id,
            f"the chain ends at row {last_id}, its head names row {head.last_id}: the tail was deleted",
        )
    if expect_head is not None:
        row_id, hash_ = expect_head
        row = db.session.get(AuditEvent, row_id)
        if row is None or row.hash != hash_:
            return BrokenLink(
                "truncated",
                row_id,
                last_id,
                f"row {row_id} with the hash written out earlier is not in the chain: the tail was cut",
            )
    return None


def verify_chain(
    *, progress: Callable[[int], None] = lambda _n: None, expect_head: tuple[int, str] | None = None
) -> ChainReport:
    """Walk the whole chain; the first broken link, or None when every row is as it was written."""
    count, last_id, last_hash, broken = _walk(_rows(), progress)
    if broken is None:
        broken = _tail_check(last_id, last_hash, expect_head)
    db.session.rollback()  # read only; the walk leaves nothing to keep
    return ChainReport(rows=count, last_id=last_id, last_hash=last_hash, broken=broken)


def verify_chain_for(caller: User, expect_head: tuple[int, str] | None = None) -> ChainReport:
    """The API's walk: supervisors and administrators only."""
    require_supervision(caller)
    return verify_chain(expect_head=expect_head)


def chain_head() -> tuple[int | None, str]:
    """The newest link as the head row holds it: what the worker writes out."""
    head = db.session.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)).scalar_one()
    return head.last_id, head.last_hash

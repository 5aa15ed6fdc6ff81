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

from workflow_service.errors import PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import AuditChainHead, AuditEvent, Role, User
from workflow_service.models.audit import GENESIS_HASH, HEAD_ID, chain_hash, event_content

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


def _head() -> tuple[int | None, str]:
    head = db.session.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)).scalar_one()
    return head.last_id, head.last_hash


def _appended_after_head(row_id: int) -> bool:
    """A row beyond the head was not appended by the service (its appends move the head in the same
    commit); read after the row was, so a concurrent append is never taken for an insertion."""
    head_id = _head()[0]
    return head_id is None or row_id > head_id


@dataclass
class _Walk:
    rows: int = 0
    last_id: int | None = None
    last_hash: str = GENESIS_HASH
    broken: BrokenLink | None = None
    saw_head: bool = False


def _walk(rows: Iterator[Any], progress: Callable[[int], None], head: tuple[int | None, str]) -> _Walk:
    walk = _Walk(saw_head=head[0] is None)
    pending: Any = next(rows, None)
    while pending is not None:
        row, pending = pending, next(rows, None)
        walk.rows += 1
        progress(1)
        linked = row.prev_hash == walk.last_hash
        whole = row.hash == chain_hash(row.prev_hash, event_content(row))
        if linked and whole:
            walk.last_id, walk.last_hash = row.id, row.hash
            walk.saw_head = walk.saw_head or (row.id, row.hash) == head
            continue
        after = walk.last_id
        if (pending is not None and pending.prev_hash == walk.last_hash) or (
            pending is None and not linked and _appended_after_head(row.id)
        ):
            walk.broken = BrokenLink(
                "inserted", row.id, after, f"row {row.id} is not part of the chain: it was inserted"
            )
        elif not linked:
            walk.broken = BrokenLink(
                "deleted",
                row.id,
                after,
                f"row {row.id} does not follow row {after}: rows between them were deleted "
                f"(or row {after} was edited and its hash recomputed)",
            )
        else:
            walk.broken = BrokenLink(
                "edited", row.id, after, f"row {row.id} was edited: its content does not give its hash"
            )
        return walk
    return walk


def _tail_check(
    walk: _Walk, head: tuple[int | None, str], expect_head: tuple[int, str] | None
) -> BrokenLink | None:
    if not walk.saw_head:
        return BrokenLink(
            "deleted",
            head[0],
            walk.last_id,
            f"the chain's head, row {head[0]}, is not in the chain (it ends at row {walk.last_id}): "
            "the tail was deleted",
        )
    if walk.last_id is not None and _appended_after_head(walk.last_id):
        head_id = _head()[0] or 0
        first = db.session.execute(
            select(func.min(AuditEvent.id)).where(AuditEvent.id > head_id)
        ).scalar_one()
        return BrokenLink(
            "inserted",
            first,
            head_id or None,
            f"row {first} and any after it follow the chain's head: inserted",
        )
    if expect_head is not None:
        row_id, hash_ = expect_head
        row = db.session.execute(select(AuditEvent.hash).where(AuditEvent.id == row_id)).scalar_one_or_none()
        if row != hash_:
            return BrokenLink(
                "truncated",
                row_id,
                walk.last_id,
                f"row {row_id} with the hash written out earlier is not in the chain: the tail was cut",
            )
    return None


def verify_chain(
    *, progress: Callable[[int], None] = lambda _n: None, expect_head: tuple[int, str] | None = None
) -> ChainReport:
    """Walk the whole chain; the first broken link, or None when every row is as it was written."""
    head = _head()  # before the walk: rows appended meanwhile come after it
    walk = _walk(_rows(), progress, head)
    broken = walk.broken or _tail_check(walk, head, expect_head)
    db.session.rollback()  # read only; the walk leaves nothing to keep
    return ChainReport(rows=walk.rows, last_id=walk.last_id, last_hash=walk.last_hash, broken=broken)


def verify_chain_for(caller: User, expect_head: tuple[int, str] | None = None) -> ChainReport:
    """The API's walk: supervisors and administrators only."""
    require_supervision(caller)
    return verify_chain(expect_head=expect_head)


def chain_head() -> tuple[int | None, str]:
    """The newest link as the head row holds it: what the worker writes out."""
    return _head()

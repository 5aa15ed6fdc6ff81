"""Write audit rows, hash-chained; the table is append-only (nothing in the service updates or
deletes them, and on PostgreSQL a trigger refuses it).

A row is queued on the session by ``record`` and joins the chain only when the transaction commits:
the hook flushes the rest of the work first, then locks the chain's head row (``SELECT … FOR UPDATE``
on PostgreSQL; SQLite's write transactions are serialised already), hashes the queued rows onto the
head, inserts them and moves the head. So the lock is held for three statements and the commit,
not for the whole request, and concurrent writers append one after the other: one chain, no forks.

The three are Core statements, not a unit of work: the rows are only ever inserted, so the ORM's
flushes (one for the rows, one more at commit for the head) would cost each committing request
their bookkeeping and tell it nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from flask import g, has_request_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Table, event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.util import identity_key

from workflow_service.extensions import db
from workflow_service.models import AuditChainHead, AuditEvent, Case, User
from workflow_service.models.audit import HEAD_ID, chain_hash, event_content
from workflow_service.services.clock import now

QUEUE_KEY = "audit_queue"
READ_PREFIX = "read."  # the actions of audited reads of personal data (查询留痕)
# A committing request's cost of the chain: the head locked and moved (its rows' INSERT aside).
CHAIN_STATEMENTS = 2
# An audited read's cost: the chain's two and the row's INSERT.
READ_STATEMENTS = CHAIN_STATEMENTS + 1


def record(
    action: str,
    actor: User | None,
    *,
    case: Case | None = None,
    task_id: str | None = None,
    summary: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit row to the current transaction (committed with the change it describes)."""
    queued: list[AuditEvent] = db.session.info.setdefault(QUEUE_KEY, [])
    queued.append(
        AuditEvent(
            at=now(),
            actor_id=actor.id if actor else None,
            actor_username=actor.username if actor else None,
            organisation_id=actor.organisation_id if actor else None,
            action=action,
            case_id=case.id if case else None,
            task_id=task_id,
            summary=dict(summary or {}),
        )
    )


def record_read(
    action: str,
    actor: User,
    *,
    case: Case | None = None,
    summary: Mapping[str, Any] | None = None,
) -> None:
    """Audit a read of personal data (查询留痕) and commit it at once.

    The read's own transaction ends first: on SQLite a read request's transaction is DEFERRED, and
    one that read and then writes fails when another process wrote meanwhile; the audit row gets a
    write transaction of its own (``BEGIN IMMEDIATE``), that queues behind other writers instead.
    """
    db.session.commit()
    record(action, actor, case=case, summary=summary)
    if has_request_context():
        g.writing_after_reads = True
    try:
        db.session.commit()
    finally:
        if has_request_context():
            g.writing_after_reads = False


_EVENTS = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditChainHead.__table__)
_COLUMNS = tuple(column.key for column in _EVENTS.columns if column.key != "id")
# Built once: the statements are the same for every commit.
_LOCK_HEAD = select(_HEADS.c.last_hash).where(_HEADS.c.id == HEAD_ID).with_for_update()
_INSERT_ROWS = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
_MOVE_HEAD = update(_HEADS).where(_HEADS.c.id == HEAD_ID)


def _append_queued(session: Session) -> None:
    queued: list[AuditEvent] = session.info.pop(QUEUE_KEY, [])
    if not queued:
        return
    session.flush()  # the work itself first: the head stays locked only for the appends below
    previous = session.execute(_LOCK_HEAD).scalar_one()
    rows = []
    for row in queued:
        row.prev_hash = previous
        row.hash = previous = chain_hash(previous, event_content(row))
        rows.append({key: getattr(row, key) for key in _COLUMNS})
    # Ids come from the database in insertion order, which is the chain's order.
    ids = session.execute(_INSERT_ROWS, rows).scalars().all()
    session.execute(_MOVE_HEAD.values(last_id=ids[-1], last_hash=previous))
    kept = session.identity_map.get(identity_key(AuditChainHead, HEAD_ID))
    if kept is not None:  # a head read earlier in this session would not show the move
        session.expire(kept)


def _forget_queued(session: Session, transaction: SessionTransaction) -> None:
    # Rows still queued when the session's transaction ends were not committed (a commit takes them
    # in before_commit): they go with a rollback or a close, as pending objects do.
    if transaction.parent is None:
        session.info.pop(QUEUE_KEY, None)


def init_app() -> None:
    """Hook the chain into every Flask-SQLAlchemy session's commit (once per process)."""
    session_class = FlaskSession
    if not event.contains(session_class, "before_commit", _append_queued):
        event.listen(session_class, "before_commit", _append_queued)
        event.listen(session_class, "after_transaction_end", _forget_queued)

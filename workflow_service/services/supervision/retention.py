"""Retention: drop the serialized workflow of cases that ended long enough ago.

A finished case never runs again, so its engine state (a few KB each) is dead weight in the live
table. The case row, its task rows, documents, step records and audit rows stay; the elements the
case passed are kept beside it so that its diagram still shows the path. The run goes in batches of
ascending id, each its own transaction: stopped at any point it resumes where it was, and a second
run finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import undefer

from workflow_service.extensions import db
from workflow_service.models import Case
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.process.progress import process_runtime
from workflow_service.services.process.stored_state import running_state

DEFAULT_BATCH = 500


def retention_cutoff(days: int) -> datetime:
    """Cases that ended before this moment are past retention."""
    return now() - timedelta(days=days)


def _past_retention(cutoff: datetime) -> list[ColumnElement[bool]]:
    return [Case.ended_at.is_not(None), Case.ended_at < cutoff, Case.workflow_state.is_not(None)]


def count_past_retention(cutoff: datetime) -> int:
    """How many finished cases still hold a state they no longer need."""
    query = select(func.count()).select_from(Case).where(*_past_retention(cutoff))
    return int(db.session.execute(query).scalar_one())


def drop_finished_states(
    cutoff: datetime, *, batch_size: int = DEFAULT_BATCH, progress: Callable[[int], None] | None = None
) -> int:
    """Drop the state of every case that ended before ``cutoff``; the number of cases changed."""
    runtime = process_runtime()
    after_id = 0
    dropped = 0
    while True:
        batch = list(
            db.session.execute(
                select(Case)
                .options(undefer(Case.workflow_state))
                .where(Case.id > after_id, *_past_retention(cutoff))
                .order_by(Case.id)
                .limit(batch_size)
            ).scalars()
        )
        if not batch:
            return dropped
        moment = now()
        for case in batch:
            definition = case.process_definition
            case.passed_elements = list(
                runtime.completed_elements(definition.content_hash, definition.spec_json, running_state(case))
            )
            case.workflow_state = None
            case.state_dropped_at = moment
        audit.record(
            "retention.states_dropped",
            None,
            summary={
                "cases": len(batch),
                "first_case_id": batch[0].id,
                "last_case_id": batch[-1].id,
                "ended_before": cutoff.isoformat(),
            },
        )
        db.session.commit()
        after_id = batch[-1].id
        dropped += len(batch)
        if progress:
            progress(len(batch))

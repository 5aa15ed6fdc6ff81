"""Background jobs as rows: due BPMN timers and deadline warnings, taken by the worker when due."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow


class JobKind(enum.StrEnum):
    TIMER = "timer"  # a BPMN timer event of a case; task_ref is the waiting timer's task id
    DEADLINE_WARNING = "deadline_warning"  # a task turning yellow / red; task_ref is the task's id
    SUPERVISION_LATE = "supervision_late"  # a 督办 notice's reply deadline; task_ref is its item's id
    # A 补正 notice's deadline passed: the case is returned (退件); task_ref names the notice.
    SUPPLEMENT_DEADLINE = "supplement_deadline"


class JobState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # gave up after the last attempt; last_error says why
    CANCELLED = "cancelled"  # no longer needed: the timer was cancelled, the task finished


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        # One BPMN timer (or one task's deadline warnings) of one case is scheduled once, ever.
        UniqueConstraint("kind", "case_id", "task_ref", name="uq_job_kind_case_id_task_ref"),
        # The worker's claim: pending jobs by due time.
        Index("ix_job_state_run_at", "state", "run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_column(JobKind, 32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    task_ref: Mapped[str | None] = mapped_column(String(64))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[JobState] = mapped_column(enum_column(JobState, 16), default=JobState.PENDING)
    # Times the job was taken by a worker, including the current run.
    attempts: Mapped[int] = mapped_column(default=0)
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

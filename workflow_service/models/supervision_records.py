"""The 电子监察 feed: step, special-procedure and 办结 records of cases, and the exports' cursors."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base, UTCDateTime, enum_column, utcnow


class RecordKind(enum.StrEnum):
    STEP = "step"  # 办理环节
    SPECIAL_PROCEDURE = "special_procedure"  # 特别程序
    COMPLETION = "completion"  # 办结


class SupervisionRecord(Base):
    """One record of the feed, written in the transaction of the step it tells of; never changed.

    The id is the export's cursor: the rows of a transaction are inserted while it holds the audit
    chain's head lock (services.supervision.step_records), so ids grow in commit order.
    """

    __tablename__ = "supervision_record"
    __table_args__ = (Index("ix_supervision_record_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"))
    case_number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[RecordKind] = mapped_column(enum_column(RecordKind, 24))
    # The exchange's fields under their stable English keys (docs/supervision-feed.md).
    fields: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SupervisionCursor(Base):
    """How far an export has gone (``--from-last`` continues after ``last_id``)."""

    __tablename__ = "supervision_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_id: Mapped[int]
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

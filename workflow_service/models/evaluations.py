"""好差评: the applicant's one evaluation of a case, and the rectification task a bad one opened."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, enum_column
from workflow_service.models.cases import Case
from workflow_service.models.tasks import Task
from workflow_service.models.users import User


class Rating(enum.StrEnum):
    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


class EvaluationChannel(enum.StrEnum):
    PUBLIC = "public"  # the applicant, with the case number and query password
    WINDOW = "window"  # a window clerk entering it on the applicant's behalf


class CaseEvaluation(Base):
    __tablename__ = "case_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One evaluation per case (一事一评).
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), unique=True)
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, 24), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[EvaluationChannel] = mapped_column(enum_column(EvaluationChannel, 16))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rectification_task_id: Mapped[str | None] = mapped_column(ForeignKey("task.id"))

    case: Mapped[Case] = relationship()
    entered_by: Mapped[User | None] = relationship()
    rectification_task: Mapped[Task | None] = relationship()

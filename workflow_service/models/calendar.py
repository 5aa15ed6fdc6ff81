"""The admin-maintained working-day calendar: holidays and make-up working days the package does not know."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.users import User


class CalendarDay(Base):
    """One day whose status differs from (or confirms) the default: a holiday or a make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool]
    # 元旦, 春节, 春节调休上班 …: what the State Council's notice calls it.
    name: Mapped[str] = mapped_column(String(64))


class CalendarYear(Base):
    """A year whose schedule has been entered from the official notice, so it counts as known."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    published_at: Mapped[date | None] = mapped_column(Date)
    # The notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕x号).
    source: Mapped[str] = mapped_column(String(255))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    entered_by: Mapped[User | None] = relationship()


class CalendarRevision(Base):
    """One row counting the changes to the calendar table, so that each process keeps the calendar
    it has read and reads it again only when another has changed it (one key lookup per request
    instead of the whole table)."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(default=0)

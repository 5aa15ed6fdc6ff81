"""Intake drafts (暂存): a half-filled application a window keeps until the applicant comes back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.organisations import Organisation
from workflow_service.models.service_items import ServiceItem
from workflow_service.models.users import User


class IntakeDraft(Base):
    __tablename__ = "intake_draft"
    __table_args__ = (Index("ix_intake_draft_organisation_updated", "organisation_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    # The window whose clerks share the draft; nobody else sees it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # For the window's list only; the payload holds what the form had.
    applicant_name: Mapped[str] = mapped_column(String(128), default="")
    # {"applicant": {...}, "agent": {...} | None, "matter_township": str | None, "data": {...}}, unchecked.
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    service_item: Mapped[ServiceItem] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])

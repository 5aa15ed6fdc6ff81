"""Attachments: the files handed in for a case's materials; the bytes live in services.materials.storage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime, utcnow
from workflow_service.models.cases import Case
from workflow_service.models.organisations import Organisation
from workflow_service.models.users import User


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    # The material of the service item this file is for (e.g. 身份证明), as the clerk named it.
    material_name: Mapped[str] = mapped_column(String(128))
    # The name the file had on the uploader's machine, for display and download only.
    original_filename: Mapped[str] = mapped_column(String(255))
    # The generated key under which services.materials.storage keeps the bytes.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Detected from the content, never the client's claim.
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: sent by a portal or line system with its case (the case's client); the organisation is
    # then the case's accepting office.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))

    case: Mapped[Case] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation] = relationship()

"""Electronic licences (电子证照) produced by granted cases: name, number, validity, issuing organisation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, UTCDateTime
from workflow_service.models.cases import Case
from workflow_service.models.organisations import Organisation


class ElectronicLicence(Base):
    __tablename__ = "electronic_licence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(128))  # 证照名称
    number: Mapped[str] = mapped_column(String(64), unique=True)  # 证照编号
    # 持证主体: the applicant, by name and resident ID or unified social credit code.
    holder_name: Mapped[str] = mapped_column(String(128))
    holder_id_number: Mapped[str] = mapped_column(String(32), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # None: 长期
    issuing_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # 发证单位
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    issuing_organisation: Mapped[Organisation] = relationship()

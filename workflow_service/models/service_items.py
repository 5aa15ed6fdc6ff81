"""Service items (事项): what a citizen can apply for, who decides, and which process runs it."""

from __future__ import annotations

import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_service.models.base import Base, enum_column


class AcceptanceMode(enum.StrEnum):
    LOCAL = "local"  # 就近能办: only the matter's own township
    CITY = "city"  # 同城通办
    CROSS_REGION = "cross_region"  # 异地可办


class ServiceItem(Base):
    __tablename__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # Short code used in case numbers, e.g. GTDJ for 个体工商户设立登记.
    short_code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(128))
    department_type: Mapped[str] = mapped_column(String(64))
    process_key: Mapped[str] = mapped_column(String(128))
    acceptance_mode: Mapped[AcceptanceMode] = mapped_column(
        enum_column(AcceptanceMode, 16), default=AcceptanceMode.LOCAL
    )
    legal_limit_days: Mapped[int]
    promised_limit_days: Mapped[int]

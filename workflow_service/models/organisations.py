"""Regions (city → county → township) and the organisations that work cases in them."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, enum_column


class RegionLevel(enum.StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


class OrganisationKind(enum.StrEnum):
    SERVICE_CENTRE = "service_centre"  # 便民服务中心 of a township
    DEPARTMENT = "department"  # 县级部门
    STATION = "station"  # 派驻机构
    OFFICE = "office"  # other township offices


class Region(Base):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel, 16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id])


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, 32))
    # The region the organisation belongs to: a township for centres and offices, a county for departments.
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # For departments and stations: which competent-department type they are (e.g. market_regulation).
    department_type: Mapped[str | None] = mapped_column(String(64), index=True)

    region: Mapped[Region] = relationship()

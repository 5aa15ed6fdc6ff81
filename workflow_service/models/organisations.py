"""Regions (city → county → township) and the organisations that work cases in them."""

from __future__ import annotations

import enum

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_service.models.base import Base, enum_column


class RegionLevel(enum.StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


class FunctionType(enum.StrEnum):
    """A township's function type (乡镇功能类型), used in reports."""

    ECONOMIC = "economic"  # 经济型
    ECOLOGICAL = "ecological"  # 生态型
    COMPOSITE = "composite"  # 复合型


class OrganisationKind(enum.StrEnum):
    SERVICE_CENTRE = "service_centre"  # 便民服务中心 of a township
    DEPARTMENT = "department"  # 县级部门
    STATION = "station"  # 派驻机构
    OFFICE = "office"  # other township offices (党政综合办公室, 综合信息指挥室 …)


class OfficeType(enum.StrEnum):
    """Township offices every township has; township-specific ones (融杭办公室) use their own code."""

    PARTY_GOVERNMENT = "party_government"  # 党政综合办公室
    PARTY_BUILDING = "party_building"  # 党建工作办公室
    COMMAND_CENTRE = "command_centre"  # 综合信息指挥室


# Which townships a dispatched station (派驻机构) covers: one ("一镇一所") or several.
station_coverage = Table(
    "station_coverage",
    Base.metadata,
    Column("station_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("township_id", ForeignKey("region.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Region(Base):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel, 16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    function_type: Mapped[FunctionType | None] = mapped_column(enum_column(FunctionType, 16))
    # True where the demo data says an attribute (code, function type) is illustrative, not official.
    illustrative: Mapped[bool] = mapped_column(default=False)

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
    # For township offices: which office it is (OfficeType, or a township-specific code).
    office_type: Mapped[str | None] = mapped_column(String(64))
    # For stations: the county department that dispatched it.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region] = relationship()
    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    covered_townships: Mapped[list[Region]] = relationship(secondary=station_coverage)

"""The declarative base: constraint naming convention and the UTC timestamp type every model uses."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapper

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _in_utc(_target: object, value: datetime | None, _old: object, _initiator: object) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


@event.listens_for(Base, "mapper_configured", propagate=True)
def _utc_on_assignment(mapper: Mapper[Any], class_: type) -> None:
    """A UTC column holds UTC in memory too, as it comes back from the database: objects outlive
    the commit (the session does not expire them), so an answer shows what a reload would show."""
    for attribute in mapper.column_attrs:
        if any(isinstance(column.type, UTCDateTime) for column in attribute.columns):
            event.listen(getattr(class_, attribute.key), "set", _in_utc, retval=True)


def enum_column(enum_class: type[enum.Enum], length: int = 32) -> Enum:
    """A portable VARCHAR + CHECK column that stores the enum's values ("city"), not its names."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )

"""Load demo organisations, users and service items from a YAML file under ``catalog/`` (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import (
    AcceptanceMode,
    Organisation,
    OrganisationKind,
    Region,
    RegionLevel,
    ServiceItem,
    User,
)
from workflow_service.services.passwords import hash_password

SERVICE_CENTRE_SUFFIX = "-bmfwzx"


@dataclass(frozen=True)
class SeedSummary:
    regions: int
    organisations: int
    users: int
    service_items: int


def _upsert(model: type, key: str, values: dict[str, Any]) -> Any:
    row = db.session.execute(select(model).where(getattr(model, key) == values[key])).scalar_one_or_none()
    if row is None:
        row = model(**values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    db.session.flush()
    return row


def seed_from_file(path: Path, demo_password: str) -> SeedSummary:
    """Create or update everything the file describes; users get ``demo_password`` only when new."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    city = _upsert(Region, "code", {**spec["city"], "level": RegionLevel.CITY, "parent_id": None})
    county = _upsert(Region, "code", {**spec["county"], "level": RegionLevel.COUNTY, "parent_id": city.id})
    organisations: dict[str, Organisation] = {}
    users: list[dict[str, Any]] = list(spec["users"])
    for township in spec["townships"]:
        region = _upsert(
            Region,
            "code",
            {
                "code": township["code"],
                "name": township["name"],
                "level": RegionLevel.TOWNSHIP,
                "parent_id": county.id,
            },
        )
        centre_code = township["code"] + SERVICE_CENTRE_SUFFIX
        organisations[centre_code] = _upsert(
            Organisation,
            "code",
            {
                "code": centre_code,
                "name": f"{township['name']}便民服务中心",
                "kind": OrganisationKind.SERVICE_CENTRE,
                "region_id": region.id,
                "department_type": None,
            },
        )
        users.append(
            {
                "username": f"clerk-{township['slug']}",
                "full_name": f"{township['name']}窗口人员",
                "organisation": centre_code,
                "roles": ["clerk"],
            }
        )
    for department in spec["departments"]:
        organisations[department["code"]] = _upsert(
            Organisation, "code", {**department, "kind": OrganisationKind.DEPARTMENT, "region_id": county.id}
        )
    for item in spec["service_items"]:
        _upsert(ServiceItem, "code", {**item, "acceptance_mode": AcceptanceMode(item["acceptance_mode"])})
    password_hash = hash_password(demo_password)
    for user in users:
        existing = db.session.execute(
            select(User).where(User.username == user["username"])
        ).scalar_one_or_none()
        values = {
            "username": user["username"],
            "full_name": user["full_name"],
            "organisation_id": organisations[user["organisation"]].id,
            "roles": list(user["roles"]),
        }
        if existing is None:
            db.session.add(User(**values, password_hash=password_hash, active=True))
        else:
            for name, value in values.items():
                setattr(existing, name, value)
    db.session.commit()
    return SeedSummary(
        regions=2 + len(spec["townships"]),
        organisations=len(organisations),
        users=len(users),
        service_items=len(spec["service_items"]),
    )

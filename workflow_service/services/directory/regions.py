"""Read the region tree for pick lists: the townships of the caller's county."""

from __future__ import annotations

from sqlalchemy import select

from workflow_service.extensions import db
from workflow_service.models import Region, RegionLevel, User
from workflow_service.services.directory.routing import county_of


def townships_of_my_county(actor: User) -> list[Region]:
    """The townships (乡镇/街道) of the county the actor's organisation is in, by code."""
    region = actor.organisation.region
    if region.level == RegionLevel.CITY:
        return []
    county = county_of(region)
    query = (
        select(Region)
        .where(Region.parent_id == county.id, Region.level == RegionLevel.TOWNSHIP)
        .order_by(Region.code)
    )
    return list(db.session.execute(query).scalars())


def all_regions() -> list[Region]:
    """Every region by code, with its parent loaded: the admin pages draw the tree from it."""
    return list(db.session.execute(select(Region).order_by(Region.code)).scalars())

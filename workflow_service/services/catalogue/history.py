"""An item's version history for analysts: who saved each version and when, what it changed, and
the field-by-field difference between any two versions (two statements)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from workflow_service.errors import InvalidInput, NotFound
from workflow_service.extensions import db
from workflow_service.models import ServiceItem, ServiceItemVersion, User
from workflow_service.services.catalogue.service_items import require_catalogue_editor

# Compared as a whole (lists of rules, kinds and channels); materials are compared one by one, by name.
WHOLE_FIELDS = ("eligibility", "applicant_kinds", "pre_review")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class MaterialChange:
    """One material between two versions: ``added``, ``removed``, ``changed`` (its fields) or ``moved``."""

    name: str
    change: str
    fields: tuple[FieldChange, ...] = ()
    position_before: int | None = None
    position_after: int | None = None


@dataclass(frozen=True)
class VersionEntry:
    version: int
    created_at: datetime
    # Who saved it; None when it came from a catalogue file (flask load-catalogue, seed-demo).
    author: str | None
    # The fields it changed against the version before it (materials as "materials").
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    older: int
    newer: int
    fields: tuple[FieldChange, ...]
    materials: tuple[MaterialChange, ...]


@dataclass(frozen=True)
class ItemHistory:
    item: ServiceItem
    versions: tuple[VersionEntry, ...]  # newest first
    comparison: Comparison | None


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(name for name in after if name != "code" and after.get(name) != before.get(name))


def _material_changes(
    before: list[Mapping[str, Any]], after: list[Mapping[str, Any]]
) -> tuple[MaterialChange, ...]:
    old = {str(m["name"]): (index, m) for index, m in enumerate(before)}
    new = {str(m["name"]): (index, m) for index, m in enumerate(after)}
    changes: list[MaterialChange] = []
    for name, (index, material) in new.items():
        if name not in old:
            changes.append(MaterialChange(name, "added", position_after=index + 1))
            continue
        old_index, old_material = old[name]
        fields = tuple(
            FieldChange(key, old_material.get(key), material.get(key))
            for key in material
            if key != "name" and material.get(key) != old_material.get(key)
        )
        # Moved: its place among the materials both versions have changed.
        kept_before = [n for n in old if n in new]
        kept_after = [n for n in new if n in old]
        moved = kept_before.index(name) != kept_after.index(name)
        if fields or moved:
            changes.append(
                MaterialChange(
                    name,
                    "changed" if fields else "moved",
                    fields,
                    position_before=old_index + 1,
                    position_after=index + 1,
                )
            )
    changes.extend(
        MaterialChange(name, "removed", position_before=index + 1)
        for name, (index, _material) in old.items()
        if name not in new
    )
    return tuple(changes)


def compare_snapshots(
    older: int, before: Mapping[str, Any], newer: int, after: Mapping[str, Any]
) -> Comparison:
    fields = tuple(
        FieldChange(name, before.get(name), after.get(name))
        for name in changed_fields(before, after)
        if name != "materials"
    )
    materials = _material_changes(list(before.get("materials") or []), list(after.get("materials") or []))
    return Comparison(older, newer, fields, materials)


def _version_number(value: str | None, known: Mapping[int, Any], name: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or int(value) not in known:
        raise InvalidInput("没有这个版本", errors={name: ["没有这个版本"]})
    return int(value)


def item_history(actor: User, code: str, older: str | None = None, newer: str | None = None) -> ItemHistory:
    """Every version of the item with its author, and two of them compared (by default the last change).

    ``older`` and ``newer`` are version numbers as the page's query string gives them.
    """
    require_catalogue_editor(actor)
    item = db.session.execute(select(ServiceItem).where(ServiceItem.code == code)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"没有编码为 {code} 的事项")
    author = aliased(User)
    rows = db.session.execute(
        select(ServiceItemVersion, author.full_name)
        .outerjoin(author, author.id == ServiceItemVersion.created_by_id)
        .where(ServiceItemVersion.service_item_id == item.id)
        .order_by(ServiceItemVersion.version)
    ).all()
    snapshots = {row[0].version: row[0].snapshot for row in rows}
    entries: list[VersionEntry] = []
    previous: Mapping[str, Any] | None = None
    for version, name in rows:
        changed = changed_fields(previous, version.snapshot) if previous is not None else ()
        entries.append(VersionEntry(version.version, version.created_at, name, changed))
        previous = version.snapshot
    chosen_older = _version_number(older, snapshots, "from")
    chosen_newer = _version_number(newer, snapshots, "to")
    numbers = sorted(snapshots)
    if chosen_newer is None:
        chosen_newer = numbers[-1] if numbers else None
    if chosen_older is None and chosen_newer is not None:
        earlier = [n for n in numbers if n < chosen_newer]
        chosen_older = earlier[-1] if earlier else None
    comparison = None
    if chosen_older is not None and chosen_newer is not None:
        comparison = compare_snapshots(
            chosen_older, snapshots[chosen_older], chosen_newer, snapshots[chosen_newer]
        )
    return ItemHistory(item, tuple(reversed(entries)), comparison)

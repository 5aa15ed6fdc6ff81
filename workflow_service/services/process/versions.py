"""The difference between two deployed versions of a process, for the library's compare view."""

from __future__ import annotations

from dataclasses import dataclass

from workflow_service.engine.version_diff import VersionDiff, diff_versions
from workflow_service.models import User
from workflow_service.services.process.library import process_version


@dataclass(frozen=True)
class VersionComparison:
    key: str
    from_version: int
    to_version: int
    diff: VersionDiff


def compare_versions(actor: User, key: str, from_version: int, to_version: int) -> VersionComparison:
    """What changed from one version to the other (either order); 404 when either does not exist."""
    old = process_version(actor, key, from_version).definition
    new = process_version(actor, key, to_version).definition
    return VersionComparison(
        key, from_version, to_version, diff_versions(old.bpmn_xml, old.forms, new.bpmn_xml, new.forms)
    )

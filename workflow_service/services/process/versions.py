"""The difference between two deployed versions of a process, for the library's compare view."""

from __future__ import annotations

from dataclasses import dataclass

from workflow_service.engine.version_diff import VersionDiff, diff_versions
from workflow_service.errors import PermissionDenied
from workflow_service.models import User
from workflow_service.services.process.deployment import latest_definition
from workflow_service.services.process.library import may_read_library, process_version


@dataclass(frozen=True)
class VersionComparison:
    key: str
    from_version: int
    to_version: int
    diff: VersionDiff


def compare_versions(
    actor: User, key: str, from_version: int | None = None, to_version: int | None = None
) -> VersionComparison:
    """What changed from one version to the other (either order; by default the latest and the one
    before it); 404 when either does not exist."""
    if not may_read_library(actor):
        raise PermissionDenied("只有流程管理员、管理员和督办人员可以查看流程库")
    if to_version is None:
        to_version = latest_definition(key).version
    if from_version is None:
        from_version = to_version - 1
    old = process_version(actor, key, from_version).definition
    new = process_version(actor, key, to_version).definition
    return VersionComparison(
        key, from_version, to_version, diff_versions(old.bpmn_xml, old.forms, new.bpmn_xml, new.forms)
    )

"""Versions over the API: the diff between two, moving running cases to the next (dry run, batches),
and undoing one case's move."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow_service.api.authentication import current_user, require_bearer_token
from workflow_service.api.process_version_schemas import (
    BatchQuerySchema,
    DiffQuerySchema,
    DryRunSchema,
    MigrationBatchSchema,
    UndoneMigrationSchema,
    VersionDiffSchema,
)
from workflow_service.models import CaseMigration
from workflow_service.services.process.case_migration import (
    DryRun,
    MigrationBatch,
    dry_run,
    migrate_batch,
    undo_migration,
)
from workflow_service.services.process.versions import VersionComparison, compare_versions

blp = Blueprint(
    "process_versions",
    __name__,
    url_prefix="/api/v1/process-definitions",
    description="流程版本：版本差异，在办办件迁移到新版本 / process versions: diffs, moving running cases",
)
blp.before_request(require_bearer_token)
migrations_blp = Blueprint(
    "case_migrations",
    __name__,
    url_prefix="/api/v1/case-migrations",
    description="办件迁移记录：撤销迁移 / case migrations: undo",
)
migrations_blp.before_request(require_bearer_token)


@blp.route("/<string:key>/diff")
class DiffResource(MethodView):
    @blp.arguments(DiffQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, VersionDiffSchema)
    def get(self, key: str, from_version: int | None, to_version: int | None) -> VersionComparison:
        """版本比较 / Compare versions

        从一个版本到另一个版本新增、删除和改变的元素（按 id）与表单（按字段）。

        The elements (by id) and forms (by field) added, removed and changed from one version to another
        (analysts, admins and supervisors).
        """
        return compare_versions(current_user(), key, from_version, to_version)


@blp.route("/<string:key>/versions/<int:version>/migration")
class MigrationResource(MethodView):
    @blp.response(200, DryRunSchema)
    def get(self, key: str, version: int) -> DryRun:
        """迁移预演 / Migration dry run

        预演：该版本哪些在办办件可迁到下一版本，其他的为何不能（流程管理员、系统管理员）；不做任何改变。

        Dry run: which running cases of this version can move to the next version, and why the others
        cannot (analysts and admins). Changes nothing.
        """
        return dry_run(current_user(), key, version)

    @blp.arguments(BatchQuerySchema, location="json", as_kwargs=True)
    @blp.response(200, MigrationBatchSchema)
    def post(self, key: str, version: int, **batch: Any) -> MigrationBatch:
        """迁移一批办件 / Migrate a batch of cases

        把该版本的一批在办办件迁到下一版本（流程管理员、系统管理员）；以 after = next_after 继续调用，直到
        它为空。不能迁移的留下并说明原因。

        Move one batch of this version's running cases to the next version (analysts and admins); call
        again with `after` = `next_after` until it is null. Cases that cannot move stay, listed with why.
        """
        return migrate_batch(current_user(), key, version, **batch)


@migrations_blp.route("/<int:migration_id>/undo")
class UndoResource(MethodView):
    @migrations_blp.alt_response(
        409, description="Something happened on the case since it moved, or the move was undone"
    )
    @migrations_blp.response(200, UndoneMigrationSchema)
    def post(self, migration_id: int) -> CaseMigration:
        """撤销迁移 / Undo a migration

        把办件放回迁移前的版本和流程状态（流程管理员、系统管理员）。

        Put the case back on the version and workflow state it had before the move (analysts, admins).
        """
        return undo_migration(current_user(), migration_id)

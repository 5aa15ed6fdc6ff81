"""The process library pages: the analyst's home (every process with its versions), a version's
diagram, forms and downloads, two versions compared side by side — for analysts, admins and
supervisors, as in /api/v1/process-definitions — and moving running cases to the next version
(analysts and admins)."""

from __future__ import annotations

import json

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.services.materials.file_names import content_disposition
from workflow_service.services.process.case_migration import (
    dry_run,
    migrate_batch,
    migrations_of,
    undo_migration,
)
from workflow_service.services.process.library import process_library, process_version
from workflow_service.services.process.versions import compare_versions
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("process_pages", __name__)


@blp.get("/processes")
def library() -> str:
    """Every process definition with its versions: deployed by whom, when, why; running cases."""
    return render_template("processes.html", library=process_library(staff()))


@blp.get("/processes/<key>/<int:version>")
def version_page(key: str, version: int) -> str:
    """One version: its diagram (the case page's viewer), its forms, downloads of both."""
    return render_template("process_version.html", view=process_version(staff(), key, version))


def _version_arg(name: str) -> int:
    value = request.args.get(name, "")
    if not value.isdigit():
        raise InvalidInput("请选择要比较的版本", errors={name: ["须为版本号"]})
    return int(value)


@blp.get("/processes/<key>/compare")
def compare_page(key: str) -> str:
    """Two versions' diagrams side by side, the changes marked on both, and the list of changes."""
    comparison = compare_versions(staff(), key, _version_arg("from"), _version_arg("to"))
    diff = comparison.diff
    # The old diagram marks its removed and changed elements, the new one its added and changed.
    changed = {change.element_id: "diff-changed" for change in diff.changed}
    old_marks = {change.element_id: "diff-removed" for change in diff.removed} | changed
    new_marks = {change.element_id: "diff-added" for change in diff.added} | changed
    return render_template(
        "process_compare.html", comparison=comparison, old_marks=old_marks, new_marks=new_marks
    )


@blp.get("/processes/<key>/<int:version>/migration")
def migration_page(key: str, version: int) -> str:
    """The dry run of moving this version's running cases to the next, the button that moves them in
    batches, and the moves that stand, each with its undo."""
    actor = staff()
    return render_template(
        "process_migration.html", run=dry_run(actor, key, version), moves=migrations_of(actor, key, version)
    )


def _count(name: str) -> int:
    """A number the progress panel carries from one batch to the next (0 when absent)."""
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else 0


@blp.post("/processes/<key>/<int:version>/migration/batch")
def migration_batch(key: str, version: int) -> str:
    """One batch, answered as the progress panel; while cases remain it asks for the next by itself."""
    after = _count("after")
    batch = migrate_batch(staff(), key, version, after=after or None)
    return render_template(
        "process_migration_progress.html",
        key=key,
        version=version,
        batch=batch,
        moved=_count("moved") + len(batch.moved),
        refused=_count("refused") + len(batch.not_movable),
        total=_count("total"),
    )


@blp.post("/case-migrations/<int:migration_id>/undo")
def undo_page(migration_id: int) -> Response:
    migration = undo_migration(staff(), migration_id)
    definition = migration.from_definition
    return redirect(url_for("process_pages.migration_page", key=definition.key, version=definition.version))


def _download(body: str, mimetype: str, name: str, fallback: str, *, inline: bool = False) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", name, fallback
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blp.get("/processes/<key>/<int:version>/diagram.bpmn")
def diagram(key: str, version: int) -> Response:
    """The BPMN for the viewer on the version page."""
    definition = process_version(staff(), key, version).definition
    return _download(definition.bpmn_xml, "application/xml", f"{key}-v{version}.bpmn", "process", inline=True)


@blp.get("/processes/<key>/<int:version>/download.bpmn")
def download_bpmn(key: str, version: int) -> Response:
    definition = process_version(staff(), key, version).definition
    return _download(definition.bpmn_xml, "application/xml", f"{key}-v{version}.bpmn", "process")


@blp.get("/processes/<key>/<int:version>/forms.json")
def download_forms(key: str, version: int) -> Response:
    definition = process_version(staff(), key, version).definition
    body = json.dumps(definition.forms, ensure_ascii=False, indent=2, sort_keys=True)
    return _download(body, "application/json", f"{key}-v{version}-forms.json", "forms")

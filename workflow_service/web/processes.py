"""The process library pages: the analyst's home (every process with its versions), a version's
diagram, forms and downloads, two versions compared side by side — for analysts, admins and
supervisors, as in /api/v1/process-definitions — and moving running cases to the next version
(analysts and admins)."""

from __future__ import annotations

import json
import re
from typing import Any

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
from workflow_service.services.process.drafts import draft_for
from workflow_service.services.process.dry_run import (
    DryRunReport,
    DryRunRequest,
    DryRunSetup,
    draft_setup,
    dry_run_draft,
    dry_run_version,
    version_setup,
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


# Choices for the visits of one step, in order: 退回窗口补正，准予登记
_CHOICE_SEPARATORS = re.compile(r"[,，;；]")


def _choices(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _CHOICE_SEPARATORS.split(text) if part.strip())


def _sample(text: str) -> dict[str, Any]:
    """The sample data the analyst edited: ``{"start": {...}, "tasks": {"<task id>": {...}}}``."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise InvalidInput("样例数据不是合法的 JSON", errors={"sample": [str(error)]}) from None
    # start null or absent: built from the start form, as over the API.
    if not isinstance(value, dict) or not all(
        isinstance(value.get(part) or {}, dict) for part in ("start", "tasks")
    ):
        raise InvalidInput(
            "样例数据须为对象：start 为申请数据，tasks 为各任务的数据", errors={"sample": ["格式有误"]}
        )
    tasks = value.get("tasks") or {}
    if not all(isinstance(data, dict) for data in tasks.values()):
        raise InvalidInput("tasks 中每个任务的数据须为对象", errors={"sample": ["格式有误"]})
    return value


def _try_request(setup: DryRunSetup) -> DryRunRequest:
    sample = _sample(request.form.get("sample", ""))
    decisions = {
        point.bpmn_id: choices
        for point in setup.decisions
        if (choices := _choices(request.form.get(f"decision-{point.bpmn_id}", "")))
    }
    return DryRunRequest(
        township=request.form.get("township", ""),
        start_data=sample.get("start"),
        task_data=sample.get("tasks") or {},
        decisions=decisions,
    )


def _try_page(setup: DryRunSetup, diagram_src: str, report: DryRunReport | None = None) -> str:
    me = staff()
    home = me.organisation.region_id
    default = next(
        (t.code for t in setup.townships if home in (t.id, t.parent_id)),
        setup.townships[0].code if setup.townships else "",
    )
    marks = {step.bpmn_id: "dry-finding" for step in report.steps if step.findings} if report else {}
    return render_template(
        "process_try.html",
        setup=setup,
        report=report,
        diagram_src=diagram_src,
        marks=marks,
        township=request.form.get("township", default),
        sample=request.form.get("sample") or json.dumps(setup.sample, ensure_ascii=False, indent=2),
        chosen={
            point.bpmn_id: request.form.get(f"decision-{point.bpmn_id}", "") for point in setup.decisions
        },
    )


@blp.get("/processes/<key>/versions/<int:version>/try")
def try_version(key: str, version: int) -> str:
    """Try a version: pick a township and sample data (prefilled from the forms) and choices."""
    setup = version_setup(staff(), key, version)
    return _try_page(setup, url_for("process_pages.diagram", key=key, version=version))


@blp.post("/processes/<key>/versions/<int:version>/try")
def try_version_run(key: str, version: int) -> str:
    """The dry run's steps with their organisation, status and clock, and the path on the diagram."""
    setup = version_setup(staff(), key, version)
    report = dry_run_version(staff(), key, version, _try_request(setup))
    return _try_page(setup, url_for("process_pages.diagram", key=key, version=version), report)


@blp.get("/processes/drafts/<int:draft_id>/try")
def try_draft(draft_id: int) -> str:
    """Try one of my drafts as saved, as a version is tried."""
    setup = draft_setup(staff(), draft_id)
    return _try_page(setup, url_for("process_pages.try_draft_diagram", draft_id=draft_id))


@blp.post("/processes/drafts/<int:draft_id>/try")
def try_draft_run(draft_id: int) -> str:
    setup = draft_setup(staff(), draft_id)
    report = dry_run_draft(staff(), draft_id, _try_request(setup))
    return _try_page(setup, url_for("process_pages.try_draft_diagram", draft_id=draft_id), report)


@blp.get("/processes/drafts/<int:draft_id>/try/diagram.bpmn")
def try_draft_diagram(draft_id: int) -> Response:
    """The draft's BPMN as saved, for the try page's viewer."""
    draft = draft_for(staff(), draft_id)
    return _download(
        draft.bpmn_xml, "application/xml", f"{draft.process_key}-draft.bpmn", "draft", inline=True
    )


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

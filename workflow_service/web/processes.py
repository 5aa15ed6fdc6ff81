"""The process library pages: the analyst's home (every process with its versions) and a version's
diagram, forms and downloads — for analysts, admins and supervisors, as in /api/v1/process-definitions."""

from __future__ import annotations

import json

from flask import render_template
from werkzeug.wrappers import Response

from workflow_service.services.materials.file_names import content_disposition
from workflow_service.services.process.library import process_library, process_version
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

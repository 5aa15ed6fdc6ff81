"""The forms editor: a form's JSON Schema in a JSON editor beside the clerks' own rendering of it.

A deployed version's form opens read-only; a draft's form is edited and saved with the draft's
version, and the draft's forms are listed with a way to start a new one. The preview is drawn in
the browser by the task page's renderer from what ``browser_schema`` makes of the schema, asked for
here on every change.
"""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields
from werkzeug.wrappers import Response

from workflow_service.errors import InvalidInput
from workflow_service.services.process.drafts import draft_for, save_draft_form
from workflow_service.services.process.form_trials import draft_form, form_name, try_form, version_form
from workflow_service.web.schema_forms import browser_schema
from workflow_service.web.session import page_blueprint, staff

blp = page_blueprint("form_pages", __name__)


class _Trial(Schema):
    schema = fields.Raw(required=True)
    data = fields.Dict(load_default=None)


def _body(schema: Schema) -> dict[str, Any]:
    """The page script's JSON body, read by ``schema`` (422 with field errors otherwise)."""
    try:
        return schema.load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise InvalidInput("请求内容有误", errors=error.normalized_messages()) from None


def _text(schema: object) -> str:
    """The schema as the analyst reads it: indented, its keys in the order they were written (the
    order of the clerks' fields), not sorted as ``tojson`` would."""
    return json.dumps(schema, ensure_ascii=False, indent=2)


@blp.get("/processes/<key>/<int:version>/forms/<path:name>")
def version_form_page(key: str, version: int, name: str) -> str:
    """A deployed form, read-only, with the clerks' preview (whoever reads the process library)."""
    form = version_form(staff(), key, version, name)
    back = url_for("process_pages.version_page", key=key, version=version)
    return render_template(
        "form_editor.html",
        name=name,
        schema=form.schema,
        schema_text=_text(form.schema),
        definition=form.definition,
        draft=None,
        save_url=None,
        back=back,
        back_label=_("%(process)s 第 %(v)s 版", process=form.definition.name, v=version),
    )


@blp.post("/processes/forms/preview")
def preview() -> Response:
    """The schema json-editor draws for the clerks (422 when it is no form), and the field errors
    the window would give for the data typed into the preview, when sent."""
    body = _body(_Trial())
    errors = try_form(staff(), body["schema"], body["data"])
    return jsonify(schema=browser_schema(body["schema"], choices_unchosen=True), errors=errors)


class _Save(Schema):
    schema = fields.Raw(required=True)
    version = fields.Integer(required=True, strict=True)


@blp.get("/processes/drafts/<int:draft_id>/forms")
def draft_forms_page(draft_id: int) -> str:
    """The draft's forms, each a link to the editor, and a new form by its file name."""
    draft = draft_for(staff(), draft_id)
    modeler = url_for("process_draft_pages.modeler_page", draft_id=draft_id)
    return render_template("draft_forms.html", draft=draft, modeler=modeler)


@blp.get("/processes/drafts/<int:draft_id>/forms/new")
def new_draft_form(draft_id: int) -> Response:
    """The editor for a form the draft does not have yet, named in the list page's field."""
    draft = draft_for(staff(), draft_id)
    name = form_name((request.args.get("name") or "").strip())
    return redirect(url_for("form_pages.draft_form_page", draft_id=draft.id, name=name))


@blp.get("/processes/drafts/<int:draft_id>/forms/<path:name>")
def draft_form_page(draft_id: int, name: str) -> str:
    """A draft's form in the editor, saved with the draft's version; a name the draft does not have
    starts from the template."""
    form = draft_form(staff(), draft_id, name)
    return render_template(
        "form_editor.html",
        name=name,
        schema=form.schema,
        schema_text=_text(form.schema),
        definition=None,
        draft=form.draft,
        is_new=form.is_new,
        save_url=url_for("form_pages.save_draft_form_page", draft_id=draft_id, name=name),
        back=url_for("process_draft_pages.modeler_page", draft_id=draft_id),
        back_label=_("草稿“%(process)s”的流程图", process=form.draft.name),
        forms_url=url_for("form_pages.draft_forms_page", draft_id=draft_id),
    )


@blp.put("/processes/drafts/<int:draft_id>/forms/<path:name>")
def save_draft_form_page(draft_id: int, name: str) -> Response:
    """Save the editor's schema over the draft version it was read from: 409 when the draft moved
    on, 422 with a message at each wrong place; the page keeps the analyst's text either way."""
    body = _body(_Save())
    draft = save_draft_form(staff(), draft_id, name, body["schema"], body["version"])
    return jsonify(version=draft.version)

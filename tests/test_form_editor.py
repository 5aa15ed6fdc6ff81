"""The forms editor's server side: a form checked as draft-07 and for the clerks' renderer with a
readable message at each wrong place, the preview's rendering and trial, a deployed form read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from workflow_service.config import PROJECT_ROOT
from workflow_service.services.process.forms import schema_errors

KEY = "individual_business_registration"
ACCEPTANCE = f"{KEY}/acceptance.json"


def form(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize(
    "path", sorted((PROJECT_ROOT / "forms").glob("*/*.json")), ids=lambda path: path.name
)
def test_every_form_of_the_repository_passes(path: Any) -> None:
    assert schema_errors(json.loads(path.read_text(encoding="utf-8"))) == {}


@pytest.mark.parametrize(
    ("schema", "place", "message"),
    [
        (form(remark={"type": "strin"}), "schema.properties.remark.type", "须为类型名 object、array、string"),
        (
            form(remark={"type": "string", "maxLength": -1}),
            "schema.properties.remark.maxLength",
            "须大于等于 0",
        ),
        (
            form(code={"type": "string", "pattern": "[0-9"}),
            "schema.properties.code.pattern",
            "不是有效的正则表达式",
        ),
        (
            form(rows={"type": "array", "items": {"type": 5}}),
            "schema.properties.rows.items.type",
            "须为类型名",
        ),
        ({**form(), "required": "remark"}, "schema.required", "须为数组"),
        ({"type": "array"}, "schema.type", "表单的 type 须为 object"),
        ([1, 2], "schema", "表单须为 JSON 对象"),
        (
            form(choice={"type": "string", "enum": ["a", "b"], "enumNames": ["甲"]}),
            "schema.properties.choice.enumNames",
            "与 enum 一一对应",
        ),
        (
            form(
                choice={"type": "string", "enum": ["a", "b"]},
                note={"type": "string", "x-shown-when": {"choice": "c"}},
            ),
            "schema.properties.note.x-shown-when",
            "choice 的取值只有 a、b，没有 c",
        ),
        (
            form(note={"type": "string", "x-shown-when": {"decision": "yes"}}),
            "schema.properties.note.x-shown-when",
            "须指向本表单的另一个字段，没有字段 decision",
        ),
        (
            form(note={"type": "string", "x-shown-when": "decision"}),
            "schema.properties.note.x-shown-when",
            "须为只有一项的对象",
        ),
        (
            form(note={"$ref": "https://example.org/remote.json"}),
            "schema.properties.note.$ref",
            "只能指向本表单内已有的定义",
        ),
        (
            form(note={"$ref": "#/definitions/missing"}),
            "schema.properties.note.$ref",
            "只能指向本表单内已有的定义",
        ),
    ],
)
def test_a_wrong_form_is_told_where_and_why_in_chinese(schema: Any, place: str, message: str) -> None:
    errors = schema_errors(schema)
    assert place in errors, errors
    assert any(message in text for text in errors[place]), errors[place]


def _analyst(app: Flask, username: str = "analyst") -> Browser:
    browser = Browser(app)
    browser.log_in(username)
    browser.get(f"/processes/{KEY}/1")  # any page: its CSRF token
    return browser


def preview(browser: Browser, body: dict[str, Any]) -> Any:
    return browser.http.post(
        "/processes/forms/preview",
        json=body,
        headers={"X-CSRFToken": browser.token, "Accept": "application/json"},
    )


def test_the_preview_is_the_schema_the_clerks_renderer_draws(app: Flask) -> None:
    schema = json.loads((PROJECT_ROOT / "forms" / ACCEPTANCE).read_text(encoding="utf-8"))
    answer = preview(_analyst(app), {"schema": schema})
    assert answer.status_code == 200, answer.json
    drawn = answer.json["schema"]["properties"]
    # x-shown-when becomes json-editor's dependency: 补正说明 appears only with 补正
    assert drawn["supplement_note"]["options"]["dependencies"] == {"acceptance_decision": "supplement"}
    # a decision starts at 请选择, as on the task page
    assert drawn["acceptance_decision"]["enum"][0] == "" and drawn["acceptance_decision"]["default"] == ""
    assert answer.json["errors"] == {}


def test_the_preview_tries_the_typed_data_as_the_window_would(app: Flask) -> None:
    schema = json.loads((PROJECT_ROOT / "forms" / ACCEPTANCE).read_text(encoding="utf-8"))
    answer = preview(_analyst(app), {"schema": schema, "data": {"acceptance_decision": "refuse"}})
    assert answer.status_code == 200
    assert answer.json["errors"] == {"data.refusal_reason": ["必填"]}


def test_a_wrong_form_gets_no_preview_but_its_reasons(app: Flask) -> None:
    answer = preview(_analyst(app), {"schema": form(remark={"type": "strin"})})
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert "schema.properties.remark.type" in answer.json["errors"]


def test_the_preview_needs_the_pages_csrf_token_and_a_library_role(app: Flask) -> None:
    browser = _analyst(app)
    refused = browser.http.post("/processes/forms/preview", json={"schema": form()})
    assert refused.status_code == 400
    clerk = Browser(app)
    clerk.log_in("clerk")
    assert preview(clerk, {"schema": form()}).status_code == 403


def test_a_deployed_form_opens_read_only(app: Flask) -> None:
    browser = _analyst(app, "supervisor")
    assert f"/processes/{KEY}/1/forms/{ACCEPTANCE}" in page_text(browser.get(f"/processes/{KEY}/1"))
    answer = browser.get(f"/processes/{KEY}/1/forms/{ACCEPTANCE}")
    assert answer.status_code == 200
    page = page_text(answer)
    assert "vanilla-jsoneditor" not in page  # loaded by the module script, not by the page
    config = json.loads(page.split('id="form-editor-config">')[1].split("</script>")[0])
    assert config["readOnly"] is True and config["saveUrl"] is None
    schema = json.loads(config["schemaText"])
    assert schema["title"] == "受理"
    assert list(schema["properties"])[:2] == ["acceptance_decision", "refusal_reason"]  # as written


def test_a_form_the_version_does_not_have_is_404(app: Flask) -> None:
    browser = _analyst(app)
    assert browser.get(f"/processes/{KEY}/1/forms/{KEY}/nothing.json").status_code == 404
    assert browser.get(f"/processes/{KEY}/9/forms/{ACCEPTANCE}").status_code == 404


REVIEW = f"{KEY}/review.json"


def _draft(app: Flask) -> tuple[Browser, int]:
    """The analyst in the pages, with a draft of 个体工商户设立登记 started over the API."""
    client = ApiClient(app.test_client())
    draft = client.post("/api/v1/process-drafts", "analyst", json={"process_key": KEY}).json
    browser = _analyst(app)
    return browser, draft["id"]


def save(browser: Browser, draft_id: int, name: str, body: dict[str, Any]) -> Any:
    # Sent as the page sends it: the keys in the analyst's order (Flask's own dumps would sort them).
    return browser.http.put(
        f"/processes/drafts/{draft_id}/forms/{name}",
        data=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        headers={"X-CSRFToken": browser.token, "Accept": "application/json"},
    )


def _editor_config(page: str) -> dict[str, Any]:
    return json.loads(page.split('id="form-editor-config">')[1].split("</script>")[0])


def test_a_drafts_forms_are_listed_each_opening_in_the_editor(app: Flask) -> None:
    browser, draft_id = _draft(app)
    listed = page_text(browser.get(f"/processes/drafts/{draft_id}/forms"))
    assert f'href="/processes/drafts/{draft_id}/forms/{REVIEW}"' in listed
    assert f'href="/processes/drafts/{draft_id}"' in listed  # back to the draft's diagram
    config = _editor_config(page_text(browser.get(f"/processes/drafts/{draft_id}/forms/{REVIEW}")))
    assert config["readOnly"] is False and config["version"] == 1
    assert config["saveUrl"] == f"/processes/drafts/{draft_id}/forms/{REVIEW}"
    assert json.loads(config["schemaText"])["title"] == "审核"


def test_a_saved_form_is_in_the_draft_and_the_version_moves_on(app: Flask) -> None:
    browser, draft_id = _draft(app)
    schema = json.loads((PROJECT_ROOT / "forms" / REVIEW).read_text(encoding="utf-8"))
    schema["properties"]["refusal_basis"] = {
        "x-shown-when": {"review_decision": "refuse"},
        "type": "string",
        "title": "不予登记依据",
    }
    answer = save(browser, draft_id, REVIEW, {"schema": schema, "version": 1})
    assert answer.status_code == 200 and answer.json == {"version": 2}
    reopened = json.loads(
        _editor_config(page_text(browser.get(f"/processes/drafts/{draft_id}/forms/{REVIEW}")))["schemaText"]
    )
    assert reopened == schema
    assert list(reopened["properties"])[-1] == "refusal_basis"  # the clerks' field order, as written
    # The same page saving again from version 1: somebody saved meanwhile, nothing is overwritten.
    stale = save(browser, draft_id, REVIEW, {"schema": {"type": "object"}, "version": 1})
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    assert (
        "refusal_basis"
        in ApiClient(app.test_client())
        .get(f"/api/v1/process-drafts/{draft_id}", "analyst")
        .json["forms"][REVIEW]["properties"]
    )


def test_a_wrong_form_is_refused_with_each_place_and_the_draft_unchanged(app: Flask) -> None:
    browser, draft_id = _draft(app)
    schema = form(remark={"type": "strin"}, note={"type": "string", "x-shown-when": {"decision": "x"}})
    answer = save(browser, draft_id, REVIEW, {"schema": schema, "version": 1})
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert list(answer.json["errors"]) == ["schema.properties.remark.type"]
    del schema["properties"]["remark"]
    answer = save(browser, draft_id, REVIEW, {"schema": schema, "version": 1})
    assert answer.json["errors"] == {
        "schema.properties.note.x-shown-when": ["x-shown-when 须指向本表单的另一个字段，没有字段 decision"]
    }
    assert save(browser, draft_id, REVIEW, {"schema": "{", "version": 1}).status_code == 422
    assert save(browser, draft_id, REVIEW, {"schema": form()}).json["errors"] == {
        "version": ["Missing data for required field."]
    }
    draft = ApiClient(app.test_client()).get(f"/api/v1/process-drafts/{draft_id}", "analyst").json
    assert draft["version"] == 1 and draft["forms"][REVIEW]["title"] == "审核"


def test_a_new_form_starts_from_the_template_and_joins_the_draft_when_saved(app: Flask) -> None:
    browser, draft_id = _draft(app)
    name = f"{KEY}/site_check.json"
    opened = browser.get(f"/processes/drafts/{draft_id}/forms/new", query_string={"name": name})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(
        f"/processes/drafts/{draft_id}/forms/{name}"
    )
    page = page_text(browser.get(f"/processes/drafts/{draft_id}/forms/{name}"))
    assert "新表单，保存后加入草稿" in page
    template = json.loads(_editor_config(page)["schemaText"])
    assert schema_errors(template) == {}
    assert template["properties"]["refusal_reason"]["x-shown-when"] == {"decision": "refuse"}
    assert name not in page_text(browser.get(f"/processes/drafts/{draft_id}/forms"))  # not until saved
    assert save(browser, draft_id, name, {"schema": template, "version": 1}).status_code == 200
    assert f"/processes/drafts/{draft_id}/forms/{name}" in page_text(
        browser.get(f"/processes/drafts/{draft_id}/forms")
    )
    assert "新表单，保存后加入草稿" not in page_text(
        browser.get(f"/processes/drafts/{draft_id}/forms/{name}")
    )


@pytest.mark.parametrize("name", ["../etc/passwd.json", "review.txt", "a//b.json"])
def test_a_new_form_needs_a_proper_file_name(app: Flask, name: str) -> None:
    browser, draft_id = _draft(app)
    answer = browser.get(f"/processes/drafts/{draft_id}/forms/new", query_string={"name": name})
    assert answer.status_code == 422


def test_somebody_elses_draft_has_no_forms_to_edit(app: Flask) -> None:
    browser, draft_id = _draft(app)
    browser.get(f"/processes/drafts/{draft_id}/forms")  # the analyst's page: its CSRF token
    supervisor = _analyst(app, "supervisor")
    assert supervisor.get(f"/processes/drafts/{draft_id}/forms").status_code == 404
    assert supervisor.get(f"/processes/drafts/{draft_id}/forms/{REVIEW}").status_code == 404
    assert save(supervisor, draft_id, REVIEW, {"schema": form(), "version": 1}).status_code == 404
    assert browser.get(f"/processes/drafts/{draft_id + 1}/forms").status_code == 404

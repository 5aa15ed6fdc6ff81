"""Materials and papers on the task and case pages: upload per material, preview, notices, task forms."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.api import ApiClient
from tests.support.pages import Browser, page_text
from tests.support.steps import APPROVE, accept, review
from tests.test_attachments import pdf_bytes, png_bytes

MATERIALS = [
    "个体工商户登记（备案）申请书",
    "经营者身份证明",
    "经营场所使用证明",
    "委托代理人身份证明及委托书",
]
ID_PROOF = "经营者身份证明"


@pytest.fixture
def app(live_app: Flask, tmp_path: Path) -> Flask:
    live_app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    return live_app


def stored_files(app: Flask) -> list[Path]:
    return [path for path in Path(app.config["ATTACHMENT_FOLDER"]).rglob("*") if path.is_file()]


def material_row(html: str, name: str) -> str:
    found = re.search(rf'<tr id="material-\d+" data-material="{re.escape(name)}".*?</tr>', html, re.DOTALL)
    assert found, f"no row for {name}"
    return found.group(0)


def form_schema(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="task-form-schema">(.*?)</script>', html, re.DOTALL
    )
    assert found, "the page has no task form"
    return json.loads(found.group(1))


def upload(
    browser: Browser,
    number: str,
    material: str,
    content: bytes,
    filename: str,
    task_id: str | None = None,
    *,
    htmx: bool = False,
) -> Any:
    """As the page's form sends it: without JavaScript, or with htmx (from the task page, whose
    form asks for the previews too)."""
    query = {"material": material, **({"task": task_id, "previews": "1"} if task_id else {})}
    fields = {
        "material": material,
        "file": (io.BytesIO(content), filename),
        **({"task": task_id} if task_id else {}),
    }
    return browser.post(
        f"/cases/{number}/attachments",
        fields,
        query_string=query,
        content_type="multipart/form-data",
        headers={"HX-Request": "true"} if htmx else {},
    )


def accept_task(client: ApiClient, browser: Browser) -> tuple[str, str]:
    number = client.start_case()
    task_id = client.open_task(number)["id"]
    browser.log_in("clerk")
    return number, task_id


def test_a_file_uploaded_for_a_material_is_listed_under_it_and_previewed(
    browser: Browser, client: ApiClient
) -> None:
    number, task_id = accept_task(client, browser)
    page = page_text(browser.get(f"/tasks/{task_id}"))
    assert [name for name in MATERIALS if f'data-material="{name}"' in page] == MATERIALS
    assert "可容缺" in material_row(page, "经营场所使用证明") and "房产证明或租赁协议" in page
    assert "未上传" in material_row(page, ID_PROOF)

    uploaded = upload(browser, number, ID_PROOF, pdf_bytes("id card"), "身份证.pdf", task_id)
    assert uploaded.status_code == 302
    assert uploaded.headers["Location"] == f"/tasks/{task_id}"
    page = page_text(browser.get(f"/tasks/{task_id}"))
    assert "已上传“身份证.pdf”（经营者身份证明）" in page
    row = material_row(page, ID_PROOF)
    assert "身份证.pdf" in row and "陈晓燕" in row  # the file, and who uploaded it
    assert "身份证.pdf" not in material_row(page, "经营场所使用证明")
    # The API sees the same file, for the same material.
    (listed,) = client.get(f"/api/v1/cases/{number}/attachments", "clerk").json
    assert (listed["material_name"], listed["filename"]) == (ID_PROOF, "身份证.pdf")
    view = f"/cases/{number}/attachments/{listed['id']}/preview"
    assert f'<iframe src="{view}"' in page  # PDF previewed in a frame on the task page

    opened = browser.http.get(view)
    assert opened.status_code == 200 and opened.mimetype == "application/pdf"
    assert opened.headers["Content-Disposition"].startswith("inline")
    assert opened.headers["X-Frame-Options"] == "SAMEORIGIN"  # framed by the service's own page only
    # The file's link downloads it.
    saved = browser.http.get(f"/cases/{number}/attachments/{listed['id']}")
    assert (
        saved.headers["Content-Disposition"].startswith("attachment;") and saved.mimetype == "application/pdf"
    )
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    assert opened.data.startswith(b"%PDF")

    assert upload(browser, number, "经营场所使用证明", png_bytes(), "租赁协议.png").status_code == 302
    (image,) = [
        a for a in client.get(f"/api/v1/cases/{number}/attachments", "clerk").json if a["id"] != listed["id"]
    ]
    assert f'<img src="/cases/{number}/attachments/{image["id"]}/preview"' in page_text(
        browser.get(f"/tasks/{task_id}")
    )
    assert browser.http.get(f"/cases/{number}/attachments/{image['id']}").mimetype == "image/png"
    case_page = page_text(browser.get(f"/cases/{number}"))
    assert "租赁协议.png" in material_row(case_page, "经营场所使用证明")


def test_a_wrong_or_too_large_file_is_refused_at_its_row_and_nothing_is_stored(
    app: Flask, browser: Browser, client: ApiClient
) -> None:
    number, task_id = accept_task(client, browser)
    browser.get(f"/tasks/{task_id}")
    wrong = upload(browser, number, ID_PROOF, b"just text, not a scan", "scan.pdf", task_id)
    assert wrong.status_code == 422
    row = material_row(page_text(wrong), ID_PROOF)
    assert 'data-testid="upload-error"' in row and "只接受 PDF、JPEG、PNG、OFD 文件" in row
    assert "只接受" not in material_row(page_text(wrong), "经营场所使用证明")

    # The service's own check: the body is read, the file is beyond the limit.
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    too_big = upload(browser, number, ID_PROOF, pdf_bytes("x" * 2000), "big.pdf")
    assert too_big.status_code == 413 and "text/html" in too_big.content_type
    assert "文件超过 1000 字节 的上限" in material_row(page_text(too_big), ID_PROOF)

    # Beyond what the server reads at all: refused before the form's fields can be read.
    app.config["MAX_CONTENT_LENGTH"] = 2000
    huge = upload(browser, number, ID_PROOF, pdf_bytes("x" * 5000), "huge.pdf", task_id)
    assert huge.status_code == 413 and "text/html" in huge.content_type
    html = page_text(huge)
    assert "文件超过 1000 字节 的上限" in material_row(html, ID_PROOF)
    assert 'id="task-form"' in html  # back on the task page it came from

    assert client.get(f"/api/v1/cases/{number}/attachments", "clerk").json == []
    assert stored_files(app) == []


def test_with_javascript_an_upload_answers_with_the_checklist_alone(
    browser: Browser, client: ApiClient
) -> None:
    number, task_id = accept_task(client, browser)
    page = page_text(browser.get(f"/tasks/{task_id}"))
    form = re.search(r'<form class="upload"[^>]*>', material_row(page, ID_PROOF))
    assert form and 'hx-post="' in form.group(0) and 'hx-target="#materials"' in form.group(0)
    assert "上传中…" in material_row(page, ID_PROOF)  # shown while the file is sent

    answer = upload(browser, number, ID_PROOF, pdf_bytes("id card"), "身份证.pdf", task_id, htmx=True)
    assert answer.status_code == 200
    html = page_text(answer)
    # Only the checklist and the previews: the task's form, as typed, stays on the page.
    assert html.lstrip().startswith('<section class="panel" id="materials"')
    assert "<html" not in html and 'id="task-form"' not in html and "提交“受理”结果" not in html
    assert "已上传“身份证.pdf”（经营者身份证明）" in html
    (listed,) = client.get(f"/api/v1/cases/{number}/attachments", "clerk").json
    link = re.search(
        r'<a href="[^"]+"[^>]*data-testid="attachment"[^>]*>身份证.pdf</a>', material_row(html, ID_PROOF)
    )
    assert link and f"/cases/{number}/attachments/{listed['id']}" in link.group(0)
    assert "autofocus" in link.group(0)  # focus goes to the new file
    assert 'id="previews" hx-swap-oob="true"' in html
    assert f'<iframe src="/cases/{number}/attachments/{listed["id"]}/preview"' in html
    # The row's form still comes back to this task page.
    assert f'name="task" value="{task_id}"' in material_row(html, ID_PROOF)
    # Nothing is left over for the next page.
    assert "已上传“身份证.pdf”" not in page_text(browser.get(f"/tasks/{task_id}"))

    # From the case page: its checklist, no previews (the case page has none).
    case_page = page_text(browser.get(f"/cases/{number}"))
    assert "previews=1" not in case_page and 'name="task"' not in case_page
    answer = upload(browser, number, "经营场所使用证明", png_bytes(), "租赁协议.png", htmx=True)
    assert answer.status_code == 200
    html = page_text(answer)
    assert "租赁协议.png" in material_row(html, "经营场所使用证明")
    assert "身份证.pdf" in material_row(html, ID_PROOF)
    assert 'id="previews"' not in html and 'name="task"' not in html


def test_with_javascript_a_refused_upload_comes_back_at_its_row_and_nothing_is_stored(
    app: Flask, browser: Browser, client: ApiClient
) -> None:
    number, task_id = accept_task(client, browser)
    browser.get(f"/tasks/{task_id}")
    wrong = upload(browser, number, ID_PROOF, b"just text, not a scan", "scan.pdf", task_id, htmx=True)
    assert wrong.status_code == 422
    html = page_text(wrong)
    assert html.lstrip().startswith('<section class="panel" id="materials"') and "<html" not in html
    row = material_row(html, ID_PROOF)
    assert "只接受 PDF、JPEG、PNG、OFD 文件" in row and 'class="has-error"' in row
    error = re.search(r'<div class="err"[^>]*data-testid="upload-error"[^>]*>', row)
    assert error and "autofocus" in error.group(0)  # focus goes to the reason
    assert "只接受" not in material_row(html, "经营场所使用证明")
    assert 'id="previews"' not in html  # nothing new to preview

    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    too_big = upload(browser, number, ID_PROOF, pdf_bytes("x" * 2000), "big.pdf", task_id, htmx=True)
    assert too_big.status_code == 413 and "<html" not in page_text(too_big)
    assert "文件超过 1000 字节 的上限" in material_row(page_text(too_big), ID_PROOF)

    # Refused before the view runs (MAX_CONTENT_LENGTH): still the checklist, at the row.
    app.config["MAX_CONTENT_LENGTH"] = 2000
    huge = upload(browser, number, ID_PROOF, pdf_bytes("x" * 5000), "huge.pdf", task_id, htmx=True)
    assert huge.status_code == 413 and "text/html" in huge.content_type
    html = page_text(huge)
    assert html.lstrip().startswith('<section class="panel" id="materials"') and 'id="task-form"' not in html
    assert "文件超过 1000 字节 的上限" in material_row(html, ID_PROOF)
    assert f'name="task" value="{task_id}"' in material_row(html, ID_PROOF)

    assert client.get(f"/api/v1/cases/{number}/attachments", "clerk").json == []
    assert stored_files(app) == []


def test_a_case_at_its_quota_refuses_the_next_file_at_its_row(
    app: Flask, browser: Browser, client: ApiClient
) -> None:
    number, task_id = accept_task(client, browser)
    browser.get(f"/tasks/{task_id}")
    app.config["ATTACHMENT_CASE_MAX_FILES"] = 1
    assert upload(browser, number, ID_PROOF, pdf_bytes("one"), "one.pdf", task_id).status_code == 302
    refused = upload(browser, number, "经营场所使用证明", png_bytes(), "two.png", task_id)
    assert refused.status_code == 413 and "text/html" in refused.content_type
    row = material_row(page_text(refused), "经营场所使用证明")
    assert f"办件 {number} 已有 1 个文件，达到每件 1 个的上限" in row
    assert len(client.get(f"/api/v1/cases/{number}/attachments", "clerk").json) == 1
    assert len(stored_files(app)) == 1


def test_outsiders_cannot_open_the_files_or_papers(browser: Browser, client: ApiClient) -> None:
    number, task_id = accept_task(client, browser)
    browser.get(f"/tasks/{task_id}")
    assert upload(browser, number, ID_PROOF, pdf_bytes(), "id.pdf", task_id).status_code == 302
    (listed,) = client.get(f"/api/v1/cases/{number}/attachments", "clerk").json
    assert browser.post(f"/tasks/{task_id}", {"data": '{"acceptance_decision": "accept"}'}).status_code == 302
    paths = [
        f"/cases/{number}/attachments/{listed['id']}",
        f"/cases/{number}/documents/acceptance.pdf",
        f"/cases/{number}/licence.pdf",
        f"/cases/{number}/attachments/{listed['id']}/preview",
    ]
    assert browser.http.get(paths[0]).status_code == browser.http.get(paths[1]).status_code == 200

    outsider = Browser(browser.http.application)
    outsider.log_in("clerk-hengdian")
    for path in paths:
        assert outsider.get(path).status_code == 404, path
    outsider.get("/window")
    refused = upload(outsider, number, ID_PROOF, pdf_bytes(), "id.pdf")
    assert refused.status_code == 404
    assert len(client.get(f"/api/v1/cases/{number}/attachments", "clerk").json) == 1


def test_the_receipt_is_offered_after_acceptance_and_opens_as_pdf(
    browser: Browser, client: ApiClient
) -> None:
    number, task_id = accept_task(client, browser)
    # Before acceptance the window has printed only the 收件凭证 (what was handed in).
    before = re.search(
        r'data-testid="papers">(.*?)</ul>', page_text(browser.get(f"/cases/{number}")), re.DOTALL
    )
    assert before and "收件凭证" in before.group(1) and "受理通知书" not in before.group(1)
    browser.get(f"/tasks/{task_id}")
    done = browser.post(f"/tasks/{task_id}", {"data": '{"acceptance_decision": "accept"}'})
    assert done.status_code == 302
    page = page_text(browser.get(done.headers["Location"]))
    receipt = f"/cases/{number}/documents/acceptance.pdf"
    assert re.search(
        rf'<a class="btn primary print" href="{receipt}" target="_blank" rel="noopener"[^>]*>打印受理通知书</a>',
        page,
    )
    papers = re.search(r'data-testid="papers">(.*?)</ul>', page, re.DOTALL)
    assert papers and "受理通知书" in papers.group(1) and "办结通知" not in papers.group(1)
    pdf = browser.http.get(receipt)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # Later visits list it in the panel, without the print prompt of the moment.
    assert "打印受理通知书" not in page_text(browser.get(f"/cases/{number}"))

    assert review(client, number, APPROVE).status_code == 200
    decided = page_text(browser.get(f"/cases/{number}"))
    assert "办结通知" in decided and "营业执照（个体工商户）" in decided
    assert browser.http.get(f"/cases/{number}/licence.pdf").mimetype == "application/pdf"


def test_an_unchosen_decision_is_a_field_error(browser: Browser, client: ApiClient) -> None:
    _number, task_id = accept_task(client, browser)
    schema = form_schema(page_text(browser.get(f"/tasks/{task_id}")))
    decision = schema["properties"]["acceptance_decision"]
    assert decision["enum"][0] == "" and decision["default"] == ""
    assert decision["options"]["enum_titles"][0] == "请选择"
    empty = browser.post(f"/tasks/{task_id}", {"data": "{}"})
    assert empty.status_code == 422
    assert json.loads(
        re.search(r'id="task-form-errors">(.*?)</script>', page_text(empty), re.DOTALL).group(1)  # type: ignore[union-attr]
    ) == {"data.acceptance_decision": ["必填"]}
    assert "受理决定：必填" in page_text(empty)
    assert client.open_task(_number)["id"] == task_id  # still open


def test_the_supplement_and_deferral_lists_offer_the_case_materials(
    browser: Browser, client: ApiClient
) -> None:
    number, task_id = accept_task(client, browser)
    properties = form_schema(page_text(browser.get(f"/tasks/{task_id}")))["properties"]
    assert properties["missing_materials"]["items"]["enum"] == MATERIALS
    assert properties["missing_materials"]["format"] == "checkbox"
    assert properties["deferred_materials"]["items"]["enum"] == ["经营场所使用证明"]

    data = {"acceptance_decision": "supplement", "missing_materials": [ID_PROOF, "经营场所使用证明"]}
    done = browser.post(f"/tasks/{task_id}", {"data": json.dumps(data, ensure_ascii=False)})
    assert done.status_code == 302
    page = page_text(browser.get(done.headers["Location"]))
    notice = f"/cases/{number}/documents/supplement.pdf"
    assert f'href="{notice}" target="_blank" rel="noopener"' in page and "打印补正材料通知书" in page
    assert browser.http.get(notice).mimetype == "application/pdf"


def test_a_rectification_is_completed_on_its_task_page(browser: Browser, client: ApiClient) -> None:
    number = client.start_case()
    accept(client, number)
    assert review(client, number, APPROVE).status_code == 200
    bad = {"rating": "dissatisfied", "comment": "审核时间长，电话无人接听"}
    assert client.post(f"/api/v1/cases/{number}/evaluation", "clerk", json=bad).status_code == 201
    (task,) = [task for task in client.inbox("approver") if task["kind"] == "rectification"]

    browser.log_in("approver")
    page = page_text(browser.get(f"/tasks/{task['id']}"))
    assert form_schema(page)["required"] == ["rectification_note"]
    short = browser.post(f"/tasks/{task['id']}", {"data": '{"rectification_note": "好"}'})
    assert short.status_code == 422 and "至少 4 个字符" in page_text(short)
    note = {"rectification_note": "已约谈审批人员并回访申请人", "applicant_contacted": True}
    done = browser.post(f"/tasks/{task['id']}", {"data": json.dumps(note, ensure_ascii=False)})
    assert done.status_code == 302
    assert "“差评整改”已提交" in page_text(browser.get(done.headers["Location"]))
    assert [t for t in client.inbox("approver") if t["kind"] == "rectification"] == []
    assert client.case(number)["evaluation"]["rectification"]["state"] == "completed"

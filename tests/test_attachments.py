"""Materials as files: upload, detected type, refusals that leave nothing behind, download within scope."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from tests.support.api import ApiClient
from tests.support.steps import accept
from workflow_service.extensions import db
from workflow_service.models import Attachment
from workflow_service.services.materials.file_names import ascii_fallback, download_name
from workflow_service.services.materials.storage import LocalFolderStorage


def pdf_bytes(text: str = "materials") -> bytes:
    output = io.BytesIO()
    page = canvas.Canvas(output)
    page.drawString(72, 720, text)
    page.save()
    return output.getvalue()


def png_bytes() -> bytes:
    """A 1×1 white PNG, chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as package:
        for name, content in entries.items():
            package.writestr(name, content)
    return output.getvalue()


OFD_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>'
)


@pytest.fixture
def folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Attachments go to a folder of this test's own; settings changed here are put back after."""
    saved = {
        key: app.config[key]
        for key in (
            "ATTACHMENT_FOLDER",
            "ATTACHMENT_MAX_BYTES",
            "MAX_CONTENT_LENGTH",
            "ATTACHMENT_CASE_MAX_FILES",
            "ATTACHMENT_CASE_MAX_BYTES",
        )
    }
    app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    yield tmp_path / "attachments"
    app.config.update(saved)


def stored_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def attachment_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Attachment)).scalar_one()


def upload(
    client: ApiClient,
    number: str,
    content: bytes,
    filename: str,
    user: str = "clerk",
    material: str = "经营者身份证明",
) -> Any:
    return client.post(
        f"/api/v1/cases/{number}/attachments",
        user,
        data={"material_name": material, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_window_uploads_pdf_and_png_and_downloads_them_back(client: ApiClient, folder: Path) -> None:
    number = client.start_case()
    pdf, png = pdf_bytes(), png_bytes()

    first = upload(client, number, pdf, "身份证明.pdf")
    assert first.status_code == 201, first.json
    assert first.json["content_type"] == "application/pdf"
    assert first.json["size"] == len(pdf)
    assert first.json["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert first.json["filename"] == "身份证明.pdf"
    assert first.json["material_name"] == "经营者身份证明"
    assert first.json["uploaded_by"]["username"] == "clerk"
    second = upload(client, number, png, "场所照片.png", material="经营场所使用证明")
    assert second.status_code == 201, second.json
    assert second.json["content_type"] == "image/png"

    listed = client.get(f"/api/v1/cases/{number}/attachments", "clerk")
    assert [(a["filename"], a["content_type"]) for a in listed.json] == [
        ("身份证明.pdf", "application/pdf"),
        ("场所照片.png", "image/png"),
    ]
    # Stored under generated names, not the client's.
    names = [path.name for path in stored_files(folder)]
    assert len(names) == 2
    assert not any(name.endswith((".pdf", ".png")) for name in names)

    download = client.get(f"/api/v1/cases/{number}/attachments/{first.json['id']}", "clerk")
    assert download.status_code == 200
    assert download.data == pdf
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    audit = [event for event in client.case(number)["audit"] if event["action"] == "attachment.uploaded"]
    assert [event["summary"]["filename"] for event in audit] == ["身份证明.pdf", "场所照片.png"]
    assert audit[0]["summary"]["sha256"] == hashlib.sha256(pdf).hexdigest()


def test_type_comes_from_the_content_not_the_name(client: ApiClient, folder: Path) -> None:
    number = client.start_case()
    response = upload(client, number, png_bytes(), "scan.pdf")
    assert response.status_code == 201
    assert response.json["content_type"] == "image/png"
    download = client.get(f"/api/v1/cases/{number}/attachments/{response.json['id']}", "clerk")
    assert download.mimetype == "image/png"


def test_an_ofd_package_is_recognised_by_its_entry_file(client: ApiClient, folder: Path) -> None:
    number = client.start_case()
    ofd = zip_bytes({"OFD.xml": OFD_XML, "Doc_0/Document.xml": b"<ofd:Document/>"})
    response = upload(client, number, ofd, "营业执照.ofd")
    assert response.status_code == 201, response.json
    assert response.json["content_type"] == "application/ofd"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("申请书.pdf", "这是一段文字，不是 PDF".encode()),
        ("archive.zip", zip_bytes({"readme.txt": b"hello"})),
        ("fake.ofd", zip_bytes({"Doc_0/Document.xml": b"<x/>"})),
        ("fake2.ofd", zip_bytes({"OFD.xml": b"<not-ofd/>"})),
        ("animation.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("empty.pdf", b""),
    ],
)
def test_content_of_another_type_is_refused_and_nothing_is_stored(
    client: ApiClient, app: Flask, folder: Path, filename: str, content: bytes
) -> None:
    number = client.start_case()
    response = upload(client, number, content, filename)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "file" in response.json["errors"]
    assert stored_files(folder) == []
    assert attachment_rows(app) == 0


@pytest.mark.parametrize(
    "filename",
    [
        "../../etc/passwd.pdf",
        "..\\..\\boot.pdf",
        "/etc/cron.d/job.pdf",
        "C:evil.pdf",
        "..",
        "a\x00b.pdf",
        "x/../y.pdf",
    ],
)
def test_a_file_name_with_a_path_is_refused_and_nothing_is_stored(
    client: ApiClient, app: Flask, folder: Path, filename: str
) -> None:
    number = client.start_case()
    response = upload(client, number, pdf_bytes(), filename)
    assert response.status_code == 422, response.json
    assert response.json["errors"]["file"]
    assert stored_files(folder) == []
    assert attachment_rows(app) == 0
    assert not (folder.parent / "etc").exists()


def test_a_file_beyond_the_size_limit_is_413_and_nothing_is_stored(
    client: ApiClient, app: Flask, folder: Path
) -> None:
    number = client.start_case()
    content = pdf_bytes("x" * 200)
    app.config["ATTACHMENT_MAX_BYTES"] = len(content) - 1
    response = upload(client, number, content, "big.pdf")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "上限" in response.json["detail"]
    assert stored_files(folder) == []
    assert attachment_rows(app) == 0

    app.config["ATTACHMENT_MAX_BYTES"] = len(content)
    assert upload(client, number, content, "just-fits.pdf").status_code == 201


def test_a_body_beyond_max_content_length_is_problem_json_too(
    client: ApiClient, app: Flask, folder: Path
) -> None:
    number = client.start_case()
    client.headers("clerk")  # log in before the limit applies to every request
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(client, number, pdf_bytes("y" * 8000) + b"\x00" * 8000, "huge.pdf")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "上传内容过大"
    assert response.json["detail"] == "请求内容超过允许的大小"  # Werkzeug's refusal, before any view ran
    assert stored_files(folder) == []
    assert attachment_rows(app) == 0


def test_the_default_limits_are_20_mb_with_room_for_the_multipart_envelope(app: Flask) -> None:
    assert app.config["ATTACHMENT_MAX_BYTES"] == 20 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["ATTACHMENT_MAX_BYTES"]


def test_only_the_window_and_the_organisation_working_the_case_may_upload(
    client: ApiClient, folder: Path
) -> None:
    number = client.start_case()
    # Before acceptance the county bureau does not see the case at all.
    assert upload(client, number, pdf_bytes(), "a.pdf", user="approver").status_code == 404
    accept(client, number)
    # The station holding the review task may add a file; its county bureau and supervisors see but may not.
    assert upload(client, number, pdf_bytes(), "核查记录.pdf", user="approver").status_code == 201
    for user in ("approver-county", "supervisor"):
        response = upload(client, number, pdf_bytes(), "a.pdf", user=user)
        assert response.status_code == 403, user
        assert response.mimetype == "application/problem+json"
    assert len(client.get(f"/api/v1/cases/{number}/attachments", "approver-county").json) == 1
    assert len(stored_files(folder)) == 1


def test_another_townships_clerk_cannot_see_list_or_download(client: ApiClient, folder: Path) -> None:
    number = client.start_case()
    attachment = upload(client, number, pdf_bytes(), "a.pdf").json
    path = f"/api/v1/cases/{number}/attachments"
    assert client.get(path, "clerk-hengdian").status_code == 404
    assert client.get(f"{path}/{attachment['id']}", "clerk-hengdian").status_code == 404
    assert upload(client, number, pdf_bytes(), "b.pdf", user="clerk-hengdian").status_code == 404
    assert len(stored_files(folder)) == 1
    assert client.http.get(f"{path}/{attachment['id']}").status_code == 401


def test_an_attachment_is_only_found_under_its_own_case(client: ApiClient, folder: Path) -> None:
    first, second = client.start_case(), client.start_case()
    attachment = upload(client, first, pdf_bytes(), "a.pdf").json
    assert client.get(f"/api/v1/cases/{second}/attachments/{attachment['id']}", "clerk").status_code == 404
    assert client.get(f"/api/v1/cases/{first}/attachments/{attachment['id']}", "clerk").status_code == 200


def test_a_material_name_is_required(client: ApiClient, app: Flask, folder: Path) -> None:
    number = client.start_case()
    response = client.post(
        f"/api/v1/cases/{number}/attachments",
        "clerk",
        data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "material_name" in response.json["errors"]
    assert stored_files(folder) == []


def test_a_file_sent_as_a_plain_form_field_is_refused(client: ApiClient, folder: Path) -> None:
    number = client.start_case()
    response = client.post(
        f"/api/v1/cases/{number}/attachments",
        "clerk",
        data={"material_name": "经营者身份证明", "file": "%PDF-1.4 not really a file"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "file" in response.json["errors"]
    assert stored_files(folder) == []


def test_local_storage_keys_are_its_own_and_never_paths(tmp_path: Path) -> None:
    storage = LocalFolderStorage(tmp_path / "store")
    key = storage.put(b"content")
    assert storage.get(key) == b"content"
    (tmp_path / "secret.txt").write_text("not yours")
    for foreign in ("../secret.txt", "../../secret.txt", "/etc/passwd", key.upper(), key + "/.."):
        with pytest.raises(KeyError):
            storage.get(foreign)
    storage.delete(key)
    storage.delete(key)  # deleting twice is fine
    with pytest.raises(KeyError):
        storage.get(key)
    assert stored_files(tmp_path / "store") == []


def polyglot_pdf() -> bytes:
    """A real PDF whose bytes also hold an HTML page with a script: what a browser sniffing it would run."""
    return pdf_bytes() + b"\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def test_a_pdf_that_is_also_html_always_downloads_as_a_pdf_attachment(
    client: ApiClient, folder: Path
) -> None:
    number = client.start_case()
    uploaded = upload(client, number, polyglot_pdf(), "invoice.html")
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["content_type"] == "application/pdf"

    download = client.get(f"/api/v1/cases/{number}/attachments/{uploaded.json['id']}", "clerk")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"  # the stored, detected type
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_non_ascii_name_downloads_with_an_ascii_fallback(client: ApiClient, folder: Path) -> None:
    number = client.start_case()
    uploaded = upload(client, number, pdf_bytes(), "身份证;正面.PDF")
    attachment_id = uploaded.json["id"]
    download = client.get(f"/api/v1/cases/{number}/attachments/{attachment_id}", "clerk")
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="attachment-{attachment_id}.PDF"; '
        "filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81%3B%E6%AD%A3%E9%9D%A2.PDF"
    )


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # RIGHT-TO-LEFT OVERRIDE: would read "invoiceexe.pdf"
        ("\u2066报告\u2069.pdf", "报告.pdf"),
        ("身份\u200b证.pdf", "身份证.pdf"),
        ("\ufeff照片\u200d\u2060.png", "照片.png"),
        ("a\u200e\u200fb\u202a\u202b\u202c\u202d\u2067\u2068\u200c.pdf", "ab.pdf"),
    ],
)
def test_bidi_and_zero_width_characters_are_taken_out_of_file_names(
    client: ApiClient, folder: Path, sent: str, stored: str
) -> None:
    number = client.start_case()
    content = png_bytes() if stored.endswith(".png") else pdf_bytes()
    uploaded = upload(client, number, content, sent)
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["filename"] == stored
    (listed,) = client.get(f"/api/v1/cases/{number}/attachments", "clerk").json
    assert listed["filename"] == stored
    [event] = [e for e in client.case(number)["audit"] if e["action"] == "attachment.uploaded"]
    assert event["summary"]["filename"] == stored


def test_a_name_of_invisible_characters_only_is_refused(client: ApiClient, app: Flask, folder: Path) -> None:
    number = client.start_case()
    response = upload(client, number, pdf_bytes(), "\u202e\u200b\u2060")
    assert response.status_code == 422
    assert response.json["errors"]["file"] == ["请上传带文件名的文件"]
    assert attachment_rows(app) == 0


def test_a_case_holds_a_limited_number_of_files(client: ApiClient, app: Flask, folder: Path) -> None:
    number = client.start_case()
    app.config["ATTACHMENT_CASE_MAX_FILES"] = 2
    for name in ("1.pdf", "2.pdf"):
        assert upload(client, number, pdf_bytes(name), name).status_code == 201
    refused = upload(client, number, pdf_bytes("3"), "3.pdf")
    assert refused.status_code == 413
    assert refused.mimetype == "application/problem+json"
    assert refused.json["detail"] == f"办件 {number} 已有 2 个文件，达到每件 2 个的上限"
    assert attachment_rows(app) == 2 and len(stored_files(folder)) == 2
    # Another case has a quota of its own.
    assert upload(client, client.start_case(), pdf_bytes("3"), "3.pdf").status_code == 201


def test_a_case_holds_a_limited_number_of_bytes(client: ApiClient, app: Flask, folder: Path) -> None:
    number = client.start_case()
    first, second = pdf_bytes("first"), pdf_bytes("second" * 50)
    app.config["ATTACHMENT_CASE_MAX_BYTES"] = len(first) + len(second) - 1
    assert upload(client, number, first, "first.pdf").status_code == 201
    refused = upload(client, number, second, "second.pdf")
    assert refused.status_code == 413
    assert "的文件合计将超过每件" in refused.json["detail"]
    assert attachment_rows(app) == 1 and len(stored_files(folder)) == 1
    app.config["ATTACHMENT_CASE_MAX_BYTES"] = len(first) + len(second)
    assert upload(client, number, second, "second.pdf").status_code == 201


def test_the_default_case_quota_is_200_files_and_500_mb(app: Flask) -> None:
    assert app.config["ATTACHMENT_CASE_MAX_FILES"] == 200
    assert app.config["ATTACHMENT_CASE_MAX_BYTES"] == 500 * 1024 * 1024


@pytest.mark.parametrize(
    ("stored", "content_type", "offered", "fallback"),
    [
        ("scan.jpeg", "image/jpeg", "scan.jpeg", "scan.jpeg"),
        ("scan.png", "image/jpeg", "scan.jpg", "scan.jpg"),
        ("证照", "application/ofd", "证照.ofd", "attachment-7.ofd"),
        ('a";b.pdf', "application/pdf", 'a";b.pdf', "attachment-7.pdf"),
    ],
)
def test_the_offered_name_has_the_types_extension_and_a_plain_fallback(
    stored: str, content_type: str, offered: str, fallback: str
) -> None:
    assert download_name(stored, content_type) == offered
    assert ascii_fallback(offered, "attachment-7") == fallback

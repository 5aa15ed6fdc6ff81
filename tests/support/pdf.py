"""The PDFs the service prints (notices, licences), read back as text."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.support.api import ApiClient


def pdf_text(content: bytes) -> tuple[str, PdfReader]:
    """The text of every page, without the white space and line breaks the layout put in, and the reader."""
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.split()), reader


def document(client: ApiClient, number: str, kind: str, user: str = "clerk") -> tuple[str, PdfReader]:
    """The case's notice ``kind`` (``acceptance``, ``supplement``, ``completion`` …) as ``user`` prints it."""
    response = client.get(f"/api/v1/cases/{number}/documents/{kind}.pdf", user)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    return pdf_text(response.data)

"""A Flask test client that uses the staff pages as a browser would (CSRF tokens, login)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support.api import APPLICANT, APPLICATION


class Browser:
    """A test client that uses the pages as a browser would: it reads each form's CSRF token."""

    def __init__(self, app: Flask) -> None:
        self.http: FlaskClient = app.test_client()
        self.token = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.http.get(path, **kwargs)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.http.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def log_in(self, username: str, password: str = "demo") -> Any:
        """Log in, then open the page it leads to (as a browser does), which carries a fresh CSRF token."""
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        if response.status_code == 302:
            self.get(response.headers["Location"])
        return response


def page_text(response: Any) -> str:
    return response.get_data(as_text=True)


def intake_form(id_number: str, **data: object) -> dict[str, str]:
    """The intake page's form for the demo application (``data`` overriding its fields), as a clerk
    fills it in for an applicant with that ID."""
    return {
        "applicant_kind": "person",
        "applicant_name": APPLICANT["name"],
        "applicant_id_number": id_number,
        "applicant_phone": APPLICANT["phone"],
        "matter_township": "330783001",
        "data": json.dumps({**APPLICATION, **data}, ensure_ascii=False),
    }

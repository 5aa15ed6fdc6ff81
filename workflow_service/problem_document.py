"""The RFC 9457 problem document: built here for the app's error handler and gunicorn's own answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_document(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_slug: str | None = None,
    instance: str | None = None,
    errors: Mapping[str, Any] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The members in the order clients read them; ``errors`` holds field messages by field path."""
    body: dict[str, Any] = {
        "type": f"/problems/{type_slug}" if type_slug else "about:blank",
        "title": title,
        "status": status,
    }
    if instance:
        body["instance"] = instance
    if detail and detail != title:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)  # never over a standard member
    return body

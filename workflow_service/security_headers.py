"""Response headers that keep the browser on the service's side: CSP, framing, sniffing, referrers.

Every answer gets ``nosniff``, a ``Referrer-Policy`` and a framing ban. HTML pages (staff pages,
the public /track page, /api/docs) get a policy that runs only the service's own script files: no
inline script, no ``eval``. Other answers (JSON, problem+json, files) get ``default-src 'none'``, so
a response that a browser is tricked into rendering runs nothing. A view that sets its own
``Content-Security-Policy`` (a preview framed by the task page) keeps it.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

# Inline *styles* stay allowed: the vendored bpmn-js and swagger-ui set style attributes from their
# scripts, and the pages use a few style attributes of their own. Scripts are the service's files only.
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
# A file the service's own pages show in a frame or an <img> (an uploaded PDF or image).
FRAMED_FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def framed_by_own_pages(response: Response) -> Response:
    """Let the service's own pages frame this file (the task page's previews), nobody else."""
    response.headers["Content-Security-Policy"] = FRAMED_FILE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _secure(response: Response) -> Response:
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = PAGE_POLICY if response.mimetype == "text/html" else OTHER_POLICY
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every answer, error pages and static files included."""
    app.after_request(_secure)

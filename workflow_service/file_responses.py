"""Files sent back to browsers and API callers: the stored type, never sniffed, under a safe name."""

from __future__ import annotations

import io

from flask import send_file
from werkzeug.wrappers import Response

from workflow_service.security_headers import framed_by_own_pages
from workflow_service.services.materials.file_names import content_disposition, download_name


def file_response(
    content: bytes,
    content_type: str,
    name: str,
    fallback_stem: str,
    *,
    inline: bool = False,
    etag: str | None = None,
) -> Response:
    """The bytes with ``content_type`` as ``Content-Type`` and a name whose extension is that type's.

    A download is ``attachment``; ``inline`` is for the previews the service's own pages frame
    (the only framing the headers allow, and a policy that runs nothing inside them).
    """
    response = send_file(io.BytesIO(content), mimetype=content_type, etag=etag or False)
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", download_name(name, content_type), fallback_stem
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return framed_by_own_pages(response) if inline else response

"""File names of uploaded materials: cleaned when stored, made safe when a file is sent back.

A name is only ever shown or offered for saving, never used as a path. Characters that change how a
name reads without being seen (bidi controls that turn ``txt.exe`` into ``exe.txt``, zero-width
characters that make two names look alike) are taken out at upload. When the file is sent back, its
extension is the one of the type detected from its content, so a PDF that is also HTML is saved as
``.pdf``, and the header carries an ASCII fallback besides the UTF-8 name (RFC 6266).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote

# U+200E/F marks, U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates; U+061C Arabic mark.
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
# Zero-width space, non-joiner, joiner, word joiner, byte order mark.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
INVISIBLE = BIDI_CONTROLS | ZERO_WIDTH

EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/ofd": (".ofd",),
}
# What may stand in the plain ``filename=`` parameter: printable ASCII without quotes, backslashes,
# percent signs or semicolons (which some clients would read as the start of another parameter).
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 !#$&+\-.^_`|~()\[\]{}@,=]")


def without_invisible(name: str) -> str:
    """The name without bidi controls and zero-width characters (what the uploader sees anyway)."""
    return "".join(char for char in name if char not in INVISIBLE)


def download_name(stored: str, content_type: str) -> str:
    """The stored name with the extension of the detected type (``报告.html`` stored as PDF: ``报告.pdf``)."""
    extensions = EXTENSIONS.get(content_type)
    if not extensions:
        return stored
    path = PurePosixPath(stored)
    if path.suffix.lower() in extensions:
        return stored
    stem = path.stem if path.suffix else stored
    return f"{stem or 'file'}{extensions[0]}"


def ascii_fallback(name: str, fallback_stem: str) -> str:
    """A plain-ASCII name for clients without RFC 5987 support: the name itself when it is plain
    and safe, else ``fallback_stem`` with the name's extension."""
    if name.isascii() and not _UNSAFE_ASCII.search(name):
        return name
    suffix = PurePosixPath(name).suffix
    if not suffix.isascii() or _UNSAFE_ASCII.search(suffix):
        suffix = ""
    return f"{fallback_stem}{suffix}"


def content_disposition(disposition: str, name: str, fallback_stem: str) -> str:
    """``attachment`` or ``inline`` with an ASCII ``filename`` and the UTF-8 ``filename*`` (RFC 6266)."""
    plain = ascii_fallback(name, fallback_stem)
    encoded = quote(name, safe="")
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{encoded}"

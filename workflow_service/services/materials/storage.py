"""Where attachment bytes live: one interface (put/get/delete by a generated key), a local folder by default.

Several API nodes share the folder as a volume (DESIGN.md §7); another backend (object storage)
implements the same three methods and is chosen in ``attachment_storage``.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

# Keys are generated here, never taken from a request: 32 lowercase hex digits.
_KEY = re.compile(r"[0-9a-f]{32}")


class Storage(Protocol):
    def put(self, content: bytes) -> str:
        """Store ``content`` under a new generated key and return the key."""
        ...

    def get(self, key: str) -> bytes:
        """The content stored under ``key``; ``KeyError`` if there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``'s content; a missing key is not an error."""
        ...


class LocalFolderStorage:
    """Files under ``root/<2 hex>/<key>``: the fan-out keeps directories small at millions of files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise KeyError(key)
        return self.root / key[:2] / key

    def put(self, content: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed: a reader never sees half a file, a crash leaves no key.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def attachment_storage() -> Storage:
    """The configured storage, read from the settings on each use so tests can point it elsewhere."""
    return LocalFolderStorage(Path(current_app.config["ATTACHMENT_FOLDER"]))

"""gunicorn's logger with every query-string value masked, in the access log and the error log.

Query strings carry what staff type into search boxes (resident IDs, phone numbers: ``/search?q=``)
and pages that come back to them (``/login?next=/search%3Fq%3D…``), and browsers repeat them in
``Referer``. Parameter names stay, so a line still says which search or page it was.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from gunicorn.glogging import Logger

MASK = "***"
_QUERY_IN_TEXT = re.compile(r"\?([^\s\"'<>]*)")


def mask_query(query: str) -> str:
    """``q=110105…&limit=5`` → ``q=***&limit=***``; a bare value (``?110105…``) → ``***``."""
    if not query:
        return query
    names = [name for name, _value in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{name}={MASK}" for name in names) if names else MASK


def mask_query_strings(text: str) -> str:
    """Every ``?query`` inside ``text`` (a request line, a URL, a log message) masked."""
    return _QUERY_IN_TEXT.sub(lambda match: "?" + mask_query(match.group(1)), text)


def _masked(value: Any) -> Any:
    return mask_query_strings(value) if isinstance(value, str) else value


class MaskedQueryLogger(Logger):
    """The access log's request line, query and headers (Referer), and error-log lines, masked."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: timedelta) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        masked = {name: _masked(value) for name, value in atoms.items()}
        masked["q"] = mask_query(atoms.get("q") or "")
        return masked

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().critical(_masked(msg), *map(_masked, args), **kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().error(_masked(msg), *map(_masked, args), **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().warning(_masked(msg), *map(_masked, args), **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().info(_masked(msg), *map(_masked, args), **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().exception(_masked(msg), *map(_masked, args), **kwargs)

"""A WSGI app that takes as long as asked (``/?seconds=N``), to run a request past gunicorn's timeout.

It stands in for whatever might hold a worker: tests/test_serving.py serves it with the project's
gunicorn.conf.py, so the answer is the one the service's own workers give.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["0"])[0])
    time.sleep(seconds)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

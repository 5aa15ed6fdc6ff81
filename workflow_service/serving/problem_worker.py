"""gunicorn's sync worker whose own answers are problem+json, as every other error of the service.

gunicorn answers some requests itself, with a small HTML page: a malformed request, a request line
beyond ``limit_request_line`` (414), headers beyond their limits (431), and a request still running
at ``timeout``, after which the arbiter aborts the worker (SIGABRT) and the client got an HTML 500.
Here those answers are RFC 9457 documents, built as the app builds its own; a timeout is a 503 with
Retry-After.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from gunicorn import util
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from workflow_service.errors import MalformedRequest, RequestTimedOut, ServiceError
from workflow_service.problem_document import PROBLEM_MEDIA_TYPE, problem_document

TITLES = {
    400: MalformedRequest.title,
    414: "请求地址过长",
    431: "请求头过大",
    500: ServiceError.title,
}
DEFAULT_RETRY_AFTER_SECONDS = 30


def problem_message(
    status: int, reason: str, title: str, detail: str, headers: dict[str, str], instance: str = ""
) -> bytes:
    """A whole HTTP/1.1 response carrying a problem document; the connection closes after it."""
    payload = json.dumps(
        problem_document(status, title, detail, instance=instance), ensure_ascii=False
    ).encode()
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Connection: close",
        f"Content-Type: {PROBLEM_MEDIA_TYPE}",
        f"Content-Length: {len(payload)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


class _ProblemAnswers(Worker):
    """gunicorn's own answers as problem documents, for either worker class below."""

    timed_out = False

    def init_process(self) -> None:
        # Worker.handle_error writes every answer of its own through this one function.
        util.write_error = self.write_problem
        super().init_process()

    def handle_abort(self, sig: int, frame: Any) -> None:
        # The arbiter aborts a worker whose request runs past the timeout; what it was doing
        # ends with SystemExit, which reaches handle_error below.
        self.timed_out = True
        super().handle_abort(sig, frame)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if not self.timed_out:
            super().handle_error(req, client, addr, exc)
            return
        addr = addr or ("", -1)
        path = getattr(req, "path", "") or ""
        self.log.error(
            "request ran past the %ss timeout: %s %s", self.cfg.timeout, getattr(req, "method", ""), path
        )
        message = self._timeout_message(path)
        if req is not None:
            environ = default_environ(req, client, self.cfg)
            environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = addr[0], str(addr[1])
            response = Response(req, client, self.cfg)
            response.status = "503 Service Unavailable"
            response.response_length = len(message)
            self.log.access(response, req, environ, timedelta(seconds=self.cfg.timeout))
        try:
            util.write_nonblock(client, message)
        except OSError:
            self.log.debug("Failed to send the timeout answer.")

    def _timeout_message(self, path: str) -> bytes:
        config = getattr(self.wsgi, "config", {})
        retry_after = config.get("UNAVAILABLE_RETRY_AFTER_SECONDS", DEFAULT_RETRY_AFTER_SECONDS)
        detail = f"请求处理超过 {self.cfg.timeout} 秒，已中止；请稍后重试"
        return problem_message(
            503, "Service Unavailable", RequestTimedOut.title, detail, {"Retry-After": str(retry_after)}, path
        )

    def write_problem(self, sock: Any, status: int, reason: str, message: str) -> None:
        title = TITLES.get(status, reason)
        util.write_nonblock(sock, problem_message(status, reason, title, message, {}))


class ProblemWorker(_ProblemAnswers, SyncWorker):
    """The default sync worker; only the bytes of gunicorn's own error answers differ."""


class ProblemThreadWorker(_ProblemAnswers, ThreadWorker):
    """gunicorn's gthread worker (``GUNICORN_THREADS`` > 1, gunicorn.conf.py) with the same answers.

    It keeps client connections alive between requests. A request past ``timeout`` is not aborted:
    the worker's main loop keeps telling the arbiter it is alive while a thread runs the request."""

"""A real gunicorn serving the app on a free loopback port, for tests over HTTP and in a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from workflow_service.config import PROJECT_ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn process group serving the app on a loopback port; restartable.

    It runs in the project folder, so gunicorn.conf.py applies as in production; ``options`` are
    further command-line options (``--access-logfile``, ``--timeout``) and ``app`` the WSGI app.
    """

    def __init__(
        self, database_url: str, log: Path, options: tuple[str, ...] = (), app: str = "wsgi:app"
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url}
        self.log = log
        self.options = options
        self.app = app
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(GUNICORN),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.options,
            self.app,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # refused or timed out while the workers boot
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

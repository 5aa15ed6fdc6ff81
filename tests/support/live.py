"""A real gunicorn serving the app on a free loopback port, for tests over HTTP and in a browser."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.api import ApiClient, HttpClient
from workflow_service.config import PROJECT_ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn process group serving the app on a loopback port; restartable.

    It runs in the project folder, so gunicorn.conf.py applies as in production; ``options`` are
    further command-line options (``--access-logfile``, ``--timeout``), ``app`` the WSGI app, and
    ``settings`` the app's settings as ``FLASK_<NAME>`` environment variables.
    """

    def __init__(
        self,
        database_url: str,
        log: Path,
        options: tuple[str, ...] = (),
        app: str = "wsgi:app",
        *,
        workers: int = 2,
        **settings: str,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Outside tests' own app objects the service needs a key of its own (create_app refuses to start
        # without one); every worker of this server shares it, as every node of an installation does.
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "FLASK_SECRET_KEY": secrets.token_hex(32),
            **{f"FLASK_{name}": value for name, value in settings.items()},
        }
        self.workers = workers
        self.log = log
        self.options = options
        self.app = app
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(GUNICORN),
            "--workers",
            str(self.workers),
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

    def api(self) -> ApiClient:
        """The JSON API of this server over real HTTP, logging in as the demo users."""
        return ApiClient(HttpClient(self.base))

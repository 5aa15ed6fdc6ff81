"""What gunicorn answers itself is problem+json too: a request line too long, a request past the timeout."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.live import Server

PROBLEM = "application/problem+json"


def test_request_line_too_long_is_414_and_a_malformed_one_400_problem_json(server: Server) -> None:
    response = requests.get(f"{server.base}/search", params={"q": "3" * 8000}, timeout=10)
    assert response.status_code == 414
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["title"] == "请求地址过长"
    assert response.json()["status"] == 414
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"GET /\x01 nonsense\r\n\r\n")
        answer = connection.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 400")
    assert f"Content-Type: {PROBLEM}" in answer


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[Server]:
    running = Server(
        "sqlite://", tmp_path / "gunicorn.log", ("--timeout", "2"), app="tests.support.slow_app:app"
    )
    running.start()
    yield running
    running.stop()


def test_a_request_past_the_timeout_is_503_problem_json_with_retry_after(slow_server: Server) -> None:
    response = requests.get(f"{slow_server.base}/", params={"seconds": "30"}, timeout=20)
    assert response.status_code == 503
    assert response.headers["Content-Type"] == PROBLEM
    assert response.headers["Retry-After"] == "30"
    problem = response.json()
    assert problem["title"] == "请求处理超时"
    assert problem["detail"] == "请求处理超过 2 秒，已中止；请稍后重试"
    # The worker that timed out is replaced: the next request is served.
    assert requests.get(f"{slow_server.base}/", timeout=20).text == "ok"

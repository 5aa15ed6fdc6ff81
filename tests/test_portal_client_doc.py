"""The Python client of docs/portal-client.md, exactly as the page shows it, against a live gunicorn.

The page's ``python`` blocks are run as one module. Its client is registered with ``flask
create-client`` (a process of its own, as an operator runs it), walks through token, catalogue (a 304
the second time), an idempotent submission and its retry, an upload, the status and the list since a
time; a window clerk then accepts the case, a real worker process (``flask worker --once``) delivers
the webhooks to a receiver on localhost, and the page's ``verify_webhook`` accepts each delivery as
sent and refuses it altered or replayed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import WUNING
from tests.support.live import Server
from tests.support.steps import accept
from tests.support.webhooks import receiver
from tests.test_attachments import pdf_bytes
from workflow_service.config import PROJECT_ROOT

PAGE = PROJECT_ROOT / "docs" / "portal-client.md"
FLASK = Path(sys.executable).parent / "flask"


def page_module() -> dict[str, Any]:
    """The page's code blocks, run in order as one module (not as ``__main__``)."""
    blocks = re.findall(r"^```python\n(.*?)^```$", PAGE.read_text(), re.S | re.M)
    assert len(blocks) >= 2
    namespace: dict[str, Any] = {"__name__": "portal_client"}
    exec(compile("\n".join(blocks), str(PAGE), "exec"), namespace)
    return namespace


def flask_command(server: Server, *args: str) -> str:
    done = subprocess.run(
        [str(FLASK), "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def created_client(server: Server) -> tuple[str, str]:
    scopes = "services:read,applications:write,applications:read,webhooks:manage"
    printed = flask_command(server, "create-client", "浙里办", "--scopes", scopes, "--regions", "330783")
    found = dict(re.findall(r"^(client_id|client_secret): (\S+)$", printed, re.M))
    return found["client_id"], found["client_secret"]


@pytest.mark.live
def test_the_documented_client_runs_against_a_live_server(server: Server) -> None:
    page = page_module()
    client_id, secret = created_client(server)
    portal = page["PortalClient"](server.base, client_id, secret)
    with receiver() as hooks:
        seen = page["walk_through"](portal, WUNING, pdf_bytes(), hooks.url)
        number = seen["number"]
        assert seen["form"]["title"] == "个体工商户设立登记申请书"
        assert seen["attachment"]["content_type"] == "application/pdf"
        assert seen["status"]["status"]["code"] == "pre_review"
        assert seen["status"]["current_step"] == "预审中：窗口正在审核您的申请材料"
        assert seen["listed"] == [number]  # once, though submitted twice

        staff = server.api()
        accept(staff, number)  # 预审 通过, then 受理
        assert portal.wait_for(number, {"under_review"}, timeout=10)["status"]["code"] == "under_review"
        flask_command(server, "worker", "--once")
        deadline = time.monotonic() + 10
        while len(hooks.delivered()) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)

    verify, invalid = page["verify_webhook"], page["InvalidWebhook"]
    events = [verify(seen["webhook_secret"], request.headers, request.body) for request in hooks.received]
    assert [(event["case_number"], event["new_status"]) for event in events] == [
        (number, "submitted"),
        (number, "pre_review"),
        (number, "pre_reviewed"),
        (number, "accepted"),
        (number, "under_review"),
    ]
    delivery = hooks.received[-1]
    with pytest.raises(invalid, match="signature"):
        verify(seen["webhook_secret"], delivery.headers, delivery.body.replace(b"under_review", b"approved"))
    with pytest.raises(invalid, match="signature"):
        verify("another-secret", delivery.headers, delivery.body)
    with pytest.raises(invalid, match="replay"):
        verify(seen["webhook_secret"], delivery.headers, delivery.body, now=time.time() + 301)
    with pytest.raises(invalid):
        verify(seen["webhook_secret"], {}, delivery.body)


def test_the_page_shows_the_client_of_the_test() -> None:
    """The code the test runs is the page's: its blocks name the parts the page promises."""
    page = page_module()
    client = page["PortalClient"]
    for part in (
        "token",
        "services",
        "submit",
        "upload",
        "status",
        "wait_for",
        "applications_since",
        "subscribe",
    ):
        assert callable(getattr(client, part)), part
    assert "Idempotency-Key" in PAGE.read_text() and "If-None-Match" in PAGE.read_text()

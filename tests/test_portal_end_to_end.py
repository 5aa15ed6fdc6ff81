"""An online application from submission to 出件 over real HTTP, with a real worker delivering its webhooks.

The portal is the documented client (docs/portal-client.md) against a live gunicorn; a window clerk
and an approver work the case over the same HTTP API; a ``flask worker`` process runs all along, as
in production, and delivers each status change to a receiver on localhost. After each step the
receiver has heard of exactly the statuses so far, each signed, once and in order, and the portal's
status read says where the application is in the applicant's words, ending with the result and how
it was collected. A worker killed with SIGKILL in the middle of a delivery loses nothing: the next
worker takes the delivery over once its lease expires and delivers it, and the case's later events
after it.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api import WUNING
from tests.support.applications import application_body
from tests.support.live import Server
from tests.support.steps import APPROVE, PASS, PICKUP, only_task
from tests.support.webhooks import Receiver, receiver
from tests.test_attachments import pdf_bytes
from tests.test_portal_client_doc import FLASK, created_client, page_module
from workflow_service.config import PROJECT_ROOT

# (status the step ends in, what the portal reads as the current step) after each move.
EXPECTED_STEPS = {
    "pre_reviewed": "预审已通过：等待窗口受理",
    "under_review": "审查中：主管部门正在审查",
    "approved": "已办结：结果待领取或寄送",
    "issued": "已出件：办理结果已送达",
}


def start_worker(server: Server, **settings: str) -> subprocess.Popen:
    """``flask worker`` polling every 0.2 s against the server's database, with ``settings`` as
    ``FLASK_<NAME>`` environment variables."""
    return subprocess.Popen(
        [str(FLASK), "--app", "wsgi", "worker", "--interval", "0.2"],
        cwd=PROJECT_ROOT,
        env={**server.env, **{f"FLASK_{name}": value for name, value in settings.items()}},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def worker(server: Server) -> Iterator[subprocess.Popen]:
    """A worker running all along, stopped with SIGTERM as a deployment stops it."""
    process = start_worker(server)
    yield process
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def heard(hooks: Receiver, count: int, timeout: float = 20) -> list[dict[str, Any]]:
    """The events delivered once ``count`` have arrived (the worker polls; nothing is awaited by hand)."""
    deadline = time.monotonic() + timeout
    while len(hooks.delivered()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return hooks.delivered()


@pytest.mark.live
def test_an_online_application_goes_to_issue_with_one_signed_webhook_per_status_in_order(
    server: Server, worker: subprocess.Popen
) -> None:
    page = page_module()
    portal = page["PortalClient"](server.base, *created_client(server))
    staff = server.api()
    with receiver() as hooks:
        seen = page["walk_through"](portal, WUNING, pdf_bytes(), hooks.url)
        secret, number = seen["webhook_secret"], seen["number"]
        assert seen["status"]["current_step"] == "预审中：窗口正在审核您的申请材料"
        statuses = ["submitted", "pre_review"]
        assert [event["new_status"] for event in heard(hooks, 2)] == statuses

        moves = (
            ("clerk", "预审", PASS, ["pre_reviewed"]),
            ("clerk", "受理", {"acceptance_decision": "accept"}, ["accepted", "under_review"]),
            ("approver", "审核", APPROVE, ["approved"]),
            ("clerk", "出件", PICKUP, ["issued"]),
        )
        for user, task_name, decision, entered in moves:
            task = only_task(staff, number, task_name, user)
            done = staff.complete(task["id"], user, decision)
            assert done.status_code == 200, done.json
            statuses += entered
            delivered = heard(hooks, len(statuses))
            assert [event["new_status"] for event in delivered] == statuses, task_name
            read = portal.status(number)
            assert read["status"]["code"] == entered[-1]
            assert read["current_step"] == EXPECTED_STEPS[entered[-1]]
        time.sleep(1)  # five more passes of the worker: nothing is sent twice

    events = [page["verify_webhook"](secret, request.headers, request.body) for request in hooks.received]
    assert [request.answered for request in hooks.received] == [200] * len(statuses)
    assert [event["new_status"] for event in events] == statuses
    assert [event["old_status"] for event in events] == [None, *statuses[:-1]]
    assert [event["sequence"] for event in events] == list(range(1, len(statuses) + 1))
    assert {event["case_number"] for event in events} == {number}
    assert len({event["event_id"] for event in events}) == len(events)
    assert [request.headers["X-Event-Id"] for request in hooks.received] == [e["event_id"] for e in events]

    final = portal.status(number)
    assert [entry["status"]["code"] for entry in final["status_history"]] == statuses
    assert [entry["at"] for entry in final["status_history"]] == [event["at"] for event in events]
    assert final["result"]["label"] == "准予"
    assert final["collection"]["method"] == "pickup"
    assert final["collection"]["label"] == "窗口领取"
    assert final["collection"]["window"] == "吴宁街道便民服务中心"
    # The applicant's words only: no task ids, lanes or BPMN element names reach the portal.
    for internal in ("acceptance", "review_decision", "lane", "bpmn"):
        assert internal not in str(final), internal


@pytest.mark.live
def test_a_worker_killed_during_a_delivery_leaves_it_to_the_next_worker_which_delivers_in_order(
    server: Server,
) -> None:
    page = page_module()
    portal = page["PortalClient"](server.base, *created_client(server))
    arrived, released = threading.Event(), threading.Event()

    def hang_the_first(_event: dict[str, Any]) -> int:
        if not arrived.is_set():
            arrived.set()
            released.wait(30)
            return 500  # its worker is gone: nobody reads this answer
        return 200

    with receiver() as hooks:
        hooks.answer = hang_the_first
        secret = portal.subscribe(hooks.url, ["status-changed"])["secret"]
        number = portal.submit(application_body())["number"]  # committed: 申请 and 预审 are in the outbox

        doomed = start_worker(server, WEBHOOK_LEASE_SECONDS="2")
        try:
            assert arrived.wait(30), "the first worker never posted"
        finally:
            doomed.kill()  # SIGKILL: no handler runs, the delivery stays claimed by a dead worker
            doomed.wait(timeout=30)
        released.set()

        survivor = start_worker(server, WEBHOOK_LEASE_SECONDS="2")
        try:
            delivered = heard(hooks, 2)
        finally:
            survivor.send_signal(signal.SIGTERM)
            survivor.wait(timeout=30)

    assert [event["new_status"] for event in delivered] == ["submitted", "pre_review"]
    assert {event["case_number"] for event in delivered} == {number}
    first, *_ = hooks.received
    assert first.answered == 500 and first.event["event_id"] == delivered[0]["event_id"]
    for request in hooks.received:
        page["verify_webhook"](secret, request.headers, request.body)

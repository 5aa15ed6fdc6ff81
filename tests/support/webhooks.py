"""A webhook receiver on localhost (http.server in a thread) and the portal client whose cases it hears of.

API clients cannot be registered over the API yet (their OAuth2 tokens are another piece of work),
so ``portal_client`` adds the row and ``submitted_by`` marks a case as that client's, as the online
applications endpoint will.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from workflow_service.extensions import db
from workflow_service.models import ApiClient, Case, WebhookDelivery
from workflow_service.services.portal import webhooks


@dataclass(frozen=True)
class Received:
    """One request the receiver got: its headers and body as sent, and the status it answered."""

    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """Whether ``X-Signature`` is the HMAC-SHA256 of ``f"{X-Timestamp}.{body}"`` under ``secret``."""
        expected = hmac.new(
            secret.encode(), self.headers["X-Timestamp"].encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, self.headers["X-Signature"])


class Receiver:
    """Answers each POST with what ``answer(event)`` says (200 unless told otherwise) and keeps it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answer: Callable[[dict[str, Any]], int] = lambda _event: 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.answer(json.loads(body))
                receiver.received.append(Received(dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail_times(self, count: int, status: int = 500) -> None:
        """Answer ``status`` to the next ``count`` requests, then 200."""
        remaining = [count]

        def answer(_event: dict[str, Any]) -> int:
            if remaining[0] > 0:
                remaining[0] -= 1
                return status
            return 200

        self.answer = answer

    def delivered(self) -> list[dict[str, Any]]:
        """The events answered with success, in the order they arrived."""
        return [request.event for request in self.received if 200 <= request.answered < 300]


@contextmanager
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


def portal_client(app: Flask, name: str = "浙里办") -> int:
    """A registered API client (its row only): its id."""
    with app.app_context():
        client = ApiClient(
            client_id=uuid.uuid4().hex,
            name=name,
            secret_hash="not-used-here",
            scopes=["webhooks:manage", "applications:read"],
            regions=["330783"],
        )
        db.session.add(client)
        db.session.commit()
        return client.id


def subscribe(app: Flask, client_id: int, url: str, kinds: tuple[str, ...] = ("status-changed",)) -> str:
    """Subscribe ``url`` for the client through the service: the secret."""
    with app.app_context():
        client = db.session.get(ApiClient, client_id)
        assert client is not None
        return webhooks.subscribe(client, url, list(kinds)).secret


def submitted_by(app: Flask, number: str, client_id: int) -> None:
    """Mark the case as submitted by the client (the online applications endpoint will set it)."""
    with app.app_context():
        db.session.execute(update(Case).where(Case.number == number).values(submitted_by_client_id=client_id))
        db.session.commit()


def deliveries(app: Flask) -> list[WebhookDelivery]:
    with app.app_context():
        return list(db.session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())

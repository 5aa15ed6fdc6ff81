"""The Prometheus instruments the service counts with: requests, their latency, case transitions.

They belong to no registry: ``/metrics`` (api.metrics) collects them into one built per scrape, so
creating many apps in one process (the tests) registers nothing twice. Under gunicorn with several
workers ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn.conf.py) before this module is imported, so
each worker writes its values to files there and a scrape of any worker sums them all.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING_TRANSITIONS = "instruments.case_transitions"

REQUESTS = Counter(
    "workflow_http_requests",
    "HTTP requests answered, by method, endpoint (the URL rule) and status",
    ("method", "endpoint", "status"),
    registry=None,
)
REQUEST_SECONDS = Histogram(
    "workflow_http_request_duration_seconds",
    "Time from the request's arrival in the app to its answer, by method and endpoint",
    ("method", "endpoint"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,
)
CASE_TRANSITIONS = Counter(
    "workflow_case_transitions",
    "Case status changes, by the status left (none for a new case) and the status entered",
    ("from_status", "to_status"),
    registry=None,
)
# SQLite: one writer at a time. How long write transactions queue for the lock, and how long each
# keeps it (the others' wait); by the request's method and endpoint ("none" outside a request).
LOCK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SQLITE_LOCK_WAIT_SECONDS = Histogram(
    "workflow_sqlite_write_lock_wait_seconds",
    "SQLite: time a write transaction waited for the write lock (its BEGIN IMMEDIATE)",
    ("method", "endpoint"),
    buckets=LOCK_BUCKETS,
    registry=None,
)
SQLITE_LOCK_HELD_SECONDS = Histogram(
    "workflow_sqlite_write_lock_held_seconds",
    "SQLite: time from a write transaction's BEGIN IMMEDIATE to its COMMIT or ROLLBACK",
    ("method", "endpoint"),
    buckets=LOCK_BUCKETS,
    registry=None,
)
INSTRUMENTS = (
    REQUESTS,
    REQUEST_SECONDS,
    CASE_TRANSITIONS,
    SQLITE_LOCK_WAIT_SECONDS,
    SQLITE_LOCK_HELD_SECONDS,
)


def multiprocess_mode() -> bool:
    """Whether the values live in files shared by the processes (gunicorn with several workers)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def instrument_registry() -> CollectorRegistry:
    """A fresh registry holding this process's instruments, or every process's in multiprocess mode."""
    registry = CollectorRegistry(auto_describe=True)
    if multiprocess_mode():
        MultiProcessCollector(registry)
    else:
        for instrument in INSTRUMENTS:
            registry.register(instrument)
    return registry


def count_transition(session: Session, before: str | None, after: str) -> None:
    """One case moves from ``before`` (None: it is being registered) to ``after`` in ``session``'s
    transaction: counted when that commits, forgotten if it rolls back (a 409 changed nothing)."""
    session.info.setdefault(_PENDING_TRANSITIONS, []).append((before or "none", after))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for before, after in session.info.pop(_PENDING_TRANSITIONS, ()):
        CASE_TRANSITIONS.labels(from_status=before, to_status=after).inc()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING_TRANSITIONS, None)

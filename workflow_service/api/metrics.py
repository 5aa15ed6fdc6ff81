"""Prometheus ``/metrics`` for monitoring, behind a bearer token or a trusted network.

The request and transition instruments come from workflow_service.instruments (summed over every
gunicorn worker in multiprocess mode); the database figures are read at the scrape, in two
statements (services.read.operations), so a scrape costs the same at a million cases as at ten.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from workflow_service.errors import NotAuthenticated, PermissionDenied
from workflow_service.instruments import instrument_registry
from workflow_service.services.read.operations import OperationsFigures, operations_figures

blp = Blueprint("metrics", __name__)


def _trusted_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    configured = current_app.config["METRICS_TRUSTED_NETWORKS"] or []
    if isinstance(configured, str):  # FLASK_METRICS_TRUSTED_NETWORKS=10.0.0.0/8,192.168.0.0/16
        configured = [part for part in configured.split(",") if part.strip()]
    return [ipaddress.ip_network(str(cidr).strip(), strict=False) for cidr in configured]


def _from_trusted_network(address: str | None) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(client in network for network in _trusted_networks())


def _check_access() -> None:
    """A matching bearer token, or an address in a trusted network; else 401 (a token was expected
    or was wrong) or 403 (no token is configured and the address is not trusted)."""
    token = current_app.config["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer "):
        if hmac.compare_digest(sent.removeprefix("Bearer ").encode(), str(token).encode()):
            return
        raise NotAuthenticated("监控令牌无效")
    if _from_trusted_network(request.remote_addr):
        return
    if token:
        raise NotAuthenticated("需要监控令牌（Authorization: Bearer …）")
    raise PermissionDenied("此地址不在受信任的监控网络中")


class DatabaseFigures(Collector):
    """The figures of one scrape, read once from the database."""

    def __init__(self, figures: OperationsFigures) -> None:
        self._figures = figures

    def collect(self) -> Iterable[Metric]:
        return list(self._families())

    def _families(self) -> Iterator[Metric]:
        labels = ["organisation", "organisation_name"]
        open_tasks = GaugeMetricFamily("workflow_open_tasks", "Open tasks by organisation", labels=labels)
        overdue = GaugeMetricFamily(
            "workflow_overdue_tasks", "Open tasks past their due date, by organisation", labels=labels
        )
        for row in self._figures.tasks:
            open_tasks.add_metric([row.organisation_code, row.organisation_name], row.open)
            overdue.add_metric([row.organisation_code, row.organisation_name], row.overdue)
        yield open_tasks
        yield overdue
        depth = GaugeMetricFamily(
            "workflow_worker_queue_depth", "Pending jobs that are due, by kind", labels=["kind"]
        )
        lag = GaugeMetricFamily(
            "workflow_worker_queue_lag_seconds",
            "How long the oldest due job has waited, by kind",
            labels=["kind"],
        )
        failed = GaugeMetricFamily(
            "workflow_failed_jobs", "Jobs that gave up after their last attempt, by kind", labels=["kind"]
        )
        for queue in self._figures.jobs:
            depth.add_metric([queue.kind], queue.due)
            lag.add_metric([queue.kind], queue.lag_seconds)
            failed.add_metric([queue.kind], queue.failed)
        yield depth
        yield lag
        yield failed


@blp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text exposition of the service's figures."""
    _check_access()
    registry = instrument_registry()
    registry.register(DatabaseFigures(operations_figures()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

"""一窗通办 workflow service: BPMN-driven front-desk-accept, back-office-approve government services."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from workflow_service import (
    database,
    error_handling,
    request_guard,
    request_ids,
    security_headers,
    structured_logs,
    web,
)
from workflow_service.api import (
    admin,
    admin_webhooks,
    api_clients,
    applications,
    attachments,
    authentication,
    calendar,
    cases,
    client_authentication,
    closing,
    delegations,
    documents,
    dry_runs,
    evaluations,
    health,
    line_events,
    me,
    metrics,
    oauth,
    oauth_document,
    problems,
    process_definitions,
    process_drafts,
    process_versions,
    responsibilities,
    security_document,
    service_items,
    supervision,
    supervision_notices,
    tasks,
    tracking,
    webhooks,
)
from workflow_service.api import (
    audit as audit_api,
)
from workflow_service.cli import register_commands
from workflow_service.config import PROJECT_ROOT, DefaultConfig
from workflow_service.engine.limits import EngineLimits
from workflow_service.engine.runtime import ProcessRuntime
from workflow_service.extensions import api, db, migrate
from workflow_service.models import JobKind
from workflow_service.services import audit, clock
from workflow_service.services.closing import closing as case_closing
from workflow_service.services.portal import outbox
from workflow_service.services.process import job_runner, status_changes, step_effects
from workflow_service.services.supervision import step_records, urging
from workflow_service.services.work.step_effects import STEP_EFFECTS
from workflow_service.web.errors import error_page

# Shorter keys, or the development default of earlier versions, are refused as no key at all.
MIN_SECRET_KEY_LENGTH = 32
KNOWN_PUBLIC_KEYS = frozenset({"dev-only-not-secret"})


class MissingSecretKey(RuntimeError):
    """The service would sign its session cookies with a key others know."""


def require_secret_key(app: Flask) -> None:
    """Outside debug and tests, a secret key of this installation's own; there a random one per process."""
    key = app.config.get("SECRET_KEY")
    if key and len(key) >= MIN_SECRET_KEY_LENGTH and key not in KNOWN_PUBLIC_KEYS:
        return
    if app.config.get("TESTING") or app.debug:
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        return
    problem = (
        "is not set"
        if not key
        else f"is too short or publicly known (at least {MIN_SECRET_KEY_LENGTH} characters)"
    )
    raise MissingSecretKey(
        f"FLASK_SECRET_KEY {problem}: it signs the staff session cookies. Set it to a random value "
        "kept for this installation, e.g.\n"
        "  export FLASK_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
        "(the same value on every node; `make run` keeps one in instance/secret_key)."
    )


def _engine_limits(config: Mapping[str, Any]) -> EngineLimits:
    return EngineLimits(
        cpu_seconds=float(config["SCRIPT_CPU_SECONDS"]),
        memory_bytes=int(config["SCRIPT_MEMORY_MB"]) * 1024 * 1024,
        max_step_tasks=int(config["ENGINE_STEP_MAX_TASKS"]),
        max_instances=int(config["MULTI_INSTANCE_MAX"]),
        max_data_bytes=int(config["SCRIPT_DATA_MAX_BYTES"]),
    )


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The composition root: settings, extensions, blueprints, error handlers, CLI."""
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    require_secret_key(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if app.config["MAX_CONTENT_LENGTH"] is None:
        # Werkzeug refuses bodies beyond this before a view reads them (413, api.problems).
        app.config["MAX_CONTENT_LENGTH"] = (
            app.config["ATTACHMENT_MAX_BYTES"] + app.config["MULTIPART_ALLOWANCE_BYTES"]
        )
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {
                "securitySchemes": {
                    "bearerAuth": security_document.STAFF_SCHEME,
                    "clientCredentials": client_authentication.SECURITY_SCHEME,
                    "clientSecretBasic": security_document.CLIENT_SECRET_BASIC,
                }
            },
            "security": [{"bearerAuth": []}],
        },
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )

    structured_logs.init_app(app)
    # First of the request hooks: every later one may log or refuse, with the request's id.
    request_ids.init_app(app)
    db.init_app(app)
    database.init_app(app)
    audit.init_app()  # audit rows join the hash chain when their transaction commits
    step_records.init_app()  # the feed's records after it, under the chain's head lock
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    # Every error response of the OpenAPI document is problem+json, as the server sends them.
    api.init_app(
        app,
        spec_kwargs={"extra_plugins": [security_document.StatedSecurity(), problems.ProblemResponses()]},
    )
    request_guard.init_app(app)
    # Timers run on the service clock, which tests set through app.config["CLOCK"].
    app.extensions["process_runtime"] = ProcessRuntime(clock=clock.now, limits=_engine_limits(app.config))
    # What a completed step does (services.work.step_effects): deploy checks the forms against it.
    step_effects.install(app, STEP_EFFECTS)
    # Every status change writes its outbox event in the same transaction (services.portal.outbox).
    # The 电子监察 feed's records too (services.supervision.step_records), with the step they tell of.
    status_changes.install(
        app,
        [outbox.record_status_change, step_records.record_status_change],
        [step_records.record_step],
    )
    # 督办 items complete by their reply, and the worker marks them late (services.supervision.urging).
    urging.install()
    # Jobs whose work lives above process/: the 补正 deadline's 退件 (closing/), a 督办's late mark.
    job_runner.install(
        app,
        {
            JobKind.SUPPLEMENT_DEADLINE: case_closing.return_overdue_supplement,
            JobKind.SUPERVISION_LATE: urging.mark_late,
        },
    )

    app.register_blueprint(health.blp)
    app.register_blueprint(metrics.blp)
    oauth.init_app(app)
    oauth_document.document(api.spec, app)
    for blueprint in (
        authentication.blp,
        service_items.blp,
        cases.blp,
        tasks.blp,
        responsibilities.blp,
        delegations.blp,
        me.blp,
        admin.blp,
        api_clients.blp,
        admin_webhooks.blp,
        calendar.blp,
        attachments.blp,
        documents.blp,
        documents.batch_blp,
        tracking.blp,
        closing.blp,
        evaluations.blp,
        audit_api.blp,
        webhooks.blp,
        line_events.blp,
        applications.blp,
        process_definitions.blp,
        process_drafts.blp,
        process_versions.blp,
        process_versions.migrations_blp,
        dry_runs.blp,
        supervision.blp,
        supervision_notices.blp,
    ):
        api.register_blueprint(blueprint)
    web.init_app(app)
    # After the API extension: this one handler replaces flask-smorest's JSON errors.
    error_handling.init_app(app, page=error_page)
    security_headers.init_app(app)
    register_commands(app)
    return app

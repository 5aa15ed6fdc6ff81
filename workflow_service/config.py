"""Settings: defaults here, overridden by ``FLASK_*`` environment variables and the test mapping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url_from_environment() -> str:
    """The database URL: ``DATABASE_URL`` if set, else an SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{PROJECT_ROOT / 'instance' / 'workflow.sqlite3'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class DefaultConfig:
    """Defaults for a development machine; production sets ``FLASK_SECRET_KEY`` and ``DATABASE_URL``."""

    # No default: outside debug and tests the service refuses to start without FLASK_SECRET_KEY
    # (create_app), since anyone knowing the key could sign the cookies it trusts.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = database_url_from_environment()
    # hide_parameters: SQL errors, and the log lines quoting them, never carry the values (personal data).
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True, "hide_parameters": True}
    BPMN_FOLDER = str(PROJECT_ROOT / "bpmn")
    FORMS_FOLDER = str(PROJECT_ROOT / "forms")
    CATALOG_FOLDER = str(PROJECT_ROOT / "catalog")
    # Bearer tokens of staff expire after a working day.
    API_TOKEN_TTL_SECONDS = 12 * 3600
    # Staff pages: a browser session ends this long after login, however active (a working day).
    WEB_SESSION_LIFETIME_SECONDS = 8 * 3600
    # CSRF tokens are checked by the staff pages themselves (the API uses bearer tokens, not cookies).
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
    SESSION_COOKIE_HTTPONLY = True
    # Session cookies go over HTTPS only; FLASK_SESSION_COOKIE_SECURE=false for plain local HTTP (make run).
    SESSION_COOKIE_SECURE = True
    # Flask-Login's remember-me cookie (unused by the pages today) likewise.
    REMEMBER_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "workflow_service" / "translations")
    # Failed logins (or wrong current passwords) in a row to one account from one client address
    # before that pair is blocked: LOGIN_BACKOFF_SECONDS, doubling with each further failure, at most
    # LOGIN_LOCKOUT_MINUTES (an admin may unblock sooner). The account works on from other addresses.
    LOGIN_LOCKOUT_THRESHOLD = 5
    LOGIN_BACKOFF_SECONDS = 60
    LOGIN_LOCKOUT_MINUTES = 15
    # A pair's failures are forgotten this long after the last one.
    LOGIN_FAILURES_FORGOTTEN_HOURS = 24
    # Failed logins (API token endpoint and /login page) per client address, whatever the account; then
    # 429, except for accounts that logged in from that address within LOGIN_TRUSTED_ADDRESS_DAYS.
    LOGIN_RATE_LIMIT = "20 per minute"
    LOGIN_TRUSTED_ADDRESS_DAYS = 30
    # Portals and line systems (API clients): access tokens from POST /oauth/token live this long; each
    # client may send this many requests a minute (then 429), counted in CLIENT_RATELIMIT_STORAGE_URI:
    # memory:// per process by default (a limit of N becomes N per worker), redis://… shared by all.
    CLIENT_TOKEN_TTL_SECONDS = 3600
    CLIENT_RATE_LIMIT_PER_MINUTE = 120
    CLIENT_RATELIMIT_STORAGE_URI = "memory://"
    # Supervisors and /readyz are warned when fewer days than this of the official holiday schedule are known.
    CALENDAR_WARNING_DAYS = 60
    # Attachments: stored through services.materials.storage in this folder (a volume shared by nodes).
    ATTACHMENT_FOLDER = str(PROJECT_ROOT / "instance" / "attachments")
    ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    # Per case: at most this many files and this many bytes in all (then 413, nothing stored).
    ATTACHMENT_CASE_MAX_FILES = 200
    ATTACHMENT_CASE_MAX_BYTES = 500 * 1024 * 1024
    # MAX_CONTENT_LENGTH, unless set, is ATTACHMENT_MAX_BYTES plus this room for the multipart envelope.
    MULTIPART_ALLOWANCE_BYTES = 64 * 1024
    # A JSON body may be at most this large (413 beyond it) and nested this deep (400 beyond it).
    JSON_MAX_BYTES = 1024 * 1024
    JSON_MAX_DEPTH = 32
    # A BPMN upload (the file and its forms) to validate or deploy may be at most this large (413 beyond).
    BPMN_MAX_BYTES = 5 * 1024 * 1024
    # Retry-After (seconds) on a 503: the database unreachable, or a request that ran past the timeout.
    UNAVAILABLE_RETRY_AFTER_SECONDS = 30
    # 容缺受理: the applicant hands a deferred material in within this many working days, unless the
    # window sets another date.
    DEFERRED_MATERIAL_WORKING_DAYS = 5
    # 好差评: a 不满意 / 非常不满意 evaluation is rectified (整改) within this many working days.
    RECTIFICATION_WORKING_DAYS = 5
    # 督办: the reply deadline a supervisor's notice offers by default, in working days.
    SUPERVISION_REPLY_WORKING_DAYS = 2
    # Retention: a case that ended this many days ago no longer needs its serialized workflow
    # (`flask drop-finished-states`); 好差评 and 整改 work on the case row, never on the engine.
    RETENTION_FINISHED_CASE_DAYS = 30
    # Absolute URLs printed on documents (the QR code to /track/<number>).
    PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    # Failed look-ups on the public status page, per client address and per case number.
    TRACK_ATTEMPT_LIMIT = "5 per 15 minutes"
    # Where rate-limit counters live: database:// (the service's database) or redis://…, both shared by
    # every worker and node; memory:// counts per process (a limit of N becomes N per worker).
    RATELIMIT_STORAGE_URI = "database://"
    # The background worker (flask --app wsgi worker): how often it looks for due jobs, how many it
    # claims at once, how often a failing job is tried, the first retry delay (doubling each time),
    # and after how long a job claimed by a worker that died is claimed again.
    WORKER_POLL_SECONDS = 5.0
    WORKER_BATCH_SIZE = 20
    JOB_MAX_ATTEMPTS = 5
    JOB_RETRY_BASE_SECONDS = 60
    JOB_LEASE_SECONDS = 600
    # How often the worker logs the audit chain's head (``audit-head id=… hash=…``); 0: never.
    AUDIT_HEAD_LOG_MINUTES = 10.0
    # A job running longer than this is stopped and counts as a failed attempt (it must stay below
    # JOB_LEASE_SECONDS, or another worker would take the job meanwhile).
    JOB_TIME_LIMIT_SECONDS = 60.0
    # How long an online application waits for the first request with its Idempotency-Key (then 409).
    IDEMPOTENCY_WAIT_SECONDS = 10.0
    # Webhooks: each POST waits this long for an answer; a failed one is tried again after a random
    # wait up to BASE * 2^(tries - 1) seconds (at most MAX), and is dead after MAX_ATTEMPTS tries.
    # A delivery taken by a worker that died is taken again after the lease (longer than the timeout).
    WEBHOOK_TIMEOUT_SECONDS = 10.0
    WEBHOOK_MAX_ATTEMPTS = 8
    WEBHOOK_RETRY_BASE_SECONDS = 30
    WEBHOOK_RETRY_MAX_SECONDS = 3600
    WEBHOOK_LEASE_SECONDS = 120
    # BPMN scripts and conditions: the CPU seconds all of them may use in one engine step, and the
    # memory one may add to the process (MB; enforced in the main thread: gunicorn sync, the worker).
    SCRIPT_CPU_SECONDS = 1.0
    SCRIPT_MEMORY_MB = 256
    # The most a script may leave in one variable of the task data (bytes, as JSON, roughly).
    SCRIPT_DATA_MAX_BYTES = 2_000_000
    # One engine step runs at most this many tasks (a cycle without a wait state is an incident).
    ENGINE_STEP_MAX_TASKS = 300
    # A multi-instance task has at most this many instances.
    MULTI_INSTANCE_MAX = 1000
    # flask-smorest / OpenAPI
    # /metrics: a scraper sends ``Authorization: Bearer <METRICS_TOKEN>`` or comes from one of these
    # networks (CIDRs; FLASK_METRICS_TRUSTED_NETWORKS='["10.0.0.0/8"]' or "10.0.0.0/8,192.168.0.0/16").
    METRICS_TOKEN: str | None = None
    METRICS_TRUSTED_NETWORKS: ClassVar[list[str] | str] = ["127.0.0.1/32", "::1/128"]
    # Logs are JSON lines (structlog); "console" for people reading a terminal.
    LOG_FORMAT = "json"
    # Log each API request's JSON body (IDs and phones masked, names not): for diagnosing an integration.
    LOG_REQUEST_BODIES = False

    API_TITLE = "一窗通办 workflow service"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    # Browsable API docs at /api/docs, served from the vendored swagger-ui (no CDN).
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui-dist/"
    OPENAPI_SWAGGER_UI_CONFIG: ClassVar[dict] = {"persistAuthorization": True}
    JSON_AS_ASCII = False

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

    SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - replaced by FLASK_SECRET_KEY in production
    SQLALCHEMY_DATABASE_URI = database_url_from_environment()
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    BPMN_FOLDER = str(PROJECT_ROOT / "bpmn")
    FORMS_FOLDER = str(PROJECT_ROOT / "forms")
    CATALOG_FOLDER = str(PROJECT_ROOT / "catalog")
    # Bearer tokens of staff expire after a working day.
    API_TOKEN_TTL_SECONDS = 12 * 3600
    # Consecutive failed logins (or wrong current passwords) that lock an account until an admin unlocks it.
    LOGIN_LOCKOUT_THRESHOLD = 5
    # flask-smorest / OpenAPI
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

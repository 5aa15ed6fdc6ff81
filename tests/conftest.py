"""Test fixtures: every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

Each backend migrates and seeds a template database once per xdist worker (through the Alembic
migrations, not ``create_all``). Tests then get:

* ``app`` — SQLite: a fresh copy of the template file. PostgreSQL: the worker's database inside
  an outer transaction that is rolled back afterwards (services' commits become savepoints).
* ``live_database_url`` — a fresh database whose commits are real, for tests with several
  connections or processes (concurrency, gunicorn).
* ``clock`` — the service clock at Monday 09:00 (tests/support/clock.py), for the test to move.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from tests.support.api import ApiClient
from tests.support.clock import clock as clock  # the one clock fixture, offered to every test
from tests.support.live import Server
from tests.support.pages import Browser
from workflow_service import create_app
from workflow_service.config import PROJECT_ROOT, normalise_database_url
from workflow_service.extensions import SESSION_OPTIONS, db
from workflow_service.services.directory import rate_limits
from workflow_service.services.process.deployment import deploy_folder
from workflow_service.services.seed.seeding import seed_demo

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
# Uploads in tests go here (keys are random, so tests share it), never to the working tree's instance/.
ATTACHMENT_FOLDER = Path(tempfile.gettempdir()) / f"ws-test-attachments-{os.getpid()}"


def make_app(database_url: str, **config: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ATTACHMENT_FOLDER": str(ATTACHMENT_FOLDER),
            **config,
        }
    )


def build_template(database_url: str) -> None:
    """Migrate an empty database to head and load the demo data and processes into it."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        seed_demo(PROJECT_ROOT / "catalog", demo_password="demo")
        deploy_folder(PROJECT_ROOT / "bpmn", PROJECT_ROOT / "forms")
        db.session.remove()
        db.engine.dispose()


class SQLiteBackend:
    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.sqlite3"
        build_template(f"sqlite:///{self.template}")

    def fresh_database(self) -> str:
        path = self.folder / f"{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresBackend:
    name = "postgresql"

    def __init__(self, admin_url: str, worker: str) -> None:
        self.admin_url = make_url(normalise_database_url(admin_url))
        self.prefix = f"ws_test_{worker}_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.created: list[str] = []
        self._create(self.template)
        build_template(self.url(self.template))
        self.shared = self.fresh_database()
        self.shared_app = make_app(self.shared)

    def _admin(self) -> psycopg.Connection:
        url = self.admin_url
        return psycopg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            dbname=url.database,
            autocommit=True,
        )

    def _create(self, name: str, template: str | None = None) -> None:
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{suffix}')
        self.created.append(name)

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def fresh_database(self) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        self._create(name, template=self.template)
        return self.url(name)

    def close(self) -> None:
        with self.shared_app.app_context():
            db.engine.dispose()
        with self._admin() as connection:
            for name in reversed(self.created):
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[SQLiteBackend | PostgresBackend]:
    if request.param == "sqlite":
        chosen: SQLiteBackend | PostgresBackend = SQLiteBackend(tmp_path_factory.mktemp("sqlite"))
    else:
        chosen = PostgresBackend(os.environ["TEST_DATABASE_URL"], worker_id)
    yield chosen
    chosen.close()
    shutil.rmtree(ATTACHMENT_FOLDER, ignore_errors=True)


@pytest.fixture
def app(backend: SQLiteBackend | PostgresBackend) -> Iterator[Flask]:
    if isinstance(backend, SQLiteBackend):
        application = make_app(backend.fresh_database())
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        return
    application = backend.shared_app
    application.config["CLOCK"] = None
    with application.app_context():
        rate_limits.reset()  # the in-memory counters (failed logins) are the shared app's too
    # No app context stays pushed during the test: each request gets its own, as in production, so
    # its session is removed at teardown and flask.g starts empty.
    with application.app_context():
        # Flask-SQLAlchemy's session asks db.engines for its bind, so the connection goes there.
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection  # type: ignore[assignment]
        original_session = db.session
        db.session = db._make_scoped_session({**SESSION_OPTIONS, "join_transaction_mode": "create_savepoint"})
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
        db.session = original_session
        engines[None] = engine
        outer.rollback()
        connection.close()
        application.config["CLOCK"] = None


@pytest.fixture
def live_database_url(backend: SQLiteBackend | PostgresBackend) -> str:
    return backend.fresh_database()


@pytest.fixture
def live_app(live_database_url: str) -> Iterator[Flask]:
    application = make_app(live_database_url)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> ApiClient:
    return ApiClient(app.test_client())


@pytest.fixture
def browser(app: Flask) -> Browser:
    """The pages as a person sees them, through the test client (a test that serves pages
    overrides ``app`` with ``live_app``)."""
    return Browser(app)


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def server(live_database_url: str, tmp_path: Path) -> Iterator[Server]:
    """Real gunicorn on a free loopback port, serving a live database of its own."""
    running = Server(live_database_url, tmp_path / "gunicorn.log")
    running.start()
    yield running
    running.stop()

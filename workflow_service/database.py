"""Engine settings per database: SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writes;
PostgreSQL sessions keep the values of failed statements out of the server's log where the role may.

Several gunicorn processes share one SQLite file. A deferred transaction that reads and then writes
fails at once with "database is locked" when another process wrote meanwhile, whatever the busy
timeout; beginning write transactions IMMEDIATE makes writers queue on the timeout instead.
Requests that only read (GET, HEAD, OPTIONS) begin DEFERRED, so with WAL they never wait, and so
do the checks a write request makes first (its token, inside ``reading_before_writes``): the write
lock is taken at the first statement of the work itself, not at the token lookup. The answer a
write request reads back after its work committed (``reading_after_writes``) begins DEFERRED too:
the next writer need not wait while this one builds its answer.

How long write transactions wait for the lock and keep it is counted per endpoint
(``workflow_sqlite_write_lock_wait_seconds`` and ``…_held_seconds`` on /metrics): two clock reads
per transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask, g, has_request_context, request
from sqlalchemy import CursorResult, Engine, Executable, event
from sqlalchemy.dialects import postgresql, sqlite

from workflow_service.extensions import db
from workflow_service.instruments import SQLITE_LOCK_HELD_SECONDS, SQLITE_LOCK_WAIT_SECONDS

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LOCK_TAKEN = "workflow_sqlite_write_lock_taken"  # connection.info: (when, method, endpoint)


def upsert(model: type) -> Any:
    """``INSERT`` for ``model`` that takes ``on_conflict_do_update`` / ``_do_nothing`` on the database
    the session is bound to (both dialects have it, under the same names)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session; how many rows it changed (a conditional update's
    answer to "did I win?")."""
    return cast("CursorResult[Any]", db.session.execute(statement)).rowcount


def _begin_statement() -> str:
    if g.get("writing_after_reads") if has_request_context() else False:
        return "BEGIN IMMEDIATE"  # a read request's audit row (services.audit.record_read)
    if has_request_context() and (request.method in READ_ONLY_METHODS or g.get("reading_before_writes")):
        return "BEGIN DEFERRED"
    return "BEGIN IMMEDIATE"


@contextmanager
def reading_before_writes() -> Iterator[None]:
    """Begin the block's transaction DEFERRED even in a write request: on SQLite its reads do not
    take the write lock. Nothing in the block may write, and the service that runs it ends the
    transaction after it, so that the request's next statement begins one that takes the lock."""
    g.reading_before_writes = True
    try:
        yield
    finally:
        g.reading_before_writes = False


@contextmanager
def reading_after_writes() -> Iterator[None]:
    """Read a write request's answer after its work committed in a DEFERRED transaction: on SQLite
    it does not take the write lock. Nothing in the block may write (a read's audit row still may:
    ``writing_after_reads`` begins its own IMMEDIATE transaction)."""
    with reading_before_writes():
        yield


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so the "begin" hook below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        statement = _begin_statement()
        if statement != "BEGIN IMMEDIATE":
            connection.exec_driver_sql(statement)
            return
        asked = time.perf_counter()
        connection.exec_driver_sql(statement)  # waits here, up to the busy timeout, for the lock
        taken = time.perf_counter()
        labels = _lock_labels()
        SQLITE_LOCK_WAIT_SECONDS.labels(*labels).observe(taken - asked)
        connection.info[_LOCK_TAKEN] = (taken, *labels)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        held = connection.info.pop(_LOCK_TAKEN, None)
        if held is not None:
            taken, method, endpoint = held
            SQLITE_LOCK_HELD_SECONDS.labels(method, endpoint).observe(time.perf_counter() - taken)


def _lock_labels() -> tuple[str, str]:
    if not has_request_context():
        return "none", "none"
    return request.method, request.url_rule.rule if request.url_rule is not None else "<unmatched>"


# PostgreSQL logs a failed statement (log_min_error_statement) and a DETAIL quoting the values
# ("Failing row contains (…)"): personal data in the server's log. Input is validated before any
# statement runs, so bad input does not fail one; these settings cover what still might. Both are
# superuser settings: a role without the right (or a GRANT SET ON PARAMETER) keeps the server's own.
QUIET_ERROR_SETTINGS = {"log_min_error_statement": "panic", "log_error_verbosity": "terse"}


def _may_set(cursor: Any, parameter: str) -> bool:
    cursor.execute(
        "SELECT current_setting('is_superuser') = 'on', current_setting('server_version_num')::int"
    )
    superuser, version = cursor.fetchone()
    if superuser or version < 150000:  # has_parameter_privilege() is new in PostgreSQL 15
        return bool(superuser)
    cursor.execute("SELECT has_parameter_privilege(%s, 'SET')", (parameter,))
    return bool(cursor.fetchone()[0])


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET inside the pool's transaction would be rolled back
        try:
            with dbapi_connection.cursor() as cursor:
                for parameter, value in QUIET_ERROR_SETTINGS.items():
                    if _may_set(cursor, parameter):
                        cursor.execute(f"SET {parameter} = {value}")
        finally:
            dbapi_connection.autocommit = autocommit


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        elif engine.dialect.name == "postgresql":
            _configure_postgresql(engine)

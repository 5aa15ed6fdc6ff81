"""Whether the database's schema is the one this code was written for: its Alembic revision
against the code's migration heads (read from migrations/ once per process)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from workflow_service.config import PROJECT_ROOT
from workflow_service.extensions import db

MIGRATIONS = PROJECT_ROOT / "migrations"


class SchemaState(enum.StrEnum):
    CURRENT = "ok"  # the database is at the code's head
    BEHIND = "behind"  # `flask db upgrade` has not run: tables this code needs may be missing
    AHEAD = "ahead"  # a newer release migrated it (a rolling upgrade): revisions this code does not know


@dataclass(frozen=True)
class SchemaRevision:
    state: SchemaState
    database: tuple[str, ...]
    code: tuple[str, ...]


@cache
def code_heads() -> tuple[tuple[str, ...], frozenset[str]]:
    """The code's head revisions and every revision it knows; read once, the files do not change."""
    scripts = ScriptDirectory(str(MIGRATIONS))
    known = frozenset(script.revision for script in scripts.walk_revisions())
    return tuple(sorted(scripts.get_heads())), known


def schema_revision() -> SchemaRevision:
    """One statement: the revisions recorded in ``alembic_version``, compared with the code's."""
    heads, known = code_heads()
    try:
        rows = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        db.session.rollback()  # no alembic_version table: never migrated
        rows = []
    recorded = tuple(sorted(rows))
    if recorded == heads:
        state = SchemaState.CURRENT
    elif recorded and not set(recorded) <= known:
        state = SchemaState.AHEAD
    else:
        state = SchemaState.BEHIND
    return SchemaRevision(state, recorded, heads)

"""The Alembic migrations build exactly the schema the models declare, and downgrade cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from workflow_service.extensions import db


def test_migrated_schema_matches_the_models(live_app: Flask) -> None:
    with live_app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(live_app: Flask) -> None:
    with live_app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert {"case_file", "task", "audit_event"} <= set(inspect(db.engine).get_table_names())

"""``flask`` commands: deploy processes, seed the demo data, create users, run the worker, check
cases against their workflows."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workflow_service.cli_admin import ADMIN_COMMANDS
from workflow_service.cli_audit import audit_verify_command
from workflow_service.cli_calendar import calendar
from workflow_service.cli_data import DATA_COMMANDS
from workflow_service.cli_supervision import export_supervision_command
from workflow_service.errors import ServiceError
from workflow_service.models import Role
from workflow_service.services.catalogue.service_items import catalogue_rows, load_catalogue
from workflow_service.services.directory.accounts import create_user
from workflow_service.services.directory.credentials import password_problems
from workflow_service.services.directory.directory_import import directory_rows, import_directory
from workflow_service.services.directory.import_files import ImportFailed
from workflow_service.services.directory.responsibilities import import_responsibilities, responsibility_rows
from workflow_service.services.process.case_migration import (
    DEFAULT_BATCH,
    MigrationBatch,
    dry_run,
    migrate_all,
    migrating_user,
)
from workflow_service.services.process.consistency import (
    DEFAULT_BATCH_SIZE,
    check_consistency,
    count_cases,
)
from workflow_service.services.process.deployment import deploy_folder
from workflow_service.services.seed.demo_cases import DemoCaseFailed, seed_demo_cases
from workflow_service.services.seed.seeding import DEMO_PASSWORD, seed_demo
from workflow_service.worker import retry_failed_jobs_command, worker_command


def _deploy_all() -> None:
    try:
        results = deploy_folder(
            Path(current_app.config["BPMN_FOLDER"]), Path(current_app.config["FORMS_FOLDER"])
        )
    except ServiceError as error:  # a file that fails validation, or one that is no readable XML
        raise click.ClickException(f"{error.detail} {error.errors or ''}") from None
    for result in results:
        state = "deployed" if result.created else "unchanged"
        click.echo(f"{result.key} v{result.version}: {state}")


@click.command("deploy")
@with_appcontext
def deploy_command() -> None:
    """Deploy every BPMN file in bpmn/ with its forms (new version only if changed)."""
    _deploy_all()


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--demo-users",
    is_flag=True,
    help=f"also create the demo accounts of catalog/directory.yaml, all with the password {DEMO_PASSWORD} "
    "(every page then warns that they exist): never on a service with real cases",
)
@click.option(
    "--cases/--no-cases",
    default=True,
    help="with --demo-users: register the demo cases of catalog/demo_cases.yaml (only into a database "
    "without cases)",
)
def seed_demo_command(demo_users: bool, cases: bool) -> None:
    """Load the demo directory (its users only with --demo-users), service items and responsibility
    list; deploy; then, once, the demo cases."""
    catalog = Path(current_app.config["CATALOG_FOLDER"])
    summary = seed_demo(catalog, demo_password=DEMO_PASSWORD if demo_users else None)
    report = summary.directory
    click.echo(
        "directory: "
        + ", ".join(
            f"{section} {report.created[section]} new / {report.updated[section]} updated"
            for section in report.created
        )
    )
    click.echo(f"{summary.service_items} service items, {summary.responsibilities} responsibility items")
    _deploy_all()
    if not demo_users:
        click.echo("demo users and cases: skipped (add --demo-users for a demonstration service)")
        return
    click.echo(f"demo users: every demo account logs in with the password {DEMO_PASSWORD}")
    if not cases:
        click.echo("demo cases: skipped (--no-cases)")
        return
    try:
        demo = seed_demo_cases(catalog / "demo_cases.yaml")
    except DemoCaseFailed as error:
        raise click.ClickException(f"demo cases: {error}") from None
    if demo.created:
        click.echo(f"demo cases: {demo.created} registered and worked as the demo users")
    else:
        click.echo(f"demo cases: none added, the database already has {demo.existing} case(s)")


def _report_import_failure(error: ImportFailed) -> click.ClickException:
    lines = [error.detail, *(f"  {where}: {'; '.join(messages)}" for where, messages in error.errors.items())]
    return click.ClickException("\n".join(lines))


@click.command("import-directory")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind", type=click.Choice(["regions", "organisations", "users"]), help="what a CSV file holds"
)
@click.option("--default-password", default=None, help="initial password for new users without one")
def import_directory_command(path: Path, kind: str | None, default_password: str | None) -> None:
    """Import regions, organisations and users from YAML or CSV (all rows checked first; all or nothing)."""
    if default_password and (problems := password_problems("", default_password)):
        raise click.ClickException("--default-password: " + "; ".join(problems))
    try:
        rows = directory_rows(path, kind)
        with click.progressbar(length=len(rows), label=f"importing {len(rows)} rows") as bar:
            report = import_directory(
                rows, default_password=default_password, source=path.name, progress=bar.update
            )
    except ImportFailed as error:
        raise _report_import_failure(error) from None
    for section in report.created:
        click.echo(f"{section}: {report.created[section]} created, {report.updated[section]} updated")


@click.command("load-catalogue")
@with_appcontext
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_catalogue_command(path: Path | None) -> None:
    """Load service items (实施清单) from YAML or CSV; changed items get a new version; all or nothing."""
    source = path or Path(current_app.config["CATALOG_FOLDER"]) / "service_items.yaml"
    try:
        rows = catalogue_rows(source)
        with click.progressbar(length=len(rows), label=f"loading {len(rows)} items") as bar:
            created, changed, unchanged = load_catalogue(rows, source=source.name, progress=bar.update)
    except ImportFailed as error:
        raise _report_import_failure(error) from None
    click.echo(f"{created} created, {changed} changed (new version), {unchanged} unchanged")


@click.command("import-responsibilities")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_responsibilities_command(path: Path) -> None:
    """Import the responsibility list (部门职责乡镇配合事项清单) from YAML or CSV; all or nothing."""
    try:
        rows = responsibility_rows(path)
        with click.progressbar(length=len(rows), label=f"importing {len(rows)} items") as bar:
            created, updated = import_responsibilities(rows, source=path.name, progress=bar.update)
    except ImportFailed as error:
        raise _report_import_failure(error) from None
    click.echo(f"{created} created, {updated} updated")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--name", "full_name", required=True)
@click.option("--organisation", "organisation_code", required=True, help="organisation code")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.password_option()
def create_user_command(
    username: str, full_name: str, organisation_code: str, roles: tuple[str], password: str
) -> None:
    """Create a staff account (the same checks as the admin API; the user changes the password first)."""
    try:
        create_user(
            None,
            username=username,
            full_name=full_name,
            organisation_code=organisation_code,
            roles=list(roles),
            password=password,
        )
    except ServiceError as error:
        details = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in error.errors.items())
        raise click.ClickException(f"{error.detail} {details}".strip()) from None
    click.echo(f"created {username}")


@click.command("check-consistency")
@with_appcontext
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
def check_consistency_command(batch_size: int) -> None:
    """Check every case's task rows, status and timer jobs against its stored workflow (read only).

    Progress on stderr, the summary on stdout; exit 1 naming each inconsistent case and why.
    """
    total = count_cases()
    with click.progressbar(length=total, label=f"checking {total} cases", file=sys.stderr) as bar:
        report = check_consistency(batch_size, progress=bar.update)
    for case in report.inconsistent:
        click.echo(f"{case.number}: inconsistent")
        for reason in case.reasons:
            click.echo(f"  - {reason}")
    click.echo(f"{report.checked} cases checked, {len(report.inconsistent)} inconsistent")
    if not report.consistent:
        raise SystemExit(1)


@click.command("migrate-cases")
@with_appcontext
@click.argument("key")
@click.argument("from_version", type=click.IntRange(1))
@click.option("--as", "username", required=True, help="the analyst or admin the moves are audited as")
@click.option(
    "--dry-run",
    "dry_run_only",
    is_flag=True,
    help="only list which cases would move and why the others cannot",
)
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 500))
def migrate_cases_command(
    key: str, from_version: int, username: str, dry_run_only: bool, batch_size: int
) -> None:
    """Move the running cases of process KEY version FROM_VERSION to the next version, where safe.

    Progress on stderr; each case that cannot move is named on stdout with why.
    """
    try:
        actor = migrating_user(username)
        run = dry_run(actor, key, from_version)
    except ServiceError as error:
        raise click.ClickException(error.detail) from None
    for check in run.not_movable:
        click.echo(f"{check.case.number}: cannot move")
        for reason in check.reasons:
            click.echo(f"  - {reason}")
    if dry_run_only:
        click.echo(
            f"{len(run.movable)} cases would move to version {run.to_version}, {len(run.not_movable)} cannot"
        )
        return
    total = len(run.movable) + len(run.not_movable)
    label = f"moving {key} v{from_version} → v{run.to_version}"
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:

        def advance(batch: MigrationBatch) -> None:
            bar.update(len(batch.moved) + len(batch.not_movable))

        moved, refused = migrate_all(actor, key, from_version, batch_size=batch_size, progress=advance)
    click.echo(f"{moved} cases moved to version {run.to_version}, {refused} stay on version {from_version}")


def register_commands(app: Flask) -> None:
    for command in (
        deploy_command,
        seed_demo_command,
        create_user_command,
        import_directory_command,
        import_responsibilities_command,
        load_catalogue_command,
        worker_command,
        retry_failed_jobs_command,
        check_consistency_command,
        migrate_cases_command,
        *ADMIN_COMMANDS,
        *DATA_COMMANDS,
        audit_verify_command,
        export_supervision_command,
        calendar,
    ):
        app.cli.add_command(command)

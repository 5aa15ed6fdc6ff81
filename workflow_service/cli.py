"""``flask`` commands: deploy processes, seed the demo data, create users."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from workflow_service.errors import InvalidProcessDefinition
from workflow_service.extensions import db
from workflow_service.models import Organisation, Role, User
from workflow_service.services.deployment import deploy_folder
from workflow_service.services.passwords import hash_password
from workflow_service.services.seeding import seed_from_file


def _deploy_all() -> None:
    try:
        results = deploy_folder(
            Path(current_app.config["BPMN_FOLDER"]), Path(current_app.config["FORMS_FOLDER"])
        )
    except InvalidProcessDefinition as error:
        raise click.ClickException(f"{error.detail} {error.errors or ''}") from None
    for result in results:
        state = "deployed" if result.created else "unchanged"
        click.echo(f"{result.key} v{result.version}: {state}")


@click.command("deploy")
def deploy_command() -> None:
    """Deploy every BPMN file in bpmn/ with its forms (new version only if changed)."""
    _deploy_all()


@click.command("seed-demo")
@click.option("--file", "path", default=None, help="YAML file (default catalog/dongyang.yaml)")
def seed_demo_command(path: str | None) -> None:
    """Load the demo organisations, users (password: demo) and service items, and deploy processes."""
    source = Path(path) if path else Path(current_app.config["CATALOG_FOLDER"]) / "dongyang.yaml"
    summary = seed_from_file(source, demo_password="demo")  # noqa: S106 - documented demo-only password
    click.echo(
        f"seeded {summary.regions} regions, {summary.organisations} organisations, "
        f"{summary.users} users, {summary.service_items} service items"
    )
    _deploy_all()


@click.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True)
@click.option("--organisation", "organisation_code", required=True, help="organisation code")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.password_option()
def create_user_command(
    username: str, full_name: str, organisation_code: str, roles: tuple[str], password: str
) -> None:
    """Create a staff account."""
    organisation = db.session.execute(
        select(Organisation).where(Organisation.code == organisation_code)
    ).scalar_one_or_none()
    if organisation is None:
        raise click.ClickException(f"no organisation with code {organisation_code}")
    if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise click.ClickException(f"user {username} exists")
    db.session.add(
        User(
            username=username,
            full_name=full_name,
            organisation_id=organisation.id,
            roles=list(roles),
            password_hash=hash_password(password),
        )
    )
    db.session.commit()
    click.echo(f"created {username}")


def register_commands(app: Flask) -> None:
    for command in (deploy_command, seed_demo_command, create_user_command):
        app.cli.add_command(command)

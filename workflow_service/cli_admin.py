"""``flask orgs …``, ``flask users …``, ``flask clients …`` and ``flask create-client``: the admin API's
operations for the operator at the console.

Same service functions as /api/v1/admin, with the operator (no API user) as the actor.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup, with_appcontext

from workflow_service.errors import ServiceError
from workflow_service.extensions import db
from workflow_service.models import ApiClient, Organisation, OrganisationKind, Role, User
from workflow_service.services.directory import accounts, login_protection, organisations
from workflow_service.services.portal import clients as api_clients

orgs = AppGroup("orgs", help="List and create organisations.")
users = AppGroup("users", help="List accounts; set roles, disable, unlock, reset passwords.")
clients = AppGroup(
    "clients", help="API clients (portals, line systems): list, disable, enable, set-scopes, rotate-secret."
)


@contextmanager
def _reported() -> Iterator[None]:
    """A refused operation ends the command with the service's message and field errors, exit code 1."""
    try:
        yield
    except ServiceError as error:
        db.session.rollback()
        lines = [error.detail, *(f"  {field}: {'; '.join(map(str, m))}" for field, m in error.errors.items())]
        raise click.ClickException("\n".join(lines)) from None


def _organisation_line(organisation: Organisation) -> str:
    details = [organisation.kind.value, organisation.region.code]
    if organisation.department_type:
        details.append(organisation.department_type)
    if organisation.office_type:
        details.append(organisation.office_type)
    if organisation.parent:
        details.append(f"parent={organisation.parent.code}")
    if organisation.covered_townships:
        details.append("covers=" + ",".join(sorted(t.code for t in organisation.covered_townships)))
    if not organisation.active:
        details.append("inactive")
    return f"{organisation.code}\t{organisation.name}\t{' '.join(details)}"


def _user_line(user: User) -> str:
    locked = login_protection.locked_until(user) is not None
    flags = [flag for flag, on in (("disabled", not user.active), ("locked", locked)) if on]
    if user.must_change_password:
        flags.append("must-change-password")
    return "\t".join([user.username, user.full_name, user.organisation.code, ",".join(user.roles), *flags])


@orgs.command("list")
@click.option("--kind", type=click.Choice([kind.value for kind in OrganisationKind]))
@click.option("--region", "region_code", help="region code (a county includes its townships)")
def list_organisations_command(kind: str | None, region_code: str | None) -> None:
    """Organisations by code: code, name, kind, region, types, parent, covered townships."""
    with _reported():
        for organisation in organisations.list_organisations(None, kind, region_code):
            click.echo(_organisation_line(organisation))


@orgs.command("create")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice([kind.value for kind in OrganisationKind]))
@click.option("--region", "region_code", required=True, help="township code, or county code for back offices")
@click.option("--department-type", help="departments and stations, e.g. market_regulation")
@click.option("--office-type", help="township offices, e.g. party_government")
@click.option("--parent", "parent_code", help="a station's county department (code)")
@click.option("--covers", "covered", multiple=True, help="a township a station covers (repeat the option)")
def create_organisation_command(
    code: str,
    name: str,
    kind: str,
    region_code: str,
    department_type: str | None,
    office_type: str | None,
    parent_code: str | None,
    covered: tuple[str, ...],
) -> None:
    """Create an organisation (audited)."""
    with _reported():
        organisation = organisations.create_organisation(
            None,
            code=code,
            name=name,
            kind=kind,
            region_code=region_code,
            department_type=department_type,
            office_type=office_type,
            parent_code=parent_code,
            covered_townships=covered,
        )
    click.echo(f"created {_organisation_line(organisation)}")


@users.command("list")
@click.option("--organisation", "organisation_code", help="organisation code")
def list_users_command(organisation_code: str | None) -> None:
    """Accounts by username: username, full name, organisation, roles, and any of disabled / locked."""
    with _reported():
        for user in accounts.list_users(None, organisation_code):
            click.echo(_user_line(user))


@users.command("set-roles")
@click.argument("username")
@click.argument("roles", nargs=-1, required=True, type=click.Choice([role.value for role in Role]))
def set_roles_command(username: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles (claimed tasks of a role taken away go back to the pool)."""
    with _reported():
        user = accounts.update_user(None, username, {"roles": list(roles)})
    click.echo(f"{user.username}: {', '.join(user.roles)}")


@users.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Disable a leaver's account: tokens revoked, claimed open tasks back to the pool."""
    with _reported():
        result = accounts.disable_user(None, username)
    click.echo(
        f"disabled {username}; {result.tasks_released} claimed task(s) returned to the pool, "
        f"{result.delegations_ended} delegation(s) ended"
    )


@users.command("enable")
@click.argument("username")
def enable_command(username: str) -> None:
    """Re-enable a disabled account."""
    with _reported():
        accounts.enable_user(None, username)
    click.echo(f"enabled {username}")


@users.command("unlock")
@click.argument("username")
def unlock_command(username: str) -> None:
    """Lift a lockout after too many failed logins."""
    with _reported():
        accounts.unlock_user(None, username)
    click.echo(f"unlocked {username}")


@users.command("reset-password")
@click.argument("username")
def reset_password_command(username: str) -> None:
    """Print a one-time temporary password; the user must change it at their next login."""
    with _reported():
        reset = accounts.reset_password(None, username)
    click.echo(f"temporary password for {username}: {reset.temporary_password}")
    click.echo("the user must change it before doing anything else")


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _client_line(client: ApiClient) -> str:
    state = "active" if client.active else "disabled"
    return "\t".join(
        [client.client_id, client.name, ",".join(client.scopes), ",".join(client.regions), state]
    )


def _print_secret(issued: api_clients.ClientSecret) -> None:
    click.echo(f"client_id: {issued.client.client_id}")
    click.echo(f"client_secret: {issued.secret}")
    click.echo("the secret is shown this once: only its hash is kept")


@click.command("create-client")
@click.argument("name")
@click.option("--scopes", required=True, help=f"comma-separated, of {','.join(api_clients.SCOPES)}")
@click.option(
    "--regions",
    default="",
    help="comma-separated region codes it may submit for (a county covers its townships)",
)
@with_appcontext
def create_client_command(name: str, scopes: str, regions: str) -> None:
    """Register a portal or line system; prints its client_id and secret, once."""
    with _reported():
        issued = api_clients.create_client(None, name, _codes(scopes), _codes(regions))
    _print_secret(issued)


@clients.command("list")
def list_clients_command() -> None:
    """Clients by name: client_id, name, scopes, regions, state."""
    with _reported():
        for client in api_clients.list_clients(None):
            click.echo(_client_line(client))


@clients.command("disable")
@click.argument("client_id")
def disable_client_command(client_id: str) -> None:
    """Refuse the client from now on; its tokens stop working at once."""
    with _reported():
        client = api_clients.disable_client(None, client_id)
    click.echo(_client_line(client))


@clients.command("enable")
@click.argument("client_id")
def enable_client_command(client_id: str) -> None:
    """Let a disabled client ask for tokens again."""
    with _reported():
        client = api_clients.enable_client(None, client_id)
    click.echo(_client_line(client))


@clients.command("set-scopes")
@click.argument("client_id")
@click.option("--scopes", required=True, help=f"comma-separated, of {','.join(api_clients.SCOPES)}")
def set_client_scopes_command(client_id: str, scopes: str) -> None:
    """Grant the client these scopes instead of its own (e.g. add applications:read-all)."""
    with _reported():
        client = api_clients.set_scopes(None, client_id, _codes(scopes))
    click.echo(_client_line(client))


@clients.command("rotate-secret")
@click.argument("client_id")
def rotate_client_secret_command(client_id: str) -> None:
    """A new secret, printed once; the old one and the client's tokens stop working."""
    with _reported():
        issued = api_clients.rotate_secret(None, client_id)
    _print_secret(issued)


ADMIN_COMMANDS = (orgs, users, clients, create_client_command)

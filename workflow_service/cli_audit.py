"""``flask audit-verify``: walk the audit hash chain and name the first broken link (exit 1)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from workflow_service.services.supervision.audit_chain import chain_length, parse_head, verify_chain


def _head(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    try:
        return parse_head(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("audit-verify")
@with_appcontext
@click.option(
    "--expect-head",
    callback=_head,
    metavar="ID:HASH",
    help="a head written out earlier (the worker's `audit-head id=… hash=…` line): still in the chain?",
)
def audit_verify_command(expect_head: tuple[int, str] | None) -> None:
    """Check every audit row against its hash and its predecessor's; exit 1 at the first broken link."""
    total = chain_length()
    with click.progressbar(length=total, label=f"verifying {total} audit rows", file=sys.stderr) as bar:
        report = verify_chain(progress=bar.update, expect_head=expect_head)
    if report.broken is not None:
        broken = report.broken
        click.echo(
            f"broken: {broken.kind} row {broken.row_id} (after row {broken.after_id}): {broken.detail}",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"intact: {report.rows} rows, head id={report.last_id} hash={report.last_hash}")

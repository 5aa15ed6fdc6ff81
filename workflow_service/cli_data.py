"""Commands for the data's volume: dropping finished cases' workflow state (retention) and loading a
benchmark's worth of cases."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from workflow_service.services.supervision.retention import (
    count_past_retention,
    drop_finished_states,
    retention_cutoff,
)


@click.command("drop-finished-states")
@with_appcontext
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    default=None,
    help="cases that ended this many days ago or more (default: RETENTION_FINISHED_CASE_DAYS)",
)
@click.option("--batch-size", type=click.IntRange(min=1, max=10_000), default=500, show_default=True)
def drop_finished_states_command(older_than_days: int | None, batch_size: int) -> None:
    """Drop the serialized workflow of finished cases past retention; resumable, and a second run
    finds nothing to do. The case rows, tasks, documents and audit rows stay."""
    days = current_app.config["RETENTION_FINISHED_CASE_DAYS"] if older_than_days is None else older_than_days
    cutoff = retention_cutoff(days)
    pending = count_past_retention(cutoff)
    if not pending:
        click.echo(f"no finished case older than {days} days holds a workflow state")
        return
    with click.progressbar(length=pending, label=f"dropping {pending} states") as bar:
        dropped = drop_finished_states(cutoff, batch_size=batch_size, progress=bar.update)
    click.echo(f"dropped the workflow state of {dropped} cases that ended before {cutoff:%Y-%m-%d %H:%M} UTC")


DATA_COMMANDS = (drop_finished_states_command,)

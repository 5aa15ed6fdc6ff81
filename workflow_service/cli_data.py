"""Commands for the data's volume: dropping finished cases' workflow state (retention) and loading a
benchmark's worth of cases."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from workflow_service.services.seed.bulk_cases import NoTemplates, load_cases
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


@click.command("load-cases")
@with_appcontext
@click.option("--cases", "total", type=click.IntRange(min=1), default=1_000_000, show_default=True)
@click.option("--open-tasks", type=click.IntRange(min=0), default=100_000, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1, max=50_000), default=2_000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="the same seed loads the same cases")
def load_cases_command(total: int, open_tasks: int, batch_size: int, seed: int) -> None:
    """Add cases copied from those in the database (run `flask seed-demo` first): for benchmarks at
    scale, never on a production database. Finished copies past retention hold no workflow state."""
    try:
        with click.progressbar(length=total, label=f"loading {total} cases") as bar:
            report = load_cases(
                total,
                open_tasks=open_tasks,
                retention_days=current_app.config["RETENTION_FINISHED_CASE_DAYS"],
                batch_size=batch_size,
                seed=seed,
                progress=bar.update,
            )
    except NoTemplates as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"loaded {report.cases} cases ({report.open_cases} open) with {report.tasks} tasks and "
        f"{report.jobs} jobs, copied from {report.templates} cases"
    )


DATA_COMMANDS = (drop_finished_states_command, load_cases_command)

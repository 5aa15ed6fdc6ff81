"""``flask export-supervision``: write the 电子监察 feed's new records for the province's platform."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from workflow_service.services.supervision.step_records import DEFAULT_FEED, export_records


@click.command("export-supervision")
@with_appcontext
@click.option(
    "--since", type=click.IntRange(min=0), metavar="CURSOR", help="export the records after this cursor"
)
@click.option("--from-last", is_flag=True, help="continue after the cursor the last export reached")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    metavar="DIR",
    help="the folder the files go to (one per table, named by the cursor span)",
)
@click.option("--feed", default=DEFAULT_FEED, show_default=True, help="the name the cursor is stored under")
def export_supervision_command(
    since: int | None, from_last: bool, fmt: str, out_dir: Path, feed: str
) -> None:
    """Write the step, special-procedure and 办结 records after a cursor; print and store its new value."""
    if (since is None) == (not from_last):
        raise click.UsageError("give exactly one of --since CURSOR and --from-last")
    result = export_records(out_dir, fmt, since=since, feed=feed)
    for path in result.files:
        click.echo(f"wrote {path}")
    counts = ", ".join(f"{name} {count}" for name, count in result.counts.items())
    click.echo(f"records after {result.since}: {counts}")
    click.echo(f"cursor={result.cursor}")

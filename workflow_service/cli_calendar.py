"""``flask calendar …``: show, import and correct the working-day calendar from the console.

Same service functions as /api/v1/admin/calendar, with the operator (no API user) as the actor.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import yaml
from flask.cli import AppGroup

from workflow_service.errors import ServiceError
from workflow_service.extensions import db
from workflow_service.services.calendar import holiday_calendar
from workflow_service.services.calendar.holiday_calendar import CalendarChange, YearView

calendar = AppGroup("calendar", help="The working-day calendar: statutory holidays and make-up working days.")

SOURCE_LABELS = {
    "entered": "entered from the official notice",
    "chinesecalendar": "from the chinesecalendar package",
    "weekdays_only": "NOT KNOWN YET: Monday–Friday count as working days",
}


def _fail(error: ServiceError) -> click.ClickException:
    db.session.rollback()
    lines = [error.detail, *(f"  {field}: {'; '.join(map(str, m))}" for field, m in error.errors.items())]
    return click.ClickException("\n".join(lines))


def _echo_year(view: YearView) -> None:
    click.echo(f"{view.year}: {SOURCE_LABELS[view.source_kind]}")
    if view.record is not None:
        published = view.record.published_at.isoformat() if view.record.published_at else "?"
        click.echo(f"  notice: {view.record.source} (published {published})")
    for entry in view.days:
        kind = "working" if entry.is_working else "holiday"
        click.echo(f"  {entry.day.isoformat()} {entry.day.strftime('%a')}  {kind:8} {entry.name}")


def _echo_change(change: CalendarChange) -> None:
    _echo_year(change.view)
    click.echo(f"{change.cases_recomputed} open case(s) got a new due date")


@calendar.command("show")
@click.argument("year", type=int)
def show_command(year: int) -> None:
    """A year's holidays and make-up working days, and where they come from."""
    try:
        _echo_year(holiday_calendar.year_for_console(year))
    except ServiceError as error:
        raise _fail(error) from None


@calendar.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Enter one year's schedule from YAML (see catalog/calendar-2027.example.yaml); replaces that year."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise click.ClickException(f"{path.name}: not valid YAML: {error}") from None
    try:
        schedule = holiday_calendar.schedule_from_document(document)
        change = holiday_calendar.enter_year(None, **schedule)
    except ServiceError as error:
        raise _fail(error) from None
    _echo_change(change)


@calendar.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["working", "holiday"]))
@click.argument("name")
def set_command(day: datetime, kind: str, name: str) -> None:
    """Correct one day, e.g. ``calendar set 2027-02-20 working 春节调休上班``."""
    try:
        change = holiday_calendar.set_day(None, day.date(), kind == "working", name)
    except ServiceError as error:
        raise _fail(error) from None
    _echo_change(change)

"""Demo cases (catalog/demo_cases.yaml): registered and worked once, as the demo users, back in time.

Every case and step goes through the service functions the pages and the API call, with the
service clock set to the moment the file gives, so statuses, due dates and audit trails are
genuine. Steps of all cases run in time order, so the audit table reads forwards in time.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from workflow_service.errors import ServiceError
from workflow_service.extensions import db
from workflow_service.models import Case, Task, TaskState, User
from workflow_service.services.calendar.deadlines import working_calendar
from workflow_service.services.clock import BUSINESS_TIMEZONE, business_day, now
from workflow_service.services.closing import closing, evaluations
from workflow_service.services.intake.cases import CaseRegistration, start_case
from workflow_service.services.materials import attachments
from workflow_service.services.notices.layout import official_page
from workflow_service.services.work import tasks

AT = re.compile(r"^(\d+) (\d{1,2}:\d{2})$")


class DemoCaseFailed(Exception):
    """A demo case the service refused, or a malformed entry; names the case."""


@dataclass(frozen=True)
class DemoCases:
    """What seeding did: how many cases it registered, or how many the database already had."""

    created: int
    existing: int


@dataclass(frozen=True)
class _Move:
    at: datetime
    case: int  # index in the file
    step: Mapping[str, Any] | None  # None: register the case


def _working_days_before(day: date, count: int) -> date:
    calendar = working_calendar()
    while count > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            count -= 1
    return day


def _moment(text: str, today: date) -> datetime:
    """``"3 09:30"``: three working days before ``today`` at 9:30 in Shanghai, in UTC."""
    found = AT.match(str(text))
    if found is None:
        raise DemoCaseFailed(f"at: {text!r} is not '<working days ago> <HH:MM>'")
    day = _working_days_before(today, int(found.group(1)))
    local = datetime.combine(day, time.fromisoformat(found.group(2).zfill(5)), tzinfo=BUSINESS_TIMEZONE)
    return local.astimezone(UTC)


def _filled(value: Any, day: date) -> Any:
    """``value`` with {date}, {month} and {next_month} in its strings replaced for ``day``."""
    if isinstance(value, dict):
        return {key: _filled(item, day) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, day) for item in value]
    if isinstance(value, str) and "{" in value:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        return value.format(date=day.isoformat(), month=f"{day:%Y-%m}", next_month=f"{following:%Y-%m}")
    return value


@contextmanager
def _clock_at(moment: datetime) -> Iterator[None]:
    config = current_app.config
    saved = config.get("CLOCK")
    config["CLOCK"] = lambda: moment
    try:
        yield
    finally:
        config["CLOCK"] = saved


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _open_task(number: str, name: str) -> Task:
    return db.session.execute(
        select(Task)
        .join(Task.case)
        .where(Case.number == number, Task.name == name, Task.state == TaskState.OPEN)
    ).scalar_one()


def _material_pdf(number: str, material: str, day: date) -> FileStorage:
    """A one-page stand-in for the applicant's scan of ``material``, marked as demo data."""
    case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
    content = official_page(
        case,
        material,
        reference=f"演示材料（非真实证件） · {case.number}",
        paragraphs=[f"本页为演示数据，代替申请人提交的“{material}”扫描件。"],
        facts=[("申请人", case.applicant_name), ("事项", case.service_item.name)],
        issuer=case.applicant_name,
        issued_on=day,
    )
    return FileStorage(io.BytesIO(content), filename=f"{material}.pdf", content_type="application/pdf")


def _register(entry: Mapping[str, Any], day: date) -> str:
    registration = CaseRegistration(
        service_code=entry["service"],
        applicant=entry["applicant"],
        data=_filled(entry.get("data") or {}, day),
        matter_township_code=entry.get("matter_township"),
        agent=entry.get("agent"),
    )
    case = start_case(_user(entry["by"]), registration)
    return case.number


def _take_step(step: Mapping[str, Any], number: str, day: date) -> None:
    actor = _user(step["by"])
    if "complete" in step:
        task = _open_task(number, step["complete"])
        tasks.complete_task(actor, task.id, _filled(step.get("data") or {}, day))
    elif "claim" in step:
        tasks.claim_task(actor, _open_task(number, step["claim"]).id)
    elif "upload" in step:
        attachments.upload_attachment(
            actor, number, step["upload"], _material_pdf(number, step["upload"], day)
        )
    elif "evaluate" in step:
        evaluations.evaluate_at_window(actor, number, step["evaluate"], step.get("comment"))
    elif step.get("archive"):
        closing.archive_case(actor, number)
    else:
        raise DemoCaseFailed(f"step without an action: {dict(step)}")


def _moves(entries: list[Mapping[str, Any]], today: date) -> list[_Move]:
    """Every registration and step of every case, in time order (the file's order on ties)."""
    moves = []
    for index, entry in enumerate(entries):
        case_moves = [_Move(_moment(entry["at"], today), index, None)]
        case_moves += [_Move(_moment(step["at"], today), index, step) for step in entry.get("steps") or []]
        if any(later.at < earlier.at for earlier, later in pairwise(case_moves)):
            raise DemoCaseFailed(f"{entry['about']}: its steps are not in time order")
        moves += case_moves
    return sorted(moves, key=lambda move: move.at)  # stable: ties keep the file's order


def seed_demo_cases(path: Path) -> DemoCases:
    """Register and work the file's cases, unless the database has cases already (then nothing)."""
    existing = db.session.execute(select(func.count(Case.id))).scalar_one()
    if existing:
        return DemoCases(created=0, existing=existing)
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    started = now()
    numbers: dict[int, str] = {}
    for move in _moves(entries, business_day(started)):
        entry = entries[move.case]
        moment = min(move.at, started)  # "today" steps never lie in the future
        try:
            with _clock_at(moment):
                day = business_day()
                if move.step is None:
                    numbers[move.case] = _register(entry, day)
                else:
                    _take_step(move.step, numbers[move.case], day)
        except ServiceError as error:
            db.session.rollback()
            raise DemoCaseFailed(f"{entry['about']}: {error.detail} {error.errors or ''}".strip()) from error
    return DemoCases(created=len(numbers), existing=0)

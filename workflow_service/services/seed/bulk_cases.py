"""Load a benchmark's worth of cases (a million and more) by copying the cases already in the database.

The templates are the cases the database holds (``flask seed-demo`` makes one of each kind: every
item, several townships, every stage). Each was registered and worked by the real services and
engine, so its rows are genuine; a copy takes its template's rows with new ids, a new number, a new
applicant and its moments moved in time. Nothing is built by the engine per copy: the serialized
workflow of an open copy is its template's with the task ids replaced, and a finished copy past
retention has none (as ``flask drop-finished-states`` leaves it), only the path its diagram shows.

Copied: the case row (number, applicant, times, due date, status history, application, workflow),
its task rows, and the pending jobs (timers, deadline warnings) of open copies. Not copied: audit
rows, attachments, notices, fees, licences and evaluations: the lists, inboxes and searches the
benchmarks measure read none of them.

Rows go in with multi-row INSERTs of a few thousand at a time, a transaction per batch, so a stopped
load leaves whole cases behind; the case-number counters are raised at the end of each batch.
"""

from __future__ import annotations

import enum
import json
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Enum, Table, func, insert, select, text
from sqlalchemy import case as sql_case
from sqlalchemy.orm import undefer

from workflow_service.database import upsert
from workflow_service.extensions import db
from workflow_service.models import ApplicantKind, AuditEvent, Case, CaseNumberCounter, Job, JobState, Task
from workflow_service.services.clock import now
from workflow_service.services.directory.identity_numbers import (
    credit_code_check_character,
    resident_id_check_character,
)
from workflow_service.services.process.progress import process_runtime

DEFAULT_BATCH = 2_000
# How far back finished copies were submitted, and how recently open ones were.
FINISHED_SPAN_DAYS = 3 * 365
OPEN_SPAN_DAYS = 40

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢楼"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华红建国志文斌玉兰海燕鹏辉云飞佳怡欣宇浩然梓萱子涵"


class NoTemplates(Exception):
    """The database holds no finished or no open case to copy."""


@dataclass(frozen=True)
class LoadReport:
    cases: int
    open_cases: int
    tasks: int
    jobs: int
    templates: int


@dataclass
class _Template:
    case: dict[str, Any]
    tasks: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    passed_elements: list[str]
    finished: bool
    prefix_parts: tuple[str, str]  # county code, item short code of the case number
    region_code: str  # the first six digits of its applicant's resident ID
    open_tasks: int = field(init=False)
    application_json: str = field(init=False)
    history: list[tuple[dict[str, Any], timedelta]] = field(init=False)  # each entry, after submission

    def __post_init__(self) -> None:
        self.open_tasks = sum(1 for task in self.tasks if task["completed_at"] is None)
        self.application_json = json.dumps(self.case["application"], ensure_ascii=False)
        submitted = self.case["submitted_at"]
        self.history = [
            (
                {key: value for key, value in entry.items() if key != "at"},
                datetime.fromisoformat(entry["at"]) - submitted,
            )
            for entry in self.case["status_history"]
        ]


class RawJson(str):
    """A JSON document already serialized: written as it is."""


def _moved(row: dict[str, Any], delta: timedelta) -> dict[str, Any]:
    """``row`` with every moment in it moved by ``delta`` (dates by its whole days)."""
    moved = dict(row)
    for key, value in row.items():
        if isinstance(value, datetime):
            moved[key] = value + delta
        elif isinstance(value, date):
            moved[key] = value + timedelta(days=delta.days)
    return moved


def resident_id(region: str, born: date, serial: int) -> str:
    """A resident ID with a valid check digit (GB 11643)."""
    body = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    return body + resident_id_check_character(body)


def credit_code(region: str, serial: int) -> str:
    """A unified social credit code (GB 32100) of a 个体工商户 in ``region`` with a valid check character."""
    body = f"92{region}{serial % 10**9:09d}"
    return body + credit_code_check_character(body)


def _rows(table: Table, condition: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in db.session.execute(select(table).where(condition))]


def _templates() -> list[_Template]:
    # Only cases the services registered (their audit says so): never a copy of an earlier load.
    registered = select(AuditEvent.case_id).where(AuditEvent.action == "case.started")
    cases = list(
        db.session.execute(
            select(Case)
            .options(undefer(Case.workflow_state))
            .where(Case.id.in_(registered))
            .order_by(Case.id)
        ).scalars()
    )
    runtime = process_runtime()
    templates = []
    for case in cases:
        if case.incident or not case.workflow_state:
            continue  # a case waiting for a fix, or past retention: not a pattern
        definition = case.process_definition
        passed = list(
            runtime.completed_elements(definition.content_hash, definition.spec_json, case.workflow_state)
        )
        county, item_code = case.number.split("-")[:2]
        templates.append(
            _Template(
                case=_rows(Case.__table__, Case.__table__.c.id == case.id)[0],  # type: ignore[arg-type]
                tasks=_rows(Task.__table__, Task.__table__.c.case_id == case.id),  # type: ignore[arg-type]
                jobs=_rows(
                    Job.__table__,  # type: ignore[arg-type]
                    (Job.__table__.c.case_id == case.id) & (Job.__table__.c.state == JobState.PENDING.value),
                ),
                passed_elements=passed,
                finished=case.ended_at is not None,
                prefix_parts=(county, item_code),
                region_code=_region_of(case),
            )
        )
    if not any(t.finished for t in templates) or not any(not t.finished for t in templates):
        raise NoTemplates("需要已办结和在办的办件各至少一件作为模板：请先运行 flask seed-demo")
    return templates


def _region_of(case: Case) -> str:
    """The region code in the applicant's number: ID digits 1–6, credit code characters 3–8."""
    code = case.applicant_id_number
    region = code[2:8] if case.applicant_kind == ApplicantKind.LEGAL_ENTITY else code[:6]
    return region if region.isdigit() else "330783"


class _Copier:
    """Makes the rows of one copy after another; keeps the ids and the case-number serials."""

    def __init__(self, templates: list[_Template], retention_days: int, rng: random.Random) -> None:
        self.templates = templates
        self.rng = rng
        self.moment = now()
        self.retention_cutoff = self.moment - timedelta(days=retention_days)
        self.next_case_id = (
            int(db.session.execute(select(func.coalesce(func.max(Case.id), 0))).scalar_one()) + 1
        )
        self.serials: dict[str, int] = dict(
            db.session.execute(select(CaseNumberCounter.prefix, CaseNumberCounter.last_serial)).all()
        )
        self.touched_prefixes: set[str] = set()
        self.applicants = 0

    def _applicant(self, template: _Template) -> tuple[str, str, str]:
        self.applicants += 1
        name = self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))
        phone = f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"
        if template.case["applicant_kind"] == ApplicantKind.LEGAL_ENTITY.value:
            return f"东阳市{name}商行", credit_code(template.region_code, self.applicants), phone
        born = date(1940, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 65))
        return name, resident_id(template.region_code, born, self.applicants), phone

    def copy(self, template: _Template, submitted_at: datetime) -> tuple[dict, list[dict], list[dict]]:
        source = template.case
        delta = submitted_at - source["submitted_at"]
        case_id = self.next_case_id
        self.next_case_id += 1
        local_day = (submitted_at + timedelta(hours=8)).date()  # the number's date, in Beijing time
        prefix = f"{template.prefix_parts[0]}-{template.prefix_parts[1]}-{local_day:%Y%m%d}"
        serial = self.serials.get(prefix, 0) + 1
        self.serials[prefix] = serial
        self.touched_prefixes.add(prefix)
        name, id_number, phone = self._applicant(template)

        task_ids = {task["id"]: str(uuid.uuid4()) for task in template.tasks}
        ended_at: datetime | None = source["ended_at"] + delta if source["ended_at"] else None
        past_retention = ended_at is not None and ended_at < self.retention_cutoff
        state = None
        if not past_retention:
            state = source["workflow_state"]
            for old, new in task_ids.items():
                state = state.replace(old, new)
        application = RawJson(
            template.application_json.replace(source["applicant_name"], name).replace(
                source["applicant_id_number"], id_number
            )
        )
        history = [{**entry, "at": (submitted_at + offset).isoformat()} for entry, offset in template.history]
        case = {
            **_moved(source, delta),
            "id": case_id,
            "number": f"{prefix}-{serial:04d}",
            "unified_case_code": None,
            "query_password_hash": None,
            "applicant_name": name,
            "applicant_id_number": id_number,
            "applicant_phone": phone,
            "status_history": RawJson(json.dumps(history)),
            "application": application,
            "workflow_state": state,
            "state_dropped_at": ended_at + timedelta(days=30) if ended_at and past_retention else None,
            "passed_elements": template.passed_elements if past_retention else None,
            "duplicate_of": None,
            "version": 1,
        }
        tasks = [
            {**_moved(task, delta), "id": task_ids[task["id"]], "case_id": case_id} for task in template.tasks
        ]
        jobs = []
        if not template.finished:
            for job in template.jobs:
                copied = _moved(job, delta)
                del copied["id"]
                copied["case_id"] = case_id
                copied["task_ref"] = task_ids.get(job["task_ref"], job["task_ref"])
                jobs.append(copied)
        return case, tasks, jobs

    def raise_counters(self) -> None:
        """Move each touched case-number counter past the serials handed out: one statement."""
        if not self.touched_prefixes:
            return
        statement = upsert(CaseNumberCounter)
        statement = statement.on_conflict_do_update(
            index_elements=["prefix"],
            set_={
                "last_serial": sql_case(
                    (
                        statement.excluded.last_serial > CaseNumberCounter.last_serial,
                        statement.excluded.last_serial,
                    ),
                    else_=CaseNumberCounter.last_serial,
                )
            },
        )
        db.session.execute(
            statement,
            [{"prefix": prefix, "last_serial": self.serials[prefix]} for prefix in self.touched_prefixes],
        )
        self.touched_prefixes.clear()


def _copy_rows(table: Table, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` into ``table``: COPY on PostgreSQL, a multi-row INSERT elsewhere."""
    if not rows:
        return
    columns = [column for column in table.columns if column.name in rows[0]]
    as_json = [column.name for column in columns if isinstance(column.type, JSON)]
    if db.session.get_bind().dialect.name != "postgresql":
        for row in rows:
            for name in as_json:
                if isinstance(row[name], RawJson):
                    row[name] = json.loads(row[name])
        db.session.execute(insert(table), rows)
        return
    convert: list[Callable[[Any], Any]] = [
        _json_text
        if isinstance(column.type, JSON)
        else _enum_value
        if isinstance(column.type, Enum)
        else _same
        for column in columns
    ]
    names = [column.name for column in columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    connection = db.session.connection().connection.dbapi_connection
    with connection.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([conversion(row[name]) for conversion, name in zip(convert, names, strict=True)])


def _json_text(value: Any) -> Any:
    return value if value is None or isinstance(value, RawJson) else json.dumps(value, ensure_ascii=False)


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _same(value: Any) -> Any:
    return value


@contextmanager
def _secondary_indexes_set_aside(tables: Sequence[str]) -> Iterator[None]:
    """PostgreSQL: drop the tables' non-unique indexes for the load and build them again after it,
    which is several times faster than keeping them up to date row by row."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    definitions = db.session.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(:tables) AND indexdef NOT LIKE 'CREATE UNIQUE%'"
        ),
        {"tables": list(tables)},
    ).all()
    for name, _ in definitions:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        for _, definition in definitions:
            db.session.execute(text(definition))
        db.session.commit()


def _plan(templates: list[_Template], total: int, open_tasks: int, rng: random.Random) -> Iterator[_Template]:
    """Which template each copy takes: open copies until ``open_tasks`` open tasks, the rest finished,
    shuffled so that every batch holds both kinds."""
    finished = [t for t in templates if t.finished]
    running = [t for t in templates if not t.finished and t.open_tasks]
    mean_open = sum(t.open_tasks for t in running) / len(running)
    open_count = min(total, round(open_tasks / mean_open))
    for index in range(total):
        # Spread the open copies evenly over the load rather than all at its start.
        is_open = (index * open_count) // total != ((index + 1) * open_count) // total
        yield rng.choice(running) if is_open else rng.choice(finished)


def load_cases(
    total: int,
    *,
    open_tasks: int,
    retention_days: int,
    batch_size: int = DEFAULT_BATCH,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Add ``total`` cases copied from the database's own, about ``open_tasks`` of their tasks open."""
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not a secret
    templates = _templates()
    copier = _Copier(templates, retention_days, rng)
    counts = {"cases": 0, "open": 0, "tasks": 0, "jobs": 0}
    cases: list[dict] = []
    tasks: list[dict] = []
    jobs: list[dict] = []

    def flush() -> None:
        _copy_rows(Case.__table__, cases)  # type: ignore[arg-type]
        _copy_rows(Task.__table__, tasks)  # type: ignore[arg-type]
        _copy_rows(Job.__table__, jobs)  # type: ignore[arg-type]
        copier.raise_counters()
        db.session.commit()
        if progress:
            progress(len(cases))
        cases.clear()
        tasks.clear()
        jobs.clear()

    moment = copier.moment
    with _secondary_indexes_set_aside(["case_file", "task", "job"]):
        for template in _plan(templates, total, open_tasks, rng):
            span = OPEN_SPAN_DAYS if not template.finished else FINISHED_SPAN_DAYS
            # Finished copies submitted at least their template's duration ago; open ones recently.
            duration = (template.case["ended_at"] or moment) - template.case["submitted_at"]
            earliest = span * 86_400
            latest = duration.total_seconds() if template.finished else 0
            submitted_at = moment - timedelta(seconds=rng.uniform(latest, max(latest, earliest)))
            case_row, case_tasks, case_jobs = copier.copy(template, submitted_at)
            cases.append(case_row)
            tasks.extend(case_tasks)
            jobs.extend(case_jobs)
            counts["cases"] += 1
            counts["open"] += not template.finished
            counts["tasks"] += len(case_tasks)
            counts["jobs"] += len(case_jobs)
            if len(cases) >= batch_size:
                flush()
        flush()
    if db.engine.dialect.name == "postgresql":
        # The ids were given explicitly: the sequence must move past them. Fresh statistics, as
        # autovacuum would have them later, so that the first queries plan as they will.
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('case_file', 'id'), (SELECT max(id) FROM case_file))")
        )
        db.session.commit()
        # VACUUM too (outside a transaction): it sets the visibility map autovacuum would set
        # later, without which the dashboard's index-only scans visit every row anyway.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) case_file, task, job"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    return LoadReport(
        cases=counts["cases"],
        open_cases=counts["open"],
        tasks=counts["tasks"],
        jobs=counts["jobs"],
        templates=len(templates),
    )

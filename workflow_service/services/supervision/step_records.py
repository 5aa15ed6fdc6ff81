"""The 电子监察 feed: every step of a case kept as a record shaped like the provincial exchange
tables (办理环节, 特别程序, 办结), written with the step, and exported incrementally by a cursor.

Records are written, not derived on export: the listeners below (installed by the app factory,
services.process.status_changes) queue them on the session as steps happen, and a commit hook
inserts them after the audit chain has locked its head row (services.audit), in one multi-row
INSERT. So the rows of one transaction get their ids while it holds the lock every step takes:
ids grow in commit order, and an export that reads ``id > cursor`` never skips a row that commits
later with a smaller id. Each record is written once and never changed; a step that opens a task
writes it 待办 and its completion writes it again 已办, under the same ``step_key`` (the platform
keeps the latest per key).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, SessionTransaction

from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseResult,
    CaseStatus,
    CaseSuspension,
    Organisation,
    RecordKind,
    SupervisionCursor,
    SupervisionRecord,
    Task,
    TimeUnit,
    User,
)
from workflow_service.services.clock import now
from workflow_service.services.closing.case_results import RESULT_LABELS
from workflow_service.services.process.status_changes import AppliedStep, StatusChange
from workflow_service.services.review.suspensions import KIND_LABELS

QUEUE_KEY = "supervision_records"
DEFAULT_FEED = "province"

# The exchange's fields: stable English key → the Chinese term of the provincial tables, per table,
# in column order (docs/supervision-feed.md).
COLUMNS: dict[RecordKind, tuple[tuple[str, str], ...]] = {
    RecordKind.STEP: (
        ("record_id", "记录编号"),
        ("case_number", "办件编号"),
        ("item_code", "事项编码"),
        ("step_key", "环节编号"),
        ("step_name", "环节名称"),
        ("step_type", "环节类型"),
        ("handling_state", "办理状态"),
        ("handler", "处理人"),
        ("handling_unit", "处理单位"),
        ("handling_unit_code", "处理单位编码"),
        ("opinion", "意见"),
        ("promised_limit", "环节承诺时限"),
        ("promised_limit_unit", "环节承诺时限单位"),
        ("step_result", "环节处理结果"),
        ("started_at", "环节开始时间"),
        ("handled_at", "处理时间"),
    ),
    RecordKind.SPECIAL_PROCEDURE: (
        ("record_id", "记录编号"),
        ("case_number", "办件编号"),
        ("item_code", "事项编码"),
        ("procedure_key", "特别程序编号"),
        ("procedure_kind", "特别程序种类"),
        ("procedure_kind_code", "特别程序种类代码"),
        ("started_at", "特别程序开始时间"),
        ("reason", "特别程序启动理由"),
        ("limit_days", "特别程序时限"),
        ("handler", "处理人"),
        ("handling_unit", "处理单位"),
        ("ended_at", "特别程序结束时间"),
        ("result", "特别程序结果"),
        ("applicant_told_at", "告知时间"),
    ),
    RecordKind.COMPLETION: (
        ("record_id", "记录编号"),
        ("case_number", "办件编号"),
        ("item_code", "事项编码"),
        ("result_code", "办结结果代码"),
        ("result_name", "办结结果"),
        ("reason", "办结理由"),
        ("handling_unit", "办结单位"),
        ("handler", "办结人"),
        ("completed_at", "办结时间"),
        ("promised_due_date", "承诺办结日期"),
        ("legal_due_date", "法定办结日期"),
    ),
}
FILE_NAMES = {
    RecordKind.STEP: "step-records",
    RecordKind.SPECIAL_PROCEDURE: "special-procedures",
    RecordKind.COMPLETION: "completions",
}

# Why a special procedure ended otherwise than by resumption (services.closing).
ENDED_NOTES = {"withdrawn": "办件撤回", "voided": "办件作废"}
START, MIDDLE, END = "开始", "中间", "结束"
PENDING, DONE = "待办", "已办"
UNIT_LABELS = {TimeUnit.WORKING_DAY: "工作日", TimeUnit.NATURAL_DAY: "自然日", TimeUnit.HOUR: "小时"}

# 环节处理结果 of a step, by the status it led the case into (the first that names one wins).
STEP_RESULTS: dict[CaseStatus, str] = {
    CaseStatus.NOT_ACCEPTED: "不予受理",
    CaseStatus.PRE_REVIEW_FAILED: "预审不通过",
    CaseStatus.PRE_REVIEWED: "预审通过",
    CaseStatus.SUPPLEMENT: "补齐补正",
    CaseStatus.RETURNED: "退回",
    CaseStatus.APPROVED: "同意",
    CaseStatus.REFUSED: "不同意",
    CaseStatus.ACCEPTED: "受理",
}
# The form fields that hold an official's words (review_opinion, refusal_reason, supplement_note …).
OPINION_FIELDS = ("opinion", "reason", "note")
# Decisions that send a case back a step (审核 退回 to the window), whatever status they reach.
SEND_BACK_VALUES = frozenset({"send_back", "return", "returned", "return_for_supplement"})
# A case entering one of these has just had its result recorded: the 办结 record is written then.
RESULT_STATUSES = frozenset(
    {
        CaseStatus.APPROVED,
        CaseStatus.REFUSED,
        CaseStatus.NOT_ACCEPTED,
        CaseStatus.RETURNED,
        CaseStatus.PRE_REVIEW_FAILED,
        CaseStatus.WITHDRAWN,
    }
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _organisation(organisation_id: int | None) -> Organisation | None:
    # Usually in the session already (routing and authentication loaded it): no statement then.
    return db.session.get(Organisation, organisation_id) if organisation_id is not None else None


def _queue(case: Case, kind: RecordKind, fields: dict[str, Any], at: datetime) -> None:
    queued: list[dict[str, Any]] = db.session.info.setdefault(QUEUE_KEY, [])
    queued.append(
        {"case_id": case.id, "case_number": case.number, "kind": kind, "fields": fields, "created_at": at}
    )


def _opinion(data: Mapping[str, Any] | None) -> str | None:
    """The official's written words in a step's form: its ``*_opinion``, ``*_reason``, ``*_note`` fields."""
    words = [
        value.strip()
        for key, value in (data or {}).items()
        if key.endswith(OPINION_FIELDS) and isinstance(value, str) and value.strip()
    ]
    return "；".join(words) or None


def _accepted_at(case: Case) -> str | None:
    return next(
        (entry["at"] for entry in case.status_history if entry["status"] == CaseStatus.ACCEPTED), None
    )


def _limit(case: Case, task: Task) -> tuple[int, str]:
    """A step before 受理 has the item's 受理时限; one after has the case's 承诺时限, as its due date
    is the case's (services.process.progress)."""
    item = case.service_item
    accepted_at = _accepted_at(case)
    if accepted_at is None or task.created_at < datetime.fromisoformat(accepted_at):
        return (0 if item.instant else item.acceptance_limit_days), UNIT_LABELS[TimeUnit.WORKING_DAY]
    return item.promised_limit_days, UNIT_LABELS[item.promised_limit_unit]


def _step_result(entered: tuple[CaseStatus, ...], data: Mapping[str, Any] | None) -> str | None:
    if any(value in SEND_BACK_VALUES for value in (data or {}).values() if isinstance(value, str)):
        return "退回"
    return next((STEP_RESULTS[status] for status in entered if status in STEP_RESULTS), None)


def _step_fields(
    case: Case,
    *,
    key: str,
    name: str,
    step_type: str,
    state: str,
    handler: User | None,
    unit: Organisation | None,
    opinion: str | None,
    limit: tuple[int | None, str | None],
    result: str | None,
    started_at: datetime | None,
    handled_at: datetime | None,
) -> dict[str, Any]:
    return {
        "case_number": case.number,
        "item_code": case.service_item.code,
        "step_key": key,
        "step_name": name,
        "step_type": step_type,
        "handling_state": state,
        "handler": handler.full_name if handler is not None else None,
        "handling_unit": unit.name if unit is not None else None,
        "handling_unit_code": unit.code if unit is not None else None,
        "opinion": opinion,
        "promised_limit": limit[0],
        "promised_limit_unit": limit[1],
        "step_result": result,
        "started_at": _iso(started_at),
        "handled_at": _iso(handled_at),
    }


def record_step(step: AppliedStep) -> None:
    """Queue the records of an applied step (a step listener installed by the app factory)."""
    case, moment = step.case, now()
    if step.completed is None and CaseStatus.SUBMITTED in step.entered:
        # Registration: the 开始 环节, done by whoever registered it (a portal has no one).
        unit = step.actor.organisation if step.actor else _organisation(case.accepting_organisation_id)
        fields = _step_fields(
            case,
            key=f"{case.number}-申请",
            name="申请",
            step_type=START,
            state=DONE,
            handler=step.actor,
            unit=unit,
            opinion=None,
            limit=(None, None),
            result=None,
            started_at=case.submitted_at or moment,
            handled_at=case.submitted_at or moment,
        )
        _queue(case, RecordKind.STEP, fields, moment)
    if step.completed is not None:
        task = step.completed
        fields = _step_fields(
            case,
            key=task.id,
            name=task.name,
            step_type=END if step.ended else MIDDLE,
            state=DONE,
            handler=step.actor,
            # Who handled it answers for it: the actor's organisation (loaded with the actor).
            unit=step.actor.organisation if step.actor else _organisation(task.organisation_id),
            opinion=_opinion(task.data),
            limit=_limit(case, task),
            result=_step_result(step.entered, task.data),
            started_at=task.created_at,
            handled_at=task.completed_at or moment,
        )
        _queue(case, RecordKind.STEP, fields, moment)
    for task in step.opened:
        fields = _step_fields(
            case,
            key=task.id,
            name=task.name,
            step_type=MIDDLE,
            state=PENDING,
            handler=None,
            unit=task.organisation,  # set by the routing (services.process.progress): no statement
            opinion=None,
            limit=_limit(case, task),
            result=None,
            started_at=task.created_at,
            handled_at=None,
        )
        _queue(case, RecordKind.STEP, fields, moment)


def _completion_fields(case: Case, code: CaseResult, actor: User | None, moment: datetime) -> dict[str, Any]:
    unit = _organisation(case.result_organisation_id)
    return {
        "case_number": case.number,
        "item_code": case.service_item.code,
        "result_code": code.value,
        "result_name": case.result_label or RESULT_LABELS[code],
        "reason": case.result_reason,
        "handling_unit": unit.name if unit is not None else None,
        "handler": actor.full_name if actor is not None else None,
        "completed_at": _iso(case.result_at or moment),
        "promised_due_date": case.due_date.isoformat() if case.due_date else None,
        "legal_due_date": case.legal_due_date.isoformat() if case.legal_due_date else None,
    }


def _suspension_in_session(case: Case, *, opening: bool) -> CaseSuspension | None:
    """The special procedure the request is starting or ending: services.review.suspensions made or
    loaded it in this session, so it is found there without a statement (flushed or not)."""
    rows = [
        row
        for row in (*db.session.new, *db.session.identity_map.values())
        if isinstance(row, CaseSuspension)
        and row.case_id == case.id
        and (row.resumed_at is None and row.ended_note is None) == opening
    ]
    return max(rows, key=lambda row: row.suspended_at, default=None)


def _procedure_fields(case: Case, suspension: CaseSuspension, key: str) -> dict[str, Any]:
    unit = _organisation(suspension.organisation_id)
    handler = db.session.get(User, suspension.suspended_by_id)
    return {
        "case_number": case.number,
        "item_code": case.service_item.code,
        "procedure_key": key,
        "procedure_kind": KIND_LABELS[suspension.kind],
        "procedure_kind_code": suspension.kind.value,
        "started_at": _iso(suspension.suspended_at),
        "reason": suspension.reason,
        "limit_days": suspension.expected_days,
        "handler": handler.full_name if handler is not None else None,
        "handling_unit": unit.name if unit is not None else None,
        "ended_at": _iso(suspension.resumed_at or (now() if suspension.ended_note else None)),
        "result": suspension.result or ENDED_NOTES.get(suspension.ended_note or "", suspension.ended_note),
        "applicant_told_at": _iso(suspension.applicant_told_at),
    }


def record_status_change(change: StatusChange) -> None:
    """Queue the 办结 record of a case reaching its result, and the 特别程序 records of one entering
    or leaving 中止 (a status listener: a withdrawal or a suspension changes the status outside a step)."""
    case = change.case
    if change.after in RESULT_STATUSES and case.result_code is not None:
        fields = _completion_fields(case, case.result_code, change.actor, change.at)
        _queue(case, RecordKind.COMPLETION, fields, change.at)
    if CaseStatus.SUSPENDED not in (change.before, change.after):
        return
    opening = change.after == CaseStatus.SUSPENDED
    suspension = _suspension_in_session(change.case, opening=opening)
    if suspension is None:
        return
    # Named by its start, which both of its records carry (the row may have no id yet).
    key = f"{change.case.number}-特别程序-{suspension.suspended_at.strftime('%Y%m%d%H%M%S')}"
    _queue(
        change.case, RecordKind.SPECIAL_PROCEDURE, _procedure_fields(change.case, suspension, key), change.at
    )
    if opening:
        fields = _step_fields(
            change.case,
            key=key,
            name=f"特别程序（{KIND_LABELS[suspension.kind]}）",
            step_type=MIDDLE,
            state=DONE,
            handler=change.actor,
            unit=_organisation(suspension.organisation_id),
            opinion=suspension.reason,
            limit=(suspension.expected_days, UNIT_LABELS[TimeUnit.WORKING_DAY]),
            result="特别程序",
            started_at=suspension.suspended_at,
            handled_at=suspension.suspended_at,
        )
        _queue(change.case, RecordKind.STEP, fields, change.at)


def _insert_queued(session: Session) -> None:
    # Runs after services.audit's hook (installed before it), which holds the chain's head lock now:
    # the ids these rows get are in commit order (the module docstring).
    # One executemany: the request's records cost one statement, however many its step wrote.
    queued: list[dict[str, Any]] = session.info.pop(QUEUE_KEY, [])
    if queued:
        session.flush()  # the head's move first, as services.audit leaves it pending
        session.execute(insert(SupervisionRecord), queued)


def _forget_queued(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(QUEUE_KEY, None)


def init_app() -> None:
    """Hook the queued records into every session's commit, after the audit chain's hook (once)."""
    session_class = FlaskSession
    if not event.contains(session_class, "before_commit", _insert_queued):
        event.listen(session_class, "before_commit", _insert_queued)
        event.listen(session_class, "after_transaction_end", _forget_queued)


# --- export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the cursor it started after, the one it reached, the files and counts."""

    since: int
    cursor: int
    files: tuple[Path, ...]
    counts: dict[str, int]


def stored_cursor(feed: str = DEFAULT_FEED) -> int:
    """Where the last export of ``feed`` stopped (0 before the first)."""
    row = db.session.get(SupervisionCursor, feed)
    return row.last_id if row is not None else 0


def records_after(cursor: int, batch: int = 1000) -> Iterator[SupervisionRecord]:
    """Every record with an id above ``cursor``, in id order, read in batches."""
    while True:
        rows = (
            db.session.execute(
                select(SupervisionRecord)
                .where(SupervisionRecord.id > cursor)
                .order_by(SupervisionRecord.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        yield from rows
        if len(rows) < batch:
            return
        cursor = rows[-1].id


def exported_row(record: SupervisionRecord) -> dict[str, Any]:
    """A record as the export writes it: its table's English keys in column order."""
    values = {**record.fields, "record_id": record.id}
    return {key: values.get(key) for key, _term in COLUMNS[record.kind]}


def _write(kind: RecordKind, rows: list[dict[str, Any]], fmt: str, path: Path, span: tuple[int, int]) -> None:
    columns = COLUMNS[kind]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:  # the BOM: spreadsheets read UTF-8
            writer = csv.writer(out)
            writer.writerow([term for _key, term in columns])
            writer.writerow([key for key, _term in columns])
            for row in rows:
                writer.writerow(["" if row[key] is None else row[key] for key, _term in columns])
        return
    document = {
        "table": kind.value,
        "since": span[0],
        "cursor": span[1],
        "columns": [{"key": key, "name": term} for key, term in columns],
        "records": rows,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def export_records(
    out_dir: Path, fmt: str, since: int | None = None, feed: str = DEFAULT_FEED
) -> ExportResult:
    """Write every record after ``since`` (the feed's stored cursor when None) to ``out_dir``, one
    file per table named by the cursor span, and store the cursor reached; one transaction."""
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown format {fmt!r}")
    start = stored_cursor(feed) if since is None else since
    grouped: dict[RecordKind, list[dict[str, Any]]] = {kind: [] for kind in COLUMNS}
    reached = start
    for record in records_after(start):
        grouped[record.kind].append(exported_row(record))
        reached = record.id
    files: list[Path] = []
    if reached > start:
        out_dir.mkdir(parents=True, exist_ok=True)
        for kind, rows in grouped.items():
            if rows:
                path = out_dir / f"{FILE_NAMES[kind]}-{start + 1:012d}-{reached:012d}.{fmt}"
                _write(kind, rows, fmt, path, (start, reached))
                files.append(path)
    # The files are written before the cursor moves: a failure in between exports the span again
    # (the platform keeps the latest record per key), it never loses one.
    row = db.session.get(SupervisionCursor, feed)
    if row is None:
        db.session.add(SupervisionCursor(name=feed, last_id=reached, exported_at=now()))
    else:
        row.last_id, row.exported_at = reached, now()
    db.session.commit()
    return ExportResult(start, reached, tuple(files), {FILE_NAMES[k]: len(v) for k, v in grouped.items()})

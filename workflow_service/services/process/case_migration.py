"""Move the running cases of a process version to the next version, in batches, and undo a move.

A case moves when the engine's workflow diff says it is safe (engine.migration): its current tasks
still exist in the new version, in the same lanes, and it waits on no timer. The dry run says which
cases move and why the others cannot; each move is one audited row in ``case_migration`` holding
the workflow as it stood, so the move can be undone while nothing further happened on the case.
Analysts and admins only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, undefer

from workflow_service.errors import Conflict, NotFound, PermissionDenied
from workflow_service.extensions import db
from workflow_service.models import Case, CaseMigration, ProcessDefinition, Task, TaskKind, TaskState, User
from workflow_service.services import audit
from workflow_service.services.clock import now
from workflow_service.services.process.library import EDITORS
from workflow_service.services.process.progress import process_runtime
from workflow_service.services.process.stored_state import running_state

DEFAULT_BATCH = 50
MAX_BATCH = 500
_DENIED = "只有流程管理员和管理员可以迁移办件"


def _require_editor(actor: User) -> None:
    if not any(actor.has_role(role) for role in EDITORS):
        raise PermissionDenied(_DENIED)


class MigrationNotUndoable(Conflict):
    title = "迁移不能撤销：办件已继续办理，或迁移已撤销"
    type_slug = "migration-not-undoable"


@dataclass(frozen=True)
class CaseCheck:
    case: Case
    current_elements: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def movable(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class DryRun:
    key: str
    from_version: int
    to_version: int
    movable: list[CaseCheck]
    not_movable: list[CaseCheck]


@dataclass(frozen=True)
class MovedCase:
    case: Case
    migration: CaseMigration


@dataclass(frozen=True)
class MigrationBatch:
    moved: list[MovedCase]
    not_movable: list[CaseCheck]
    # The id after which the next batch starts; None when this batch reached the last case.
    next_after: int | None
    remaining: int


def _versions(key: str, from_version: int) -> tuple[ProcessDefinition, ProcessDefinition]:
    rows = {
        row.version: row
        for row in db.session.execute(
            select(ProcessDefinition).where(
                ProcessDefinition.key == key, ProcessDefinition.version.in_((from_version, from_version + 1))
            )
        ).scalars()
    }
    if from_version not in rows:
        raise NotFound(f"流程 {key} 没有第 {from_version} 版")
    if from_version + 1 not in rows:
        raise NotFound(f"流程 {key} 没有第 {from_version + 1} 版，无可迁移的目标版本")
    return rows[from_version], rows[from_version + 1]


def _running_cases(
    source: ProcessDefinition, after: int | None = None, limit: int | None = None
) -> list[Case]:
    query = (
        select(Case)
        # The stored workflow is deferred on the case; every case here is restored, so load it at once.
        .options(undefer(Case.workflow_state))
        .where(Case.process_definition_id == source.id, Case.ended_at.is_(None))
        .order_by(Case.id)
    )
    if after is not None:
        query = query.where(Case.id > after)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def _check(case: Case, source: ProcessDefinition, target: ProcessDefinition) -> CaseCheck:
    if case.incident:
        return CaseCheck(case, (), (f"办件处于流程异常：{case.incident}",))
    check = process_runtime().migration_check(
        source.content_hash,
        source.spec_json,
        running_state(case),
        target.content_hash,
        target.spec_json,
        target.version,
    )
    return CaseCheck(case, check.current_elements, check.reasons)


def dry_run(actor: User, key: str, from_version: int) -> DryRun:
    """Which running cases of the version would move to the next one, and why the others cannot."""
    _require_editor(actor)
    source, target = _versions(key, from_version)
    checks = [_check(case, source, target) for case in _running_cases(source)]
    return DryRun(
        key,
        from_version,
        target.version,
        [check for check in checks if check.movable],
        [check for check in checks if not check.movable],
    )


def _open_tasks(case: Case) -> list[Task]:
    return list(
        db.session.execute(
            select(Task).where(
                Task.case_id == case.id, Task.state == TaskState.OPEN, Task.kind == TaskKind.WORKFLOW
            )
        ).scalars()
    )


def _move(actor: User, case: Case, source: ProcessDefinition, target: ProcessDefinition) -> CaseMigration:
    previous_state = running_state(case)
    result = process_runtime().migrate(
        source.content_hash,
        source.spec_json,
        previous_state,
        target.content_hash,
        target.spec_json,
        target.version,
    )
    ready = {task.id: task for task in result.ready_tasks}
    previous_tasks = {}
    for row in _open_tasks(case):
        previous_tasks[row.id] = {"name": row.name, "form_key": row.form_key}
        new = ready.get(row.id)
        # The same task in the same lane (the check made sure): its organisation stays; its name and
        # form are the new version's.
        if new is not None:
            row.name, row.form_key = new.name, new.form_key
    case.workflow_state = result.state
    case.process_definition_id = target.id
    db.session.flush()  # raises the case's row version (optimistic lock), which undo compares
    migration = CaseMigration(
        case_id=case.id,
        from_definition_id=source.id,
        to_definition_id=target.id,
        previous_state=previous_state,
        previous_tasks=previous_tasks,
        case_version_after=case.version,
        migrated_at=now(),
        migrated_by_id=actor.id,
    )
    db.session.add(migration)
    db.session.flush()
    audit.record(
        "case.migrated",
        actor,
        case=case,
        summary={
            "process": source.key,
            "from_version": source.version,
            "to_version": target.version,
            "migration": migration.id,
        },
    )
    return migration


def migrate_batch(
    actor: User, key: str, from_version: int, *, after: int | None = None, limit: int = DEFAULT_BATCH
) -> MigrationBatch:
    """Move the next ``limit`` running cases (by id, after ``after``) that can move; one transaction."""
    _require_editor(actor)
    source, target = _versions(key, from_version)
    limit = max(1, min(limit, MAX_BATCH))
    cases = _running_cases(source, after, limit + 1)
    batch, more = cases[:limit], len(cases) > limit
    moved, refused = [], []
    for case in batch:
        check = _check(case, source, target)
        if check.movable:
            moved.append(MovedCase(case, _move(actor, case, source, target)))
        else:
            refused.append(check)
    next_after = batch[-1].id if more and batch else None
    remaining = 0
    if next_after is not None:
        remaining = db.session.execute(
            select(func.count(Case.id)).where(
                Case.process_definition_id == source.id, Case.ended_at.is_(None), Case.id > next_after
            )
        ).scalar_one()
    db.session.commit()
    return MigrationBatch(moved, refused, next_after, remaining)


def migrate_all(
    actor: User,
    key: str,
    from_version: int,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[MigrationBatch], None] | None = None,
) -> tuple[int, int]:
    """Every batch in turn (the CLI); how many cases moved and how many could not."""
    after, moved, refused = None, 0, 0
    while True:
        batch = migrate_batch(actor, key, from_version, after=after, limit=batch_size)
        moved, refused = moved + len(batch.moved), refused + len(batch.not_movable)
        if progress is not None:
            progress(batch)
        if batch.next_after is None:
            return moved, refused
        after = batch.next_after


def migrations_of(actor: User, key: str, from_version: int) -> list[CaseMigration]:
    """The moves from this version that stand (not undone), newest first, with their cases."""
    _require_editor(actor)
    source, _target = _versions(key, from_version)
    return list(
        db.session.execute(
            select(CaseMigration)
            .options(joinedload(CaseMigration.case))
            .where(CaseMigration.from_definition_id == source.id, CaseMigration.undone_at.is_(None))
            .order_by(CaseMigration.id.desc())
        ).scalars()
    )


def undo_migration(actor: User, migration_id: int) -> CaseMigration:
    """Put the case back on the version and state it had; 409 once anything happened on it since."""
    _require_editor(actor)
    migration = db.session.execute(
        select(CaseMigration)
        .options(joinedload(CaseMigration.case), joinedload(CaseMigration.from_definition))
        .where(CaseMigration.id == migration_id)
        .with_for_update(of=CaseMigration)
    ).scalar_one_or_none()
    if migration is None:
        raise NotFound(f"没有编号为 {migration_id} 的迁移记录")
    case = migration.case
    if migration.undone_at is not None:
        raise MigrationNotUndoable(f"办件 {case.number} 的这次迁移已于 {migration.undone_at} 撤销")
    if (
        case.version != migration.case_version_after
        or case.process_definition_id != migration.to_definition_id
    ):
        raise MigrationNotUndoable(f"办件 {case.number} 在迁移后已继续办理，不能撤销迁移")
    for row in _open_tasks(case):
        before = migration.previous_tasks.get(row.id)
        if before is not None:
            row.name, row.form_key = before["name"], before["form_key"]
    case.workflow_state = migration.previous_state
    case.process_definition_id = migration.from_definition_id
    migration.undone_at = now()
    migration.undone_by_id = actor.id
    audit.record(
        "case.migration_undone",
        actor,
        case=case,
        summary={
            "process": migration.from_definition.key,
            "version": migration.from_definition.version,
            "migration": migration.id,
        },
    )
    db.session.commit()
    return migration


def migrating_user(username: str) -> User:
    """The account a command-line migration runs as (audited as theirs); 404 when there is none."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    _require_editor(user)
    return user

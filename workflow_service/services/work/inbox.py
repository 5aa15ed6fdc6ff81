"""The inbox: the open tasks that are a user's to work, a page at a time, and the header's figures.

A task claimed by a user whose delegation to the caller is in force (services.directory.delegations)
is in the caller's inbox too. Pages are keyset-paginated and every figure is capped, so a large
organisation's inbox costs what a small one's does (bench/inbox_pages.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, tuple_
from sqlalchemy.orm import contains_eager, joinedload

from workflow_service.errors import InvalidInput
from workflow_service.extensions import db
from workflow_service.models import Case, CaseStatus, Region, ServiceItem, Task, TaskState, User
from workflow_service.services.calendar.case_clock import PAUSING
from workflow_service.services.calendar.deadlines import working_calendar
from workflow_service.services.clock import business_day
from workflow_service.services.directory import delegations

MAX_PAGE = 200
COUNT_CAP = 999  # inbox figures beyond this show as "999+"


Claimed = Literal["all", "mine", "unclaimed"]


@dataclass(frozen=True)
class InboxPage:
    """One page of an inbox; ``next_cursor`` continues after its last task (None on the last page)."""

    tasks: list[Task]
    next_cursor: str | None


@dataclass(frozen=True)
class InboxCounts:
    """The header's figures: claimed, waiting unclaimed, arrived since ``seen_since``, due soon or overdue."""

    mine: int
    unclaimed: int
    new: int
    due_soon: int

    @property
    def total(self) -> int:
        return self.mine + self.unclaimed


def _encode_cursor(task: Task) -> str:
    key = [task.due_date.isoformat() if task.due_date else None, task.created_at.isoformat(), task.id]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


@dataclass(frozen=True)
class _Cursor:
    due_date: date | None
    created_at: datetime
    task_id: str


def _decode_cursor(cursor: str) -> _Cursor:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        due = date.fromisoformat(raw[0]) if raw[0] is not None else None
        return _Cursor(due, datetime.fromisoformat(raw[1]), str(raw[2]))
    except (binascii.Error, ValueError, TypeError, IndexError, KeyError):
        raise InvalidInput(
            "翻页游标无效", errors={"cursor": ["无效的翻页游标，请从第一页重新开始"]}
        ) from None


def _inbox_query(
    actor: User, claimed: Claimed, claimants: Sequence[int] | None = None, *, with_case: bool = True
) -> Select[Any]:
    """Open tasks routed to the actor's organisation and roles that are theirs to see in the inbox.

    ``claimants``: the actor and those whose delegation to them is in force (read when not given);
    ``with_case``: joined to the task's case, for filters and loads that need it."""
    if claimants is None:
        claimants = [actor.id, *delegations.delegators_in_force(actor)]
    mine = Task.assignee_id.in_(claimants)
    unclaimed = Task.assignee_id.is_(None)
    who = {"all": or_(unclaimed, mine), "mine": mine, "unclaimed": unclaimed}[claimed]
    query = select(Task).where(
        Task.organisation_id == actor.organisation_id,
        Task.role.in_(actor.roles),
        Task.state == TaskState.OPEN,
        who,
    )
    return query.join(Task.case) if with_case else query


def _narrowed(
    query: Select[Any],
    service_code: str | None,
    statuses: Sequence[CaseStatus],
    township_code: str | None,
    due_soon: bool,
) -> Select[Any]:
    """An inbox query narrowed by the inbox's filters."""
    if service_code:
        query = query.where(
            Case.service_item_id.in_(select(ServiceItem.id).where(ServiceItem.code == service_code))
        )
    if statuses:
        query = query.where(Case.status.in_(list(statuses)))
    if township_code:
        query = query.where(Case.matter_region_id.in_(select(Region.id).where(Region.code == township_code)))
    if due_soon:
        query = query.where(due_soon_clause())
    return query


def count_arrived(
    actor: User,
    since: datetime,
    *,
    claimed: Claimed = "all",
    service_code: str | None = None,
    statuses: Sequence[CaseStatus] = (),
    township_code: str | None = None,
    due_soon: bool = False,
) -> int:
    """How many tasks of an inbox view (same filters as ``inbox_page``) arrived after ``since``:
    what an open inbox page polls for, to offer a refresh instead of moving rows under the mouse.
    Counted up to ``COUNT_CAP + 1``, like the header's figures."""
    query = _narrowed(_inbox_query(actor, claimed), service_code, statuses, township_code, due_soon)
    return int(db.session.execute(select(_capped_count(query.where(Task.created_at > since)))).scalar_one())


def inbox_page(
    actor: User,
    *,
    limit: int = 50,
    cursor: str | None = None,
    claimed: Claimed = "all",
    service_code: str | None = None,
    statuses: Sequence[CaseStatus] = (),
    township_code: str | None = None,
    due_soon: bool = False,
) -> InboxPage:
    """A page of the actor's inbox, due first (so overdue first), keyset-paginated by ``cursor``.

    The inbox holds open tasks routed to the actor's organisation and roles, unclaimed or claimed
    by them, and those claimed by users who delegated their work to the actor while that is in
    force. ``claimed`` narrows it to the actor's own or to the organisation's unclaimed ones;
    ``due_soon`` to the tasks whose due date shows yellow or red.
    """
    size = max(1, min(limit, MAX_PAGE))
    query = _inbox_query(actor, claimed).options(
        contains_eager(Task.case).joinedload(Case.service_item),
        joinedload(Task.assignee),
    )
    query = _narrowed(query, service_code, statuses, township_code, due_soon)
    after = _decode_cursor(cursor) if cursor else None
    # Keyset pages: a row comparison the inbox index (organisation, role, state, due date, created)
    # can seek to, so the 2,000th page costs what the first does. Tasks without a due date come
    # after all dated ones, read by a second query of the same kind once the dated ones run out.
    rows: list[Task] = []
    if after is None or after.due_date is not None:
        key = (Task.due_date, Task.created_at, Task.id)
        dated = query.where(Task.due_date.is_not(None))
        if after is not None:
            dated = dated.where(tuple_(*key) > (after.due_date, after.created_at, after.task_id))
        rows = list(db.session.execute(dated.order_by(*key).limit(size + 1)).unique().scalars())
    if len(rows) <= size:
        undated = query.where(Task.due_date.is_(None))
        if after is not None and after.due_date is None:
            undated = undated.where(tuple_(Task.created_at, Task.id) > (after.created_at, after.task_id))
        more = size + 1 - len(rows)
        rows += db.session.execute(undated.order_by(Task.created_at, Task.id).limit(more)).unique().scalars()
    page = rows[:size]
    return InboxPage(tasks=page, next_cursor=_encode_cursor(page[-1]) if len(rows) > size else None)


def due_soon_clause() -> ColumnElement[bool]:
    """Open tasks whose due date shows yellow or red: within their item's warning days, or past.

    The warning days differ per item, so each distinct value gets its own threshold date; tasks of
    cases whose clock stands still (补正, 中止) are not counted, as their badge shows "paused".
    """
    calendar, today = working_calendar(), business_day()
    warning_days = db.session.execute(select(ServiceItem.warning_days).distinct()).scalars().all()
    by_item = [
        and_(ServiceItem.warning_days == days, Task.due_date <= calendar.add_working_days(today, days))
        for days in warning_days
    ]
    return and_(
        Task.due_date.is_not(None),
        Case.status.not_in(list(PAUSING)),
        Case.service_item_id.in_(select(ServiceItem.id).where(or_(false(), *by_item))),
    )


def _capped_count(query: Select[Any]) -> Any:
    """How many rows the inbox query holds, reading no more than ``COUNT_CAP + 1`` of them: as a
    scalar subquery, so that several figures are one statement."""
    limited = query.with_only_columns(Task.id).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(limited).scalar_subquery()


# What the header's figures cost: the delegations in force, the items' warning days, the figures.
INBOX_COUNT_STATEMENTS = 3


def inbox_counts(actor: User, seen_since: datetime | None = None) -> InboxCounts:
    """The actor's inbox in figures: their claimed tasks, the organisation's unclaimed ones, how many
    of those arrived after ``seen_since`` (when they last opened the inbox), and how many of all of
    them are due soon or overdue.

    Every page's header shows these, so each figure stops at ``COUNT_CAP + 1`` (shown as "999+"):
    an organisation with 100,000 open tasks costs what one with a thousand does. The four are one
    statement; only the due-soon figure needs the tasks' cases.
    """
    claimants = [actor.id, *delegations.delegators_in_force(actor)]
    arrived = _inbox_query(actor, "unclaimed", claimants, with_case=False)
    if seen_since is not None:
        arrived = arrived.where(Task.created_at > seen_since)
    figures = db.session.execute(
        select(
            _capped_count(_inbox_query(actor, "mine", claimants, with_case=False)),
            _capped_count(_inbox_query(actor, "unclaimed", claimants, with_case=False)),
            _capped_count(arrived),
            _capped_count(_inbox_query(actor, "all", claimants).where(due_soon_clause())),
        )
    ).one()
    mine, unclaimed, new, due_soon = (int(figure) for figure in figures)
    return InboxCounts(mine=mine, unclaimed=unclaimed, new=new, due_soon=due_soon)

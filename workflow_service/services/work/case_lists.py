"""Find cases within the caller's scope: the header's search box and a window's own case list."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import joinedload

from workflow_service.extensions import db
from workflow_service.models import Case, CaseStatus, ServiceItem, User
from workflow_service.services.directory.scope import visible_cases

SEARCH_LIMIT = 50
WINDOW_LIST_LIMIT = 100
_DIGITS = re.compile(r"^[0-9-]+$")


def _matches(text: str) -> ColumnElement[bool]:
    """Case number, resident ID / credit code and phone match exactly; a name also by its beginning."""
    clauses: list[ColumnElement[bool]] = [
        Case.number == text.upper(),
        Case.applicant_id_number == text.upper(),
    ]
    if _DIGITS.match(text):
        clauses.append(Case.applicant_phone == text)
    elif len(text) >= 2:
        # The beginning covers the whole name too; one LIKE the name index seeks to (an equality
        # beside it would not use SQLite's NOCASE index, and the OR would scan the table).
        clauses.append(Case.applicant_name.startswith(text, autoescape=True))
    else:
        clauses.append(Case.applicant_name == text)
    return or_(*clauses)


def find_cases(actor: User, text: str) -> list[Case]:
    """Cases the actor may see whose number, applicant ID, phone or name matches ``text``; newest first."""
    text = text.strip()
    if not text:
        return []
    query = (
        select(Case)
        .options(joinedload(Case.service_item), joinedload(Case.accepting_organisation))
        .where(_matches(text), visible_cases(actor))
        .order_by(Case.submitted_at.desc(), Case.id.desc())
        .limit(SEARCH_LIMIT)
    )
    return list(db.session.execute(query).scalars())


def window_cases(
    actor: User, *, statuses: Sequence[CaseStatus] = (), service_code: str | None = None
) -> list[Case]:
    """The latest cases accepted at the actor's own organisation (a township window), newest first."""
    query = (
        select(Case)
        .options(joinedload(Case.service_item))
        .where(Case.accepting_organisation_id == actor.organisation_id, visible_cases(actor))
        .order_by(Case.submitted_at.desc(), Case.id.desc())
        .limit(WINDOW_LIST_LIMIT)
    )
    if statuses:
        query = query.where(Case.status.in_(list(statuses)))
    if service_code:
        query = query.where(
            Case.service_item_id.in_(select(ServiceItem.id).where(ServiceItem.code == service_code))
        )
    return list(db.session.execute(query).scalars())

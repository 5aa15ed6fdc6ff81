"""Read the audit trail of administration: the recent events about one account, organisation or year."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from workflow_service.extensions import db
from workflow_service.models import AuditEvent, User
from workflow_service.services.directory.permissions import MAINTAIN_CALENDAR, require_admin

RECENT = 30
CALENDAR_ACTIONS = ("calendar.day_set", "calendar.day_cleared", "calendar.year_entered")


def _recent(condition: object, limit: int) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent).where(condition).order_by(AuditEvent.id.desc()).limit(limit)  # type: ignore[arg-type]
        ).scalars()
    )


def about_user(actor: User | None, username: str, limit: int = RECENT) -> list[AuditEvent]:
    """Newest first: changes to the account, its logins and lockouts, its delegations, tasks it lost."""
    require_admin(actor)
    summary = AuditEvent.summary
    return _recent(
        or_(
            and_(
                or_(AuditEvent.action.startswith("user."), AuditEvent.action.startswith("auth.")),
                summary["username"].as_string() == username,
            ),
            and_(
                AuditEvent.action.startswith("delegation."),
                or_(
                    summary["delegator"].as_string() == username,
                    summary["delegate"].as_string() == username,
                ),
            ),
            and_(AuditEvent.action == "task.released", summary["from"].as_string() == username),
            and_(AuditEvent.action == "auth.session_started", AuditEvent.actor_username == username),
        ),
        limit,
    )


def about_organisation(actor: User | None, code: str, limit: int = RECENT) -> list[AuditEvent]:
    """Newest first: the organisation's creation and changes."""
    require_admin(actor)
    return _recent(
        and_(AuditEvent.action.startswith("organisation."), AuditEvent.summary["code"].as_string() == code),
        limit,
    )


def about_calendar_year(actor: User | None, year: int, limit: int = RECENT) -> list[AuditEvent]:
    """Newest first: the year's schedule entered, and its days set or removed."""
    require_admin(actor, MAINTAIN_CALENDAR)
    summary = AuditEvent.summary
    return _recent(
        and_(
            AuditEvent.action.in_(CALENDAR_ACTIONS),
            or_(summary["year"].as_integer() == year, summary["day"].as_string().startswith(f"{year}-")),
        ),
        limit,
    )

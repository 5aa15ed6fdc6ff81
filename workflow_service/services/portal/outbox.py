"""The transactional outbox: an event row for every status change of a case, written with the change.

Every change gets its row, whether or not anyone listens (one INSERT): which client hears of it is
decided later, when the worker hands the event to the notification channels
(services.portal.notification_channels), so a subscription made after the change still sees the
cases' later events and the request pays no look-up of subscriptions.
"""

from __future__ import annotations

import uuid

from workflow_service.extensions import db
from workflow_service.models import CaseStatus, EventKind, OutboxEvent
from workflow_service.services.process.case_status import STATUS_LABELS
from workflow_service.services.process.status_changes import StatusChange

# The statuses that issue a notice to the applicant (services.notices.documents) and the 办结 ones,
# whose result now waits for 出件.
NOTICE_STATUSES = frozenset(
    {
        CaseStatus.ACCEPTED,
        CaseStatus.NOT_ACCEPTED,
        CaseStatus.RETURNED,
        CaseStatus.SUPPLEMENT,
        CaseStatus.PRE_REVIEW_FAILED,
    }
)
RESULT_STATUSES = frozenset({CaseStatus.APPROVED, CaseStatus.REFUSED})


def event_kind(status: CaseStatus) -> EventKind:
    """The kind of the event a case entering ``status`` makes."""
    if status in RESULT_STATUSES:
        return EventKind.RESULT_READY
    if status in NOTICE_STATUSES:
        return EventKind.NOTICE_ISSUED
    return EventKind.STATUS_CHANGED


def record_status_change(change: StatusChange) -> OutboxEvent:
    """Add the change's event to the current transaction (a status listener, installed by the app)."""
    event_id = str(uuid.uuid4())
    kind = event_kind(change.after)
    event = OutboxEvent(
        event_id=event_id,
        case=change.case,
        case_number=change.case.number,
        sequence=change.sequence,
        kind=kind,
        payload={
            "event_id": event_id,
            "kind": kind.value,
            "case_number": change.case.number,
            "sequence": change.sequence,
            "old_status": change.before.value if change.before else None,
            "new_status": change.after.value,
            "new_status_label": STATUS_LABELS[change.after],
            "at": change.at.isoformat(),
        },
        created_at=change.at,
    )
    db.session.add(event)
    return event

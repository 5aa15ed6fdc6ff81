"""好差评: the applicant evaluates a case once; a bad evaluation opens a rectification task (整改).

The applicant evaluates with the case number and query password (the public look-up's check,
services.notices.tracking.authenticated_case, with its rate limit), or a window clerk of the accepting
window enters it on their behalf. A case is evaluated once it has a 办结 result. 不满意 and 非常不满意
need a comment and open a rectification task for the organisation that decided (else the
accepting window): a row in the task table of kind ``rectification``, outside the workflow, in
that organisation's inbox, completed with a rectification note through the usual complete endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from workflow_service.database import rows_changed
from workflow_service.errors import Conflict, InvalidInput, PermissionDenied, TaskNotOpen
from workflow_service.extensions import db
from workflow_service.models import (
    Case,
    CaseEvaluation,
    EvaluationChannel,
    Organisation,
    Rating,
    Role,
    Task,
    TaskKind,
    TaskState,
    User,
)
from workflow_service.services import audit
from workflow_service.services.calendar.deadlines import add_working_days
from workflow_service.services.clock import business_day, now
from workflow_service.services.directory.routing import LANE_ROLES, registering_lane
from workflow_service.services.directory.scope import get_visible_case
from workflow_service.services.notices.tracking import authenticated_case
from workflow_service.services.process import deadline_warnings
from workflow_service.services.process.form_fields import APPLICANT_CONTACTED, RECTIFICATION_NOTE
from workflow_service.services.process.forms import validate_form

RATING_LABELS = {
    Rating.VERY_SATISFIED: "非常满意",
    Rating.SATISFIED: "满意",
    Rating.BASICALLY_SATISFIED: "基本满意",
    Rating.DISSATISFIED: "不满意",
    Rating.VERY_DISSATISFIED: "非常不满意",
}
BAD_RATINGS = frozenset({Rating.DISSATISFIED, Rating.VERY_DISSATISFIED})
RECTIFICATION_TASK_NAME = "差评整改"
RECTIFICATION_FORM: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": RECTIFICATION_TASK_NAME,
    "description": "申请人对办件作出不满意评价：核实情况、整改并回访申请人，填写整改情况。",
    "type": "object",
    "required": [RECTIFICATION_NOTE.name],
    "properties": {
        RECTIFICATION_NOTE.name: {
            "type": RECTIFICATION_NOTE.type,
            "title": RECTIFICATION_NOTE.title,
            "minLength": 4,
            "maxLength": 2000,
        },
        APPLICANT_CONTACTED.name: {"type": APPLICANT_CONTACTED.type, "title": APPLICANT_CONTACTED.title},
    },
    "additionalProperties": False,
}


class NotYetEvaluable(Conflict):
    title = "办件办结后方可评价"
    type_slug = "not-yet-evaluable"


class AlreadyEvaluated(Conflict):
    title = "该办件已评价"
    type_slug = "already-evaluated"


def case_evaluation(case: Case) -> CaseEvaluation | None:
    return db.session.execute(
        select(CaseEvaluation).where(CaseEvaluation.case_id == case.id)
    ).scalar_one_or_none()


def _handling_organisation(case: Case) -> tuple[Organisation, Role, str]:
    """Who rectifies: the organisation that decided, in the role it decided in; else the accepting window."""
    if case.result_organisation is not None:
        deciding = db.session.execute(
            select(Task)
            .where(
                Task.case_id == case.id,
                Task.kind == TaskKind.WORKFLOW,
                Task.state == TaskState.COMPLETED,
                Task.organisation_id == case.result_organisation_id,
            )
            .order_by(Task.completed_at.desc(), Task.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if deciding is not None:
            return case.result_organisation, Role(deciding.role), deciding.lane
    lane = registering_lane(case.channel)
    return case.accepting_organisation, LANE_ROLES[lane], lane


def _open_rectification(case: Case, evaluation: CaseEvaluation, actor: User | None) -> Task:
    organisation, role, lane = _handling_organisation(case)
    task = Task(
        id=str(uuid.uuid4()),
        kind=TaskKind.RECTIFICATION,
        case_id=case.id,
        bpmn_id="rectification",
        name=RECTIFICATION_TASK_NAME,
        lane=lane,
        form_key=None,
        organisation_id=organisation.id,
        role=role.value,
        state=TaskState.OPEN,
        due_date=add_working_days(business_day(), current_app.config["RECTIFICATION_WORKING_DAYS"]),
        created_at=now(),
    )
    db.session.add(task)
    db.session.flush()
    evaluation.rectification_task_id = task.id
    audit.record(
        "rectification.opened",
        actor,
        case=case,
        task_id=task.id,
        summary={
            "rating": evaluation.rating.value,
            "organisation": organisation.code,
            "due_date": task.due_date.isoformat() if task.due_date else None,
        },
    )
    deadline_warnings.sync_warning_jobs(case)  # the worker warns when the rectification runs late
    return task


def _evaluate(
    case: Case, rating: str, comment: str | None, channel: EvaluationChannel, actor: User | None
) -> CaseEvaluation:
    if case.result_code is None:
        raise NotYetEvaluable(f"办件 {case.number} 尚未办结，办结后方可评价")
    if case_evaluation(case) is not None:
        raise AlreadyEvaluated(f"办件 {case.number} 已评价，每件只能评价一次")
    try:
        chosen = Rating(rating)
    except ValueError:
        raise InvalidInput(
            "评价等级有误", errors={"rating": [f"须为 {' / '.join(r.value for r in Rating)}"]}
        ) from None
    text = (comment or "").strip() or None
    if chosen in BAD_RATINGS and text is None:
        raise InvalidInput("请写明不满意的原因", errors={"comment": ["不满意的评价须写明原因，以便整改"]})
    evaluation = CaseEvaluation(
        case_id=case.id,
        rating=chosen,
        comment=text,
        channel=channel,
        entered_by_id=actor.id if actor else None,
        evaluated_at=now(),
    )
    db.session.add(evaluation)
    audit.record(
        "case.evaluated",
        actor,
        case=case,
        summary={
            "rating": chosen.value,
            "label": RATING_LABELS[chosen],
            "comment": text,
            "channel": channel.value,
        },
    )
    if chosen in BAD_RATINGS:
        _open_rectification(case, evaluation, actor)
    try:
        db.session.commit()
    except IntegrityError:  # another evaluation of the case committed first
        db.session.rollback()
        raise AlreadyEvaluated(f"办件 {case.number} 已评价，每件只能评价一次") from None
    return evaluation


def evaluate_publicly(
    number: str, password: str, client_address: str | None, rating: str, comment: str | None
) -> CaseEvaluation:
    """The applicant's evaluation, authenticated like the public look-up (404 and 429 alike)."""
    case = authenticated_case(number, password, client_address)
    return _evaluate(case, rating, comment, EvaluationChannel.PUBLIC, None)


def evaluate_online(case: Case, rating: str, comment: str | None) -> CaseEvaluation:
    """The applicant's evaluation through the portal that submitted the case (its client checked)."""
    return _evaluate(case, rating, comment, EvaluationChannel.PUBLIC, None)


def evaluate_at_window(actor: User, number: str, rating: str | None, comment: str | None) -> CaseEvaluation:
    """A clerk of the accepting window enters the applicant's evaluation on their behalf."""
    case = get_visible_case(actor, number)
    if not actor.has_role(Role.CLERK) or actor.organisation_id != case.accepting_organisation_id:
        raise PermissionDenied("只有受理该办件的窗口人员可以代申请人评价")
    return _evaluate(case, rating or "", comment, EvaluationChannel.WINDOW, actor)


def complete_rectification(
    actor: User, task: Task, data: Mapping[str, Any], on_behalf_of: User | None
) -> Task:
    """Close a rectification task with its note (tasks.complete_task sends these here); no engine involved."""
    validate_form(RECTIFICATION_FORM, data, prefix="data")
    moment = now()
    values: dict[str, Any] = {
        "state": TaskState.COMPLETED,
        "completed_at": moment,
        "completed_by_id": actor.id,
        "data": dict(data),
    }
    if on_behalf_of is None:
        values["assignee_id"] = actor.id
    else:
        values["completed_on_behalf_of_id"] = on_behalf_of.id
    # Conditional on the task still being open: of two completions at once exactly one wins.
    completed = rows_changed(
        update(Task)
        .where(Task.id == task.id, Task.state == TaskState.OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not completed:
        db.session.rollback()
        raise TaskNotOpen()
    db.session.refresh(task)
    summary: dict[str, Any] = {"task": task.name, **data}
    if on_behalf_of is not None:
        summary["on_behalf_of"] = on_behalf_of.username
    audit.record("task.completed", actor, case=task.case, task_id=task.id, summary=summary)
    audit.record(
        "evaluation.rectified",
        actor,
        case=task.case,
        task_id=task.id,
        summary={"note": RECTIFICATION_NOTE.get(data)},
    )
    deadline_warnings.sync_warning_jobs(task.case)
    db.session.commit()
    return task

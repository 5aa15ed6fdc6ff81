"""What completing a task does, in one table: read it to know what happens when staff complete 受理.

A workflow task first completes in the engine; before the engine's step is applied to the case,
every row below whose trigger holds runs, in this order, in the completion's transaction, so a
refusal (409, 422) keeps nothing (services.work.tasks.complete_task). Triggers are the
``caseStatus`` marks the step reaches (docs/bpmn-conventions.md), not task names or form keys: a
process drawn tomorrow gets the same behaviour from the same marks. ``reads`` are the form fields
the function reads (services.process.form_fields); deploy refuses a process whose forms lack
them for the tasks a row may apply to (services.process.step_forms).

What 受理 does, for example: it reaches 补正, 受理 or 不予受理, so its form's 补正/容缺 lists are
checked, and then a 补正 notice is issued, the 容缺 materials are recorded, or the result 不予受理
is recorded with its reason. A task outside the workflow (差评整改) completes by its kind instead.

This table lives in work/, above intake/ and closing/ whose functions it names; the app factory
installs it for deploy (services.process.step_effects.install).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workflow_service.models import CaseStatus, Task, TaskKind, User
from workflow_service.services.closing import closing, evaluations, issuance
from workflow_service.services.intake import acceptance, eligibility
from workflow_service.services.process.form_fields import (
    DEFERRAL,
    DELIVERY,
    MATERIAL_LISTS,
    OPTIONAL_REASON,
    REQUIRED_REASON,
    SUPPLEMENT_REQUEST,
)
from workflow_service.services.process.step_effects import EveryStep, Reaching, StepEffect, WaitingIn

STEP_EFFECTS: tuple[StepEffect, ...] = (
    # 办结 (either way) waits for every 容缺 material to be handed in: 409 naming them.
    StepEffect(Reaching(CaseStatus.APPROVED, CaseStatus.REFUSED), acceptance.refuse_decision_while_owed),
    # Any form's 补正 and 容缺 lists name the case's own materials, and only where the step leads (422).
    StepEffect(EveryStep(), acceptance.check_material_lists, MATERIAL_LISTS),
    # 补正材料收取 (or any task done while the case waits in 补正): the materials came.
    StepEffect(WaitingIn(CaseStatus.SUPPLEMENT), acceptance.receive_supplement),
    # 补正 from 受理, or 退回补正 from a review: one notice listing every missing material, counted.
    StepEffect(Reaching(CaseStatus.SUPPLEMENT), acceptance.issue_supplement_notice, SUPPLEMENT_REQUEST),
    # 容缺受理: each deferred material with the day the applicant promised to bring it.
    StepEffect(Reaching(CaseStatus.ACCEPTED), acceptance.defer_materials, DEFERRAL),
    # 准予: the item's 受理条件 still met (409, services.intake.eligibility).
    StepEffect(Reaching(CaseStatus.APPROVED), eligibility.refuse_grant_unless_eligible),
    # 准予: the fee paid or waived (409), the result with any opinion, the electronic licence.
    StepEffect(Reaching(CaseStatus.APPROVED), closing.require_fee_settled),
    StepEffect(Reaching(CaseStatus.APPROVED), closing.record_grant, OPTIONAL_REASON),
    StepEffect(Reaching(CaseStatus.APPROVED), closing.issue_licence),
    # 不予许可 and 不予受理: the result with its reason (422 without).
    StepEffect(Reaching(CaseStatus.REFUSED), closing.record_refusal, REQUIRED_REASON),
    StepEffect(Reaching(CaseStatus.NOT_ACCEPTED), closing.record_non_acceptance, REQUIRED_REASON),
    # 预审不通过 (an online application turned away before 受理): the result with its reason (422
    # without); the applicant hears of it through the outbox. 预审 通过 and 需补正 need no row of
    # their own: 通过 only changes the status (its webhook), 需补正 is the 补正 row above.
    StepEffect(Reaching(CaseStatus.PRE_REVIEW_FAILED), closing.record_pre_review_failure, REQUIRED_REASON),
    # 出件: how the result reached the applicant, the recipient checked at pickup (422).
    StepEffect(Reaching(CaseStatus.ISSUED), issuance.record_delivery, DELIVERY),
)


@dataclass(frozen=True)
class TaskOutsideTheWorkflow:
    """A kind of task the engine never hears of: the form staff fill in, and what completes it."""

    form: dict[str, Any]
    complete: Callable[[User, Task, Mapping[str, Any], User | None], Task]


OUTSIDE_THE_WORKFLOW: dict[TaskKind, TaskOutsideTheWorkflow] = {
    # 差评整改, opened by a bad evaluation: its note closes it, audited.
    TaskKind.RECTIFICATION: TaskOutsideTheWorkflow(
        evaluations.RECTIFICATION_FORM, evaluations.complete_rectification
    ),
}

"""The case status machine: labels, allowed transitions, and the deploy-time check of BPMN marks.

补正 returns to where it came from. Before acceptance (受理 asked for materials) it leads back to
申请/预审 and 受理 again, or (预审 asked for them) back to 预审; after acceptance (退回补正: a
review sent the case back to the window) it leads back to 审查 only, since the case was accepted and
its clock runs again. So whether a path, or a case, has been accepted is part of what the machine
checks.

预审 (an online application, where the item asks for it) comes before 受理: 预审 → 预审通过 → 受理,
预审 → 补正 → 预审, or 预审 → 预审不通过, which ends the case without its ever being accepted (not
不予受理, which is a 受理 decision with its 不予受理决定书).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workflow_service.errors import Conflict, InvalidProcessDefinition
from workflow_service.models import CaseResult as R
from workflow_service.models import CaseStatus as S

STATUS_LABELS: dict[S, str] = {
    S.SUBMITTED: "申请/预审",
    S.PRE_REVIEW: "预审",
    S.PRE_REVIEWED: "预审通过",
    S.PRE_REVIEW_FAILED: "预审不通过",
    S.ACCEPTED: "受理",
    S.NOT_ACCEPTED: "不予受理",
    S.RETURNED: "退件",
    S.SUPPLEMENT: "补正",
    S.UNDER_REVIEW: "审查",
    S.APPROVED: "办结-准予",
    S.REFUSED: "办结-不予",
    S.ISSUED: "已出件",
    S.ARCHIVED: "归档",
    S.WITHDRAWN: "撤回",
    S.SUSPENDED: "中止",
}

# The outcome labels a process may declare (``resultLabel``) on the element carrying a decision's
# mark, each with the supervision result code it is recorded under and the mark it goes with.
RESULT_LABEL_CODES: dict[str, tuple[R, S]] = {
    "准予": (R.GRANTED, S.APPROVED),
    "办结": (R.COMPLETED, S.APPROVED),
    "已处置": (R.DISPOSED, S.APPROVED),
    "同意": (R.AGREED, S.APPROVED),
    "不予许可": (R.REFUSED, S.REFUSED),
    "不同意": (R.DISAGREED, S.REFUSED),
}

INITIAL_STATUSES = frozenset({S.SUBMITTED, S.ACCEPTED})
# An undecided case may go straight to 归档 when it is voided (作废, services.closing.closing).
ALLOWED_TRANSITIONS: dict[S, frozenset[S]] = {
    S.SUBMITTED: frozenset(
        {S.PRE_REVIEW, S.ACCEPTED, S.NOT_ACCEPTED, S.RETURNED, S.SUPPLEMENT, S.WITHDRAWN, S.ARCHIVED}
    ),
    # 预审 (an online application, where the item asks for it) passes on to 受理, asks for materials
    # (补正, back to 预审 once they come) or fails: the case ends 预审不通过, never accepted.
    S.PRE_REVIEW: frozenset(
        {S.PRE_REVIEWED, S.PRE_REVIEW_FAILED, S.SUPPLEMENT, S.RETURNED, S.WITHDRAWN, S.ARCHIVED}
    ),
    S.PRE_REVIEWED: frozenset(
        {S.ACCEPTED, S.NOT_ACCEPTED, S.RETURNED, S.SUPPLEMENT, S.WITHDRAWN, S.ARCHIVED}
    ),
    S.SUPPLEMENT: frozenset(
        {
            S.SUBMITTED,
            S.PRE_REVIEW,
            S.ACCEPTED,
            S.NOT_ACCEPTED,
            S.RETURNED,
            S.UNDER_REVIEW,
            S.WITHDRAWN,
            S.ARCHIVED,
        }
    ),
    S.ACCEPTED: frozenset({S.UNDER_REVIEW, S.APPROVED, S.REFUSED, S.SUSPENDED, S.WITHDRAWN, S.ARCHIVED}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REFUSED, S.SUPPLEMENT, S.SUSPENDED, S.WITHDRAWN, S.ARCHIVED}),
    S.SUSPENDED: frozenset({S.ACCEPTED, S.UNDER_REVIEW, S.WITHDRAWN, S.ARCHIVED}),
    S.APPROVED: frozenset({S.ISSUED, S.ARCHIVED}),
    S.REFUSED: frozenset({S.ISSUED, S.ARCHIVED}),
    S.NOT_ACCEPTED: frozenset({S.ARCHIVED}),
    S.RETURNED: frozenset({S.ARCHIVED}),
    S.PRE_REVIEW_FAILED: frozenset({S.ARCHIVED}),
    S.ISSUED: frozenset({S.ARCHIVED}),
    S.WITHDRAWN: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}
# Where 补正 may lead, by whether the case had been accepted before it (see the module docstring).
SUPPLEMENT_RETURNS: dict[bool, frozenset[S]] = {
    False: frozenset(
        {S.SUBMITTED, S.PRE_REVIEW, S.ACCEPTED, S.NOT_ACCEPTED, S.RETURNED, S.WITHDRAWN, S.ARCHIVED}
    ),
    True: frozenset({S.UNDER_REVIEW, S.WITHDRAWN, S.ARCHIVED}),
}


class IllegalStatusTransition(Conflict):
    title = "办件状态不允许此变更"
    type_slug = "illegal-status-transition"


# The statuses of a decision, which read as 办结 with the outcome a process declared (办结-已处置).
DECIDED_STATUSES = frozenset({S.APPROVED, S.REFUSED})
DECIDED_PREFIX = "办结-"


def case_status_label(status: S, result_label: str | None = None) -> str:
    """A case's status as people read it: 办结 with the outcome its process declared (办结-已处置,
    办结-不同意), else the status's own label (办结-准予)."""
    if result_label and status in DECIDED_STATUSES:
        return DECIDED_PREFIX + result_label
    return STATUS_LABELS[status]


def has_been_accepted(status_history: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the case was accepted at some point of its history (its deadline clock started)."""
    return any(entry["status"] == S.ACCEPTED.value for entry in status_history)


def transition_allowed(current: S | None, target: S, *, accepted: bool = False) -> bool:
    """Whether a case in ``current`` may enter ``target``; ``accepted``: it has been accepted before."""
    if current is None:
        return target in INITIAL_STATUSES
    if target == current:
        return True
    if current == S.SUPPLEMENT:
        return target in SUPPLEMENT_RETURNS[accepted]
    return target in ALLOWED_TRANSITIONS[current]


def parse_status(value: str) -> S:
    try:
        return S(value)
    except ValueError:
        raise InvalidProcessDefinition(
            f"未知的办件状态 {value!r}", errors={"caseStatus": [f"可用值：{', '.join(s.value for s in S)}"]}
        ) from None


def check_status_marks(
    start_ids: list[str], successors: Mapping[str, tuple[str, ...]], marks: Mapping[str, str]
) -> None:
    """Refuse a process in which some path reaches marks in an order the status machine forbids."""
    problems: dict[str, list[str]] = {}
    for value in marks.values():
        parse_status(value)
    # A path's state: the element, the status it arrives with, and whether it passed acceptance.
    seen: set[tuple[str, S | None, bool]] = set()
    pending: list[tuple[str, S | None, bool]] = [(start, None, False) for start in start_ids]
    while pending:
        element, status, accepted = pending.pop()
        if (element, status, accepted) in seen:
            continue
        seen.add((element, status, accepted))
        if element in marks:
            target = S(marks[element])
            if not transition_allowed(status, target, accepted=accepted):
                before = STATUS_LABELS[status] if status else "（开始）"
                after = "（已受理）" if status == S.SUPPLEMENT and accepted else ""
                problems.setdefault(element, []).append(
                    f"{before}{after} → {STATUS_LABELS[target]} 不是允许的状态变更"
                )
                continue
            status = target
            accepted = accepted or target == S.ACCEPTED
        pending.extend((following, status, accepted) for following in successors.get(element, ()))
    if problems:
        raise InvalidProcessDefinition("流程中的办件状态标记顺序不合法", errors=problems)


def result_label_problems(labels: Mapping[str, str], marks: Mapping[str, str]) -> dict[str, list[str]]:
    """What is wrong with the ``resultLabel`` marks, by element: a label the table does not know, or
    one on an element whose ``caseStatus`` it does not fit."""
    problems: dict[str, list[str]] = {}
    for element, label in labels.items():
        known = RESULT_LABEL_CODES.get(label)
        if known is None:
            problems[element] = [f"未知的办结结果 {label!r}，可用值：{'、'.join(RESULT_LABEL_CODES)}"]
        elif marks.get(element) != known[1].value:
            problems[element] = [f"办结结果“{label}”须与 caseStatus {known[1].value} 标在同一元素上"]
    return problems

"""A case's serialized workflow, as the engine takes it: present while the case can still move."""

from __future__ import annotations

from workflow_service.models import Case


def running_state(case: Case) -> str:
    """The case's stored workflow. Only a finished case's state is ever dropped (by the retention
    run), and nothing runs on a finished case, so a missing state here is a fault, not a user error."""
    if case.workflow_state is None:
        raise RuntimeError(f"办件 {case.number}: the workflow state was dropped at {case.state_dropped_at}")
    return case.workflow_state

"""The stored form of a case's workflow state: SpiffWorkflow's dictionary without what goes without saying.

SpiffWorkflow writes every task with all of its fields, most of them at their default: its id
(already the key it is stored under), ``typename`` ``Task``, ``triggered`` false, empty
``internal_data`` and ``data``, and an empty ``delta`` (the task's data is its parent's). Written
out, with Chinese text as ``\\uXXXX`` escapes and a space after every separator, they are about
half of a plain case's state. :func:`compact` leaves them out and :func:`expand` puts them back
before SpiffWorkflow restores the state, so the dictionary it sees is the one it wrote; a state
stored in full (before this existed) expands to itself. :func:`dumps` writes the JSON as UTF-8
text without padding.
"""

from __future__ import annotations

import json
from typing import Any

_TASK_TYPENAME = "Task"
_EMPTY_DELTA: dict[str, Any] = {"updates": {}, "deletions": []}
_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("triggered", False),
    ("internal_data", {}),
    ("data", {}),
    ("children", []),
)


def dumps(dct: dict[str, Any], encoder: type[json.JSONEncoder]) -> str:
    return json.dumps(dct, cls=encoder, ensure_ascii=False, separators=(",", ":"))


def compact(dct: dict[str, Any]) -> dict[str, Any]:
    """Leave the default fields out of the tasks of the workflow and of its sub-workflows (in place)."""
    for workflow in _workflows(dct):
        for task_id, task in workflow.get("tasks", {}).items():
            if task.get("id") == task_id:
                del task["id"]
            if task.get("typename") == _TASK_TYPENAME:
                del task["typename"]
            for name, default in _DEFAULTS:
                if name in task and task[name] == default:
                    del task[name]
            if task.get("parent") is not None and task.get("delta") == _EMPTY_DELTA:
                del task["delta"]
            elif "parent" in task and task["parent"] is None and task.get("delta") == {}:
                del task["parent"]  # the root
                del task["delta"]
    return dct


def expand(dct: dict[str, Any]) -> dict[str, Any]:
    """Put back what :func:`compact` left out (in place)."""
    for workflow in _workflows(dct):
        for task_id, task in workflow.get("tasks", {}).items():
            task.setdefault("id", task_id)
            task.setdefault("parent", None)
            task.setdefault("typename", _TASK_TYPENAME)
            for name, default in _DEFAULTS:
                task.setdefault(name, type(default)())
            # SpiffWorkflow takes a child's data from its parent only when the child has a delta.
            task.setdefault("delta", {"updates": {}, "deletions": []} if task["parent"] is not None else {})
    return dct


def _workflows(dct: dict[str, Any]) -> list[dict[str, Any]]:
    return [dct, *dct.get("subprocesses", {}).values()]

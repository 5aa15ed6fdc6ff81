"""The tree in errors.py's docstring is the whole hierarchy: every error class, wherever it lives."""

from __future__ import annotations

import importlib
import pkgutil
import re

import workflow_service
from workflow_service import errors
from workflow_service.errors import ServiceError

# "    │   ├── TaskNotOpen (409)   …": the name's column gives its depth, four characters a level.
TREE_LINE = re.compile(r"^(?P<indent>[ │]*)(?:[├└]── )?(?P<name>[A-Z]\w+) \((?P<status>\d{3})\)")


def documented_tree() -> dict[str, tuple[int, str | None]]:
    """Each class the docstring draws: its status and the class drawn as its parent."""
    assert errors.__doc__ is not None
    drawn: dict[str, tuple[int, str | None]] = {}
    parents: list[str] = []
    for line in errors.__doc__.splitlines():
        match = TREE_LINE.match(line.removeprefix("    "))
        if match is None:
            continue
        depth = len(match["indent"]) // 4 + (1 if "──" in line else 0)
        del parents[depth:]
        drawn[match["name"]] = (int(match["status"]), parents[-1] if parents else None)
        parents.append(match["name"])
    return drawn


def every_error_class() -> dict[str, tuple[int, str | None]]:
    for module in pkgutil.walk_packages(workflow_service.__path__, "workflow_service."):
        importlib.import_module(module.name)
    found: dict[str, tuple[int, str | None]] = {ServiceError.__name__: (ServiceError.status, None)}
    pending = [ServiceError]
    while pending:
        parent = pending.pop()
        for cls in parent.__subclasses__():
            found[cls.__name__] = (cls.status, parent.__name__)
            pending.append(cls)
    return found


def test_the_docstring_tree_lists_every_error_class_with_its_status_and_parent() -> None:
    assert documented_tree() == every_error_class()

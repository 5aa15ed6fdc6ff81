"""Imports point one way (DESIGN.md §5), checked over the syntax tree of every module of the service.

The orders are written once, here, lower layers first: a module may import its own layer and those
before it, never one after it. A new package or top-level module fails the test until it is placed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "workflow_service"

# The packages (and the two shared modules) of workflow_service/services/, lower first.
SERVICE_LAYERS = [
    "clock",  # the injected clock: everything reads the time through it
    "audit",  # the append-only audit rows every change writes
    "directory",
    "calendar",
    "process",
    "catalogue",
    "materials",
    "intake",
    "review",
    "notices",
    "closing",
    "work",
    "read",  # the read models: a case or task as the API answers and the pages show it
    "portal",  # API clients of portals and line systems, their tokens and limits; the outbox and its webhooks
    "supervision",
    "seed",
]

# The top level of workflow_service/, lower first. The adapters (api, web) and the entry points
# (worker, cli, the app factory in __init__) come after the services they call.
TOP_LAYERS = [
    "config",
    "errors",
    "problem_document",
    "instruments",
    "models",
    "extensions",
    "database",
    "engine",
    "services",
    "security_headers",
    "file_responses",
    "request_guard",
    "error_log",
    "structured_logs",
    "request_ids",
    "schema_revision",
    "error_handling",
    "serving",
    "api",
    "web",
    "worker",
    "cli_admin",
    "cli_calendar",
    "cli_data",
    "cli_audit",
    "cli_supervision",
    "cli",
    "__init__",
]

# Only these call ``session.commit()``: the services own their transactions. Nothing outside
# services/ commits today (bench/ and migrations/ are outside the service and not checked).
COMMITTING = ("services",)


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    target: str  # dotted: the module, or module.name for ``from module import name``

    def __str__(self) -> str:
        return f"{self.path.relative_to(PACKAGE.parent)}:{self.line} imports {self.target}"


def _modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "static" not in path.relative_to(PACKAGE).parts:
            yield path


def _dotted(path: Path) -> list[str]:
    parts = ["workflow_service", *path.relative_to(PACKAGE).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, tree: ast.Module) -> Iterator[Import]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = _dotted(path) if path.name == "__init__.py" else _dotted(path)[:-1]
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                yield Import(path, node.lineno, f"{module}.{alias.name}")


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for path in _modules():
        found.extend(_imports(path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return found


def _top(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _service_layer(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    if parts[0] != "services" or parts[1] == "__init__.py":
        return None
    return parts[1].removesuffix(".py")


def _target_part(target: str, depth: int) -> str | None:
    parts = target.split(".")
    return parts[depth] if parts[0] == "workflow_service" and len(parts) > depth else None


def _target_service(target: str) -> str | None:
    return _target_part(target, 2) if target.startswith("workflow_service.services.") else None


def _upward(layer_of: dict[str, int], source: str, target: str | None) -> bool:
    return target is not None and target in layer_of and layer_of[target] > layer_of[source]


def test_every_module_has_a_place_in_the_orders() -> None:
    unplaced = sorted({_top(path) for path in _modules()} - set(TOP_LAYERS))
    services = {_service_layer(path) for path in _modules()} - {None}
    unplaced += sorted(f"services/{name}" for name in services - set(SERVICE_LAYERS))
    assert not unplaced, f"place these in tests/test_architecture.py's layer lists: {unplaced}"


def test_service_packages_import_only_packages_below_them() -> None:
    layer_of = {name: index for index, name in enumerate(SERVICE_LAYERS)}
    upward = []
    for found in _all_imports():
        source = _service_layer(found.path)
        if source is None:
            if found.path == PACKAGE / "services" / "__init__.py" and _target_service(found.target):
                upward.append(f"{found} (services/__init__.py imports no service)")
            continue
        target = _target_service(found.target)
        if found.target in ("workflow_service.services", "workflow_service.services.__init__"):
            upward.append(f"{found} (import a service package by name)")
        elif _upward(layer_of, source, target):
            upward.append(f"{found}: services/{source} is below services/{target}")
    assert not upward, "a service package imports one above it:\n" + "\n".join(upward)


def test_top_level_imports_point_down() -> None:
    layer_of = {name: index for index, name in enumerate(TOP_LAYERS)}
    upward = [
        f"{found}: {_top(found.path)} is below {_target_part(found.target, 1)}"
        for found in _all_imports()
        if _upward(layer_of, _top(found.path), _target_part(found.target, 1))
    ]
    assert not upward, "a module imports a layer above it:\n" + "\n".join(upward)


def test_only_the_engine_imports_spiffworkflow() -> None:
    outside = [
        str(found)
        for found in _all_imports()
        if found.target.split(".")[0] == "SpiffWorkflow" and _top(found.path) != "engine"
    ]
    assert not outside, "SpiffWorkflow is the engine's (workflow_service/engine/):\n" + "\n".join(outside)


def test_nothing_imports_the_api_or_the_pages_but_the_app_factory() -> None:
    reaching = [
        str(found)
        for found in _all_imports()
        if (adapter := _target_part(found.target, 1)) in ("api", "web")
        and _top(found.path) not in (adapter, "__init__")
    ]
    assert not reaching, "only create_app (and the adapter itself) imports api/ and web/:\n" + "\n".join(
        reaching
    )


def _commits(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            owner = node.func.value
            if (isinstance(owner, ast.Attribute) and owner.attr == "session") or (
                isinstance(owner, ast.Name) and owner.id == "session"
            ):
                yield node.lineno


def test_only_services_commit() -> None:
    committing = [
        f"{path.relative_to(PACKAGE.parent)}:{line} commits"
        for path in _modules()
        if _top(path) not in COMMITTING
        for line in _commits(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not committing, "only services own transactions:\n" + "\n".join(committing)

"""The restricted evaluator for BPMN scripts, gateway conditions and timer expressions.

BPMN files are untrusted input. SpiffWorkflow's default environment calls plain ``eval``/``exec``
with full builtins; here every expression and script is compiled by RestrictedPython (names and
attributes starting with ``_`` are refused at compile time, so no dunder walk), runs with a small
whitelist of builtins and no ``__import__``, and ``import``, ``while`` or ``try`` statements are
refused before compiling (``try`` so that no script can catch the end of its budget). Every
evaluation runs within the engine step's budgets (engine.limits), with the operations that could
explode in one call guarded (engine.guards), and a script may leave in the task data only what
the workflow can store. Anything refused raises :class:`ScriptRefused`, which the runtime turns
into an incident on the case.
"""

from __future__ import annotations

import ast
import builtins
import datetime as _dt
from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from workflow_service.engine.guards import (
    GUARDED_BUILTINS,
    OPERATION_GUARDS,
    BudgetedTransformer,
    check_operation,
    check_storable,
)
from workflow_service.engine.limits import SCRIPT_FILENAME, EngineLimits, ScriptRefused, current_budget

__all__ = ["ScriptRefused", "compile_expression", "compile_script", "make_script_engine"]

MAX_RANGE = 10_000


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ScriptRefused(f"range() 最多 {MAX_RANGE} 项")
    return result


def _inplace_operation(operator: str, target: Any, value: Any) -> Any:
    operations = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
    }
    if operator not in operations:
        raise ScriptRefused(f"不支持的运算符 {operator}")
    check_operation(operator[:-1], target, value)
    return operations[operator](target, value)


SAFE_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "divmod",
        "enumerate",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "ValueError",
        "KeyError",
        "TypeError",
    )
}
SAFE_BUILTINS.update({"None": None, "True": True, "False": False, "range": _bounded_range})
SAFE_BUILTINS.update(GUARDED_BUILTINS)

# The helpers RestrictedPython's compiled code calls for attribute access, item access and so on.
_GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplace_operation,
    **OPERATION_GUARDS,
}

# Values a script may use besides task data: dates for deadline arithmetic.
SCRIPT_GLOBALS: dict[str, Any] = {"date": _dt.date, "datetime": _dt.datetime, "timedelta": _dt.timedelta}


def _refuse_forbidden_statements(source: str, mode: str) -> None:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as error:
        raise ScriptRefused(f"语法错误（第 {error.lineno} 行）: {error.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise ScriptRefused("脚本不允许 import")
        if isinstance(node, ast.While):
            raise ScriptRefused("脚本不允许 while 循环")
        if isinstance(node, ast.Try | ast.TryStar):
            raise ScriptRefused("脚本不允许 try 语句")


def _compiled(source: str, mode: str) -> CodeType:
    try:
        _refuse_forbidden_statements(source, mode)
        compile_function = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compile_function(source, filename=SCRIPT_FILENAME, policy=BudgetedTransformer)
    except (RecursionError, MemoryError):
        # Python's parser and compiler recurse per level of nesting: ``-`` or ``not`` repeated
        # 100,000 times exhausts them before any rule could look at the script.
        raise ScriptRefused("脚本嵌套层数过多") from None
    if result.errors:
        raise ScriptRefused("脚本被拒绝: " + "; ".join(result.errors))
    assert result.code is not None  # RestrictedPython gives code whenever it lists no errors
    return result.code


@lru_cache(maxsize=2048)
def compile_expression(source: str) -> CodeType:
    """Compile a condition or timer expression once; raises ScriptRefused."""
    return _compiled(source.strip(), "eval")


@lru_cache(maxsize=512)
def compile_script(source: str) -> CodeType:
    """Compile a script task's body once; raises ScriptRefused."""
    return _compiled(source, "exec")


def _namespace(context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
    namespace = dict(SCRIPT_GLOBALS)
    namespace.update(external or {})
    namespace.update(context)
    namespace.update(_GUARDS)
    return namespace


def _is_task_data(key: str, value: Any, reserved: Iterable[str]) -> bool:
    return not key.startswith("_") and key not in reserved and not callable(value)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that evaluates through RestrictedPython only, within budgets."""

    def __init__(self, limits: EngineLimits) -> None:
        super().__init__()
        self.limits = limits

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        code = compile_expression(expression)
        with current_budget(self.limits).evaluation():
            result = eval(code, _namespace(context, external_context))  # noqa: S307
            # An expression can still change the containers it reads (``items.append(...)``).
            self._check_data({k: v for k, v in context.items() if isinstance(v, list | dict)}, ())
        return result

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = compile_script(script)
        namespace = _namespace(context, external_context)
        reserved = set(SCRIPT_GLOBALS) | set(external_context or {})
        with current_budget(self.limits).evaluation():
            exec(code, namespace)  # noqa: S102
            results = {k: v for k, v in namespace.items() if _is_task_data(k, v, reserved)}
            self._check_data(results, reserved)
        for key in [key for key in context if key not in namespace]:
            del context[key]
        context.update(results)
        return True

    def _check_data(self, data: Mapping[str, Any], reserved: Iterable[str]) -> None:
        for key, value in data.items():
            if _is_task_data(key, value, reserved):
                check_storable(key, value, self.limits)

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        raise ScriptRefused("服务任务尚未支持")


def make_script_engine(limits: EngineLimits) -> PythonScriptEngine:
    """The script engine every workflow runs with."""
    return PythonScriptEngine(environment=RestrictedEnvironment(limits))

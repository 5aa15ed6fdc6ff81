"""Guards on the operations of BPMN scripts that could explode inside one C call, and on what they store.

A trace function cannot stop ``9 ** 9 ** 9`` or ``"x" * 300_000_000``: each is a single step of
the interpreter. So scripts are compiled with :class:`BudgetedTransformer`, which routes the
operators that can grow a value (``*``, ``**``, ``<<``, ``+``, ``%``) and every f-string value
through the checks here, and the evaluator hands scripts wrapped versions of the string methods
and builtins that can (``ljust``, ``join``, ``format``, ``str``, ``sum`` …). Each refuses an
operation whose result would be larger than the memory budget before it runs.

:func:`check_storable` says whether a value a script leaves in the task data can be stored: only
what the workflow serializer writes as JSON, within a size.
"""

from __future__ import annotations

import ast
import datetime as _dt
import math
import operator
import re
import string
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Guards import safer_getattr

from workflow_service.engine.limits import EngineLimits, ScriptRefused, current_budget

# Integers beyond this many bits are of no use to a business rule and slow to multiply.
MAX_INT_BITS = 100_000
# Widths and precisions in format specifications (f-strings, %, str.format).
MAX_FORMAT_WIDTH = 1000
# Rendering a container as text (str(), f-strings, formatting) visits at most this many items.
MAX_RENDERED_ITEMS = 100_000
MAX_DEPTH = 50

_OPERATORS: dict[type[ast.operator], str] = {
    ast.Mult: "*",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.Add: "+",
    ast.Mod: "%",
}
_APPLY: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul,
    "**": operator.pow,
    "<<": operator.lshift,
    "+": operator.add,
    "%": operator.mod,
}
_FORMAT_WIDTH = re.compile(r"(\d+|\*)")
_SEQUENCES = (str, bytes, list, tuple)


def _limits() -> EngineLimits:
    return current_budget(EngineLimits()).limits


def _too_large(what: str) -> ScriptRefused:
    return ScriptRefused(f"{what}结果过大，超出脚本内存预算（{_limits().memory_bytes // 2**20} MB）")


def _check_length(length: int, item_bytes: int, what: str) -> None:
    if length * item_bytes > _limits().memory_bytes:
        raise _too_large(what)


def _item_bytes(value: Any) -> int:
    # A list holds a pointer per item; a str at most 4 bytes per character, usually 1.
    return 8 if isinstance(value, list | tuple) else 1


def _check_int_bits(bits: float) -> None:
    if bits > MAX_INT_BITS:
        raise ScriptRefused(f"整数运算结果超过 {MAX_INT_BITS} 位")


def _is_int(value: Any) -> bool:
    return isinstance(value, int)


def _check_format_spec(spec: str) -> None:
    for number in _FORMAT_WIDTH.findall(spec):
        if number == "*" or int(number) > MAX_FORMAT_WIDTH:
            raise ScriptRefused(f"格式说明的宽度或精度不能超过 {MAX_FORMAT_WIDTH}")


def _check_percent_format(template: str | bytes) -> None:
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    for spec in re.findall(r"%[^a-zA-Z%]*[a-zA-Z%]", text):
        _check_format_spec(spec[1:-1].replace("(", " ").split(")")[-1])


def check_operation(symbol: str, left: Any, right: Any) -> None:
    """Refuse ``left <symbol> right`` if its result would be too large to compute or hold."""
    if symbol == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        _check_int_bits(abs(left).bit_length() * right)
    elif symbol == "<<" and _is_int(left) and _is_int(right) and right > 0 and left:
        _check_int_bits(abs(left).bit_length() + right)
    elif symbol == "*":
        if _is_int(left) and _is_int(right):
            _check_int_bits(abs(left).bit_length() + abs(right).bit_length())
        elif isinstance(left, _SEQUENCES) and _is_int(right):
            _check_length(len(left) * max(right, 0), _item_bytes(left), "重复")
        elif isinstance(right, _SEQUENCES) and _is_int(left):
            _check_length(len(right) * max(left, 0), _item_bytes(right), "重复")
    elif symbol == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_length(len(left) + len(right), _item_bytes(left), "拼接")
    elif symbol == "%" and isinstance(left, str | bytes):
        _check_percent_format(left)
        for value in right if isinstance(right, tuple) else (right,):
            check_renderable(value)


def guarded_operation(symbol: str, left: Any, right: Any) -> Any:
    """What compiled scripts call for ``*``, ``**``, ``<<``, ``+`` and ``%``."""
    check_operation(symbol, left, right)
    return _APPLY[symbol](left, right)


def _walk(value: Any, visit: Callable[[Any], None], item_cap: int, refusal: str) -> None:
    """Visit every item of a value, aliases as often as they occur; refuse beyond ``item_cap``."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    visited = 0
    while stack:
        item, depth = stack.pop()
        visited += 1
        if visited > item_cap or depth > MAX_DEPTH:
            raise ScriptRefused(refusal)
        visit(item)
        if isinstance(item, Mapping):
            stack.extend((key, depth + 1) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((child, depth + 1) for child in item)


def check_renderable(value: Any) -> Any:
    """Refuse to render a container as text whose text would be huge (shared items repeat)."""
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        _walk(value, lambda item: None, MAX_RENDERED_ITEMS, f"转为文本的数据超过 {MAX_RENDERED_ITEMS} 项")
    return value


def _guarded_str(*args: Any, **kwargs: Any) -> str:
    if args and not kwargs and len(args) == 1:
        check_renderable(args[0])
    return str(*args, **kwargs)


def _guarded_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    if not isinstance(start, int | float):
        raise ScriptRefused("sum() 只能对数值求和")
    return sum(iterable, start)


def _width_guard(method: Callable[..., Any], text: str | bytes) -> Callable[..., Any]:
    def guarded(width: int, *args: Any) -> Any:
        _check_length(width, 1, "填充")
        return method(width, *args)

    return guarded


def _join_guard(method: Callable[..., Any], text: str | bytes) -> Callable[..., Any]:
    def guarded(iterable: Iterable[Any]) -> Any:
        items = list(iterable)
        length = sum(len(item) for item in items if isinstance(item, str | bytes))
        _check_length(length + len(text) * max(len(items) - 1, 0), 1, "连接")
        return method(items)

    return guarded


def _replace_guard(method: Callable[..., Any], text: str | bytes) -> Callable[..., Any]:
    def guarded(old: Any, new: Any, count: int = -1) -> Any:
        if isinstance(old, str | bytes) and isinstance(new, str | bytes) and len(new) > len(old):
            occurrences = text.count(old) if old else len(text) + 1  # type: ignore[arg-type]
            if count >= 0:
                occurrences = min(occurrences, count)
            _check_length(len(text) + occurrences * (len(new) - len(old)), 1, "替换")
        return method(old, new, count)

    return guarded


def _expandtabs_guard(method: Callable[..., Any], text: str | bytes) -> Callable[..., Any]:
    def guarded(tabsize: int = 8) -> Any:
        _check_length(len(text) * max(tabsize, 1), 1, "展开制表符")
        return method(tabsize)

    return guarded


def _format_guard(method: Callable[..., Any], text: str | bytes) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        for _literal, _field, spec, _conversion in string.Formatter().parse(str(text)):
            if spec and ("{" in spec or _FORMAT_WIDTH.search(spec)):
                if "{" in spec:
                    raise ScriptRefused("格式说明中不能嵌套字段")
                _check_format_spec(spec)
        for value in [*args, *kwargs.values()]:
            if isinstance(value, Mapping) and method.__name__ == "format_map":
                value = list(value.values())
            check_renderable(value)
        return method(*args, **kwargs)

    return guarded


def _refused_method(method: Callable[..., Any], text: str | bytes) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise ScriptRefused(f"脚本不允许使用 {method.__name__}()")

    return refused


def _extend_guard(method: Callable[..., Any], target: list) -> Callable[..., Any]:
    def guarded(items: Iterable[Any]) -> Any:
        items = list(items)
        _check_length(len(target) + len(items), 8, "扩展")
        return method(items)

    return guarded


_TEXT_METHODS: dict[str, Callable[[Callable[..., Any], Any], Callable[..., Any]]] = {
    "ljust": _width_guard,
    "rjust": _width_guard,
    "center": _width_guard,
    "zfill": _width_guard,
    "join": _join_guard,
    "replace": _replace_guard,
    "expandtabs": _expandtabs_guard,
    "format": _format_guard,
    "format_map": _format_guard,
    "translate": _refused_method,
}


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's attribute guard, with the growing methods of str, bytes and list checked."""
    value = safer_getattr(obj, name, default)
    if isinstance(obj, str | bytes) and name in _TEXT_METHODS:
        return _TEXT_METHODS[name](value, obj)
    if isinstance(obj, list) and name == "extend":
        return _extend_guard(value, obj)
    return value


GUARDED_BUILTINS: dict[str, Any] = {"str": _guarded_str, "sum": _guarded_sum}


class BudgetedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus the operator and f-string checks of this module."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        symbol = _OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_operation_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node = self.node_contents_visit(node)
        spec = node.format_spec
        if spec is not None:
            if not isinstance(spec, ast.JoinedStr) or not all(
                isinstance(part, ast.Constant) for part in spec.values
            ):
                self.error(node, "f-string 的格式说明须为常量")
            else:
                try:
                    _check_format_spec("".join(str(part.value) for part in spec.values))  # type: ignore[attr-defined]
                except ScriptRefused as refused:
                    self.error(node, str(refused))
        check = ast.Call(func=ast.Name("_rendered_", ast.Load()), args=[node.value], keywords=[])
        node.value = ast.fix_missing_locations(ast.copy_location(check, node.value))
        return node


OPERATION_GUARDS: dict[str, Any] = {
    "_operation_": guarded_operation,
    "_rendered_": check_renderable,
    "_getattr_": guarded_getattr,
}

# What the workflow serializer writes as JSON (it knows datetime and timedelta, not date).
_SCALARS = (str, int, float, bool, type(None), _dt.datetime, _dt.timedelta)


def check_storable(name: str, value: Any, limits: EngineLimits) -> None:
    """Refuse a value the workflow cannot store as JSON, or one larger than ``max_data_bytes``."""
    if value is None or type(value) in (bool, float, _dt.datetime, _dt.timedelta):
        return
    if type(value) is str and len(value) <= limits.max_data_bytes:
        return
    size = 0
    digits_limit = sys.get_int_max_str_digits() or 4300

    def visit(item: Any) -> None:
        nonlocal size
        if isinstance(item, Mapping):
            if not all(isinstance(key, str) for key in item):
                raise ScriptRefused(f"变量 {name} 无法保存：字典的键须为字符串")
            size += 2
        elif isinstance(item, list | tuple):
            size += 2
        elif not isinstance(item, _SCALARS):
            raise ScriptRefused(f"变量 {name} 无法保存：{type(item).__name__} 不是可保存的数据")
        elif isinstance(item, str):
            size += len(item) + 3
        elif isinstance(item, int) and not isinstance(item, bool):
            if item and abs(item).bit_length() * math.log10(2) > digits_limit - 1:
                raise ScriptRefused(f"变量 {name} 无法保存：整数过大")
            size += 8
        else:
            size += 8
        if size > limits.max_data_bytes:
            raise ScriptRefused(f"变量 {name} 无法保存：超过 {limits.max_data_bytes} 字节")

    _walk(value, visit, limits.max_data_bytes, f"变量 {name} 无法保存：超过 {limits.max_data_bytes} 字节")

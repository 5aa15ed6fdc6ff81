"""Refuse request input the service cannot store, before any view sees it.

PostgreSQL text cannot hold NUL, UTF-8 cannot encode a lone surrogate (JSON's ``"\\ud800"``), and
Python's JSON decoder recurses once per nesting level and refuses integers of more than 4,300
digits with errors nobody catches. Each of these reached the database or the decoder and became a
500. Here every request's path, query string, form fields and JSON body are checked once: NUL and
lone surrogates are field errors (422), a JSON body is limited in size (413) and nesting (400), and
its numbers must be finite and fit 64 bits (422). Schemas then check each field's length and range.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter, Map, ValidationError

from workflow_service.errors import InvalidInput, MalformedRequest

FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
FORBIDDEN_MESSAGE = "含有不允许的字符（空字符或不成对的代理字符）"
# A JSON integer must fit a signed 64-bit column; each field's own range is narrower still.
LARGEST_INTEGER = 2**63 - 1
# Row ids (and years) in URLs are 32-bit integer columns.
INT32_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1 to 2^31 − 1, so an id beyond its column is a plain 404."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(INT32_MAX)):  # int() of thousands of digits raises, not 404s
            raise ValidationError()
        return super().to_python(value)


def forbidden_character_message(text: str) -> str | None:
    """The field message for text holding NUL or a lone surrogate, else None."""
    return FORBIDDEN_MESSAGE if FORBIDDEN_CHARACTERS.search(text) else None


class _UnusableNumber:
    """A JSON number kept aside by the decoder so the walk can name the field it stood in."""

    def __init__(self, message: str) -> None:
        self.message = message


def _integer(literal: str) -> int | _UnusableNumber:
    # Checked by length first: int() of a 5,000-digit literal raises ValueError.
    if len(literal.lstrip("-")) > 19 or abs(int(literal)) > LARGEST_INTEGER:
        return _UnusableNumber("数值超出允许范围")
    return int(literal)


def _float(literal: str) -> float | _UnusableNumber:
    value = float(literal)
    return value if math.isfinite(value) else _UnusableNumber("数值超出允许范围")


def _constant(literal: str) -> _UnusableNumber:
    return _UnusableNumber(f"{literal} 不是有效的 JSON 数值")


def _walk(value: Any, max_depth: int) -> Iterator[tuple[str, str]]:
    """(field path, message) for every unusable member; MalformedRequest past ``max_depth``."""
    stack: list[tuple[Any, list[str], int]] = [(value, [], 1)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            raise MalformedRequest(f"JSON 嵌套超过 {max_depth} 层")
        children: list[tuple[str, Any]] = []
        if isinstance(item, dict):
            for key, member in item.items():
                if forbidden_character_message(key):
                    yield ".".join([*path, "<key>"]), FORBIDDEN_MESSAGE
                children.append((key, member))
        elif isinstance(item, list):
            children = [(str(index), member) for index, member in enumerate(item)]
        elif isinstance(item, str):
            if forbidden_character_message(item):
                yield ".".join(path) or "_body", FORBIDDEN_MESSAGE
        elif isinstance(item, _UnusableNumber):
            yield ".".join(path) or "_body", item.message
        stack.extend((member, [*path, key], depth + 1) for key, member in reversed(children))


def _check_json_body() -> None:
    request.max_content_length = current_app.config["JSON_MAX_BYTES"]  # 413 when read beyond it
    body = request.get_data(cache=True)
    if not body.strip():
        return
    try:
        parsed = json.loads(body, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise MalformedRequest("JSON 嵌套层数过多") from None
    except ValueError:
        return  # not JSON at all: the parser of the view answers 400 as before
    errors: dict[str, list[str]] = {}
    for path, message in _walk(parsed, current_app.config["JSON_MAX_DEPTH"]):
        errors.setdefault(path, []).append(message)
    if errors:
        raise InvalidInput("请求内容不符合要求", errors=errors)


def _check_fields(location: str, items: Iterable[tuple[str | None, str]]) -> dict[str, list[str]]:
    """Field errors of query or form fields; a field whose own name is bad is reported by location.

    A multipart part whose name Werkzeug cannot read (a line break in it) comes with the name None:
    no view reads it, so only its value is checked."""
    errors: dict[str, list[str]] = {}
    for name, value in items:
        if name is None:
            if forbidden_character_message(value):
                errors.setdefault(location, []).append(FORBIDDEN_MESSAGE)
        elif forbidden_character_message(name):
            errors.setdefault(location, []).append(FORBIDDEN_MESSAGE)
        elif forbidden_character_message(value):
            errors.setdefault(name, []).append(FORBIDDEN_MESSAGE)
    return errors


def check_request() -> None:
    """``before_request`` of the whole app: the checks above, for pages and API alike."""
    if forbidden_character_message(request.path):
        raise InvalidInput("地址中" + FORBIDDEN_MESSAGE, errors={"_path": [FORBIDDEN_MESSAGE]})
    errors = _check_fields("_query", request.args.items(multi=True))
    if request.is_json:
        if errors:
            raise InvalidInput("请求内容不符合要求", errors=errors)
        _check_json_body()
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        errors |= _check_fields("_form", request.form.items(multi=True))
        files = ((name, upload.filename or "") for name, upload in request.files.items(multi=True))
        errors |= _check_fields("_files", files)
    if errors:
        raise InvalidInput("输入中" + FORBIDDEN_MESSAGE + "，请删除后重试", errors=errors)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: routes bind their converters when added."""
    app.url_map.converters["int"] = IdConverter
    # Registered before every blueprint's hooks run: ahead of authentication and CSRF checks,
    # so a bad byte never reaches a database query, whoever sends it.
    app.before_request(check_request)

"""Marshmallow fields for what callers send: text within its column and integers within theirs.

Every string a request schema loads is a :class:`Text` with the length of the column it ends up in
(refusing NUL and lone surrogates too, for input that bypasses the request guard); every integer is
an :class:`Int` with a range that fits a 32-bit column. tests/test_bad_input.py checks every
request schema of the API uses nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from workflow_service.request_guard import INT32_MAX, forbidden_character_message


class _Length(validate.Length):
    message_min = "至少 {min} 个字符"
    message_max = "最多 {max} 个字符"
    message_all = "须为 {min} 至 {max} 个字符"


class _Range(validate.Range):
    message_min = "须{min_op} {{min}}"
    message_max = "须{max_op} {{max}}"
    message_all = "须在 {{min}} 至 {{max}} 之间"
    message_gte = "大于等于"
    message_gt = "大于"
    message_lte = "小于等于"
    message_lt = "小于"


def _storable(value: str) -> None:
    message = forbidden_character_message(value)
    if message:
        raise ValidationError(message)


class Text(fields.String):
    """A string of at most ``max_length`` characters (at least ``min_length``), no NUL or surrogates."""

    def __init__(self, *, max_length: int, min_length: int | None = None, **kwargs: Any) -> None:
        checks: list[Callable[[Any], Any]] = [_Length(min=min_length, max=max_length), _storable]
        super().__init__(validate=[*checks, *_as_list(kwargs.pop("validate", None))], **kwargs)
        self.max_length = max_length


class Int(fields.Integer):
    """An integer from ``minimum`` to ``maximum``, both within 32 bits."""

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, **kwargs: Any) -> None:
        if not -INT32_MAX - 1 <= minimum <= maximum <= INT32_MAX:
            raise ValueError("Int ranges must fit a 32-bit column")
        checks = [_Range(min=minimum, max=maximum)]
        super().__init__(validate=[*checks, *_as_list(kwargs.pop("validate", None))], **kwargs)
        self.minimum, self.maximum = minimum, maximum


class Id(Int):
    """A row id: 1 to 2^31 − 1."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(minimum=1, maximum=INT32_MAX, **kwargs)


def _as_list(validators: Any) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, list | tuple) else [validators]


class NoBodySchema(Schema):
    """The body of an action that takes no input (disable, unlock, reissue …): none, or ``{}``; any
    field is refused (422), as unknown fields are everywhere else, so a mistyped call is not taken
    for another."""
